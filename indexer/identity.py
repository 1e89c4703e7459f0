"""Identity normalisation: turn emails, phone numbers, chat handles and names into comparable keys.

Every source names people differently ("Alice Martin <Alice@Example.com>", "+351 912 345 678",
"351912345678@s.whatsapp.net", "MARTIN, Alice"). These pure functions reduce such strings to
typed keys (``email:…``, ``phone:…``, ``handle:…``, ``name:…``) so that two mentions of the same
person can be matched by simple equality.
"""
from __future__ import annotations

import re
import unicodedata
from email.utils import getaddresses

PHONE_KEY_DIGITS = 9
MIN_PHONE_DIGITS = 5
MAX_PHONE_DIGITS = 17
MAX_NAME_CHARS = 200  # longer "names" are prose, not identities
MAX_INPUT_CHARS = 20_000

_EMAIL_RE = re.compile(r"^[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+$")
_EMAIL_SEARCH_RE = re.compile(r"[^\s@<>()\[\],;:\"']{1,64}@[^\s@<>()\[\],;:\"']{1,255}\.[A-Za-z0-9-]+")
# A phone number: optional +, then digits with common separators; optional extension.
_PHONE_RE = re.compile(r"^\+?[\d\s().\-/\u00a0]+(?:\s*(?:ext\.?|x|#|;ext=)\s*\d+)?$", re.IGNORECASE)
_EXTENSION_RE = re.compile(r"\s*(?:ext\.?|x|#|;ext=)\s*\d+$", re.IGNORECASE)
_DATE_LIKE_RE = re.compile(
    r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?)\s*$"
)
_HANDLE_RE = re.compile(r"^@([A-Za-z0-9_.]{2,64})$")
# Chat ids that wrap a phone number: WhatsApp JIDs, tel: URIs, SMS addresses.
_PHONE_JID_RE = re.compile(r"^\+?(\d{5,17})@(?:s\.whatsapp\.net|c\.us|whatsapp\.net)$", re.IGNORECASE)
_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba"}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def normalize_email(value: str) -> str:
    """Lowercase an address and strip ``mailto:``, angle brackets, quotes and whitespace.

    ``"Alice <Alice@Example.COM>"`` and ``"mailto:alice@example.com"`` both give
    ``"alice@example.com"``. A string with no address in it comes back cleaned but otherwise as is.
    """
    if not value:
        return ""
    text = str(value).strip()
    if "<" in text and ">" in text:
        inner = text[text.rfind("<") + 1 : text.rfind(">")]
        if inner.strip():
            text = inner
    text = text.strip().strip("<>").strip().strip("\"'").strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    text = text.split("?", 1)[0]  # mailto:a@b?subject=...
    return text.strip().strip("<>").strip().lower()


def normalize_phone(value: str) -> str:
    """Reduce a phone number to its digits, keeping the country code.

    ``"+351 912 345 678"`` → ``"351912345678"``; ``"00351 912…"`` → ``"351912…"`` (the ``00``
    international prefix is dropped); ``"tel:+1-555-0100;ext=12"`` → ``"15550100"`` (extensions
    are not part of the number).
    """
    if not value:
        return ""
    text = str(value).strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = text.split(";", 1)[0]  # tel: URI parameters (;ext=, ;phone-context=)
    text = _EXTENSION_RE.sub("", text)
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    if not digits:
        # Full-width or other Unicode digits: fold them to ASCII.
        digits = "".join(str(unicodedata.digit(ch)) for ch in text if unicodedata.digit(ch, None) is not None)
    if digits.startswith("00") and not text.lstrip().startswith("+"):
        digits = digits[2:]
    return digits


def phone_match_key(value: str) -> str:
    """The last nine digits of a number: ``"+351 912 345 678"`` and ``"912345678"`` share a key.

    Nine digits tell numbers apart within a country while ignoring whether the country code
    (or a national trunk ``0``) was written. Shorter numbers are returned whole.
    """
    digits = normalize_phone(value)
    return digits[-PHONE_KEY_DIGITS:]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name(value: str) -> str:
    """Casefold, strip accents and punctuation, collapse whitespace; ``"Last, First"`` becomes ``"first last"``.

    ``"  José  ÁLVARO "`` → ``"jose alvaro"``; ``"Martin, Alice"`` → ``"alice martin"``;
    ``"O’Brien"`` → ``"o'brien"``; ``"J.R.R. Tolkien"`` → ``"j r r tolkien"``.
    """
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_APOSTROPHES)
    text = text.strip().strip("\"'").strip()
    if text.count(",") == 1:
        left, right = (part.strip() for part in text.split(","))
        right_key = _strip_accents(right).casefold().replace(".", "").strip()
        if right_key in _NAME_SUFFIXES or not right:
            text = left
        elif left and 1 <= len(left.split()) <= 3 and 1 <= len(right.split()) <= 3:
            text = f"{right} {left}"
    text = _strip_accents(text).casefold()
    # Keep letters, digits, hyphens and inner apostrophes; everything else separates words.
    cleaned = "".join(ch if (ch.isalnum() or ch in "-'") else " " for ch in text)
    words = [word.strip("-'") for word in cleaned.split()]
    return " ".join(word for word in words if word)


def _looks_like_phone(text: str) -> bool:
    if not _PHONE_RE.match(text) or _DATE_LIKE_RE.match(text):
        return False
    digits = normalize_phone(text)
    return MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS


def _atom_keys(text: str) -> list[str]:
    """Keys for one bare identity (no display-name wrapper)."""
    text = text.strip().strip("\"'").strip()
    if not text:
        return []
    lowered = text.lower()
    if lowered.startswith("mailto:"):
        email = normalize_email(text)
        return [f"email:{email}"] if "@" in email else []
    if lowered.startswith(("tel:", "sms:")):
        key = phone_match_key(text[4:])
        return [f"phone:{key}"] if len(key) >= MIN_PHONE_DIGITS else []
    jid = _PHONE_JID_RE.match(text)
    if jid:
        return [f"phone:{phone_match_key(jid.group(1))}"]
    if len(text) <= 254 and _EMAIL_RE.match(text):
        return [f"email:{normalize_email(text)}"]
    handle = _HANDLE_RE.match(text)
    if handle:
        return [f"handle:{handle.group(1).lower()}"]
    if _looks_like_phone(text):
        return [f"phone:{phone_match_key(text)}"]
    found = _EMAIL_SEARCH_RE.search(text) if "@" in text else None
    if found and len(found.group(0)) <= 254:  # "alice at work alice@example.com" and other loose forms
        return [f"email:{normalize_email(found.group(0))}"]
    if len(text) <= MAX_NAME_CHARS and any(ch.isalpha() for ch in text):
        name = normalize_name(text)
        if name:
            return [f"name:{name}"]
    return []


def _split_display(value: str) -> list[tuple[str, str]]:
    """Split ``"Name <addr>"`` (or several comma-separated ones) into (display, address) pairs."""
    if value.count("@") > 1 and ("," in value or ";" in value):
        pairs = getaddresses([value.replace(";", ",")])
        if pairs and all(addr for _, addr in pairs):
            return [(name, addr) for name, addr in pairs]
    match = re.match(r"^\s*(.*?)\s*<([^<>]*)>\s*$", value, re.DOTALL)
    if match:
        return [(match.group(1), match.group(2))]
    match = re.match(r"^\s*(.*?)\s*\(([^()]*)\)\s*$", value)  # "alice@example.com (Alice Martin)"
    if match and "@" in match.group(1) and "@" not in match.group(2):
        return [(match.group(2), match.group(1))]
    return [("", value)]


def identity_keys(value: str) -> list[str]:
    """Classify a raw identity string and return its typed keys, most specific first.

    >>> identity_keys("Alice Martin <alice@example.com>")
    ['email:alice@example.com', 'name:alice martin']
    >>> identity_keys("+351 912 345 678")
    ['phone:912345678']

    Key types: ``email:`` (normalised address), ``phone:`` (:func:`phone_match_key`),
    ``handle:`` (an ``@username`` chat handle, lowercased) and ``name:`` (:func:`normalize_name`).
    Anything unrecognisable gives an empty list.
    """
    if not value or not str(value).strip():
        return []
    keys: list[str] = []
    for display, address in _split_display(str(value)[:MAX_INPUT_CHARS]):
        keys.extend(_atom_keys(address))
        display_keys = _atom_keys(display) if display.strip() else []
        keys.extend(display_keys)
    seen: set[str] = set()
    ordered = sorted(keys, key=lambda key: ("email:", "phone:", "handle:", "name:").index(key.split(":", 1)[0] + ":"))
    result = []
    for key in ordered:
        if key not in seen:
            seen.add(key)
            result.append(key)
    return result


# --- relationship labels ---------------------------------------------------------------------

RELATION_TYPES = (
    "spouse", "partner", "child", "parent", "mother", "father", "sibling",
    "friend", "colleague", "manager", "assistant", "other",
)

_RELATION_WORDS: dict[str, str] = {}
for _type, _words in {
    "spouse": "spouse husband wife married hubby wifey marido esposa esposo mulher epoux epouse mari "
              "ehemann ehefrau ehepartner conjuge",
    "partner": "partner boyfriend girlfriend fiance fiancee sweetheart date significant-other lover "
               "domestic-partner namorado namorada companheiro companheira novio novia pareja "
               "copain copine compagnon compagne",
    "child": "child children kid kids son daughter stepson stepdaughter stepchild filho filha filhos "
             "hijo hija fils fille sohn tochter",
    "parent": "parent parents stepparent guardian pais padres",
    "mother": "mother mom mum mommy mummy mama mamma mam stepmother mae madre mere mutter",
    "father": "father dad daddy papa pop stepfather pai padre pere vater",
    "sibling": "sibling brother sister bro sis stepbrother stepsister halfbrother halfsister irmao irma "
               "hermano hermana frere soeur bruder schwester",
    "friend": "friend friends bff bestie pal buddy mate amigo amiga ami amie freundin",
    "colleague": "colleague co-worker coworker workmate colega collegue kollege kollegin teammate",
    "manager": "manager boss supervisor chefe jefe patron lead",
    "assistant": "assistant secretary agent assistente asistente secretaria",
}.items():
    for _word in _words.split():
        _RELATION_WORDS[_word.replace("-", " ")] = _type
# Words that look like a type above but are not: the vCard "kin" family and friends of friends.
_RELATION_WORDS.update({"kin": "other", "contact": "other", "acquaintance": "other", "met": "other",
                        "me": "other", "emergency": "other", "co-resident": "other", "neighbor": "other"})


def relation_type(label: str) -> str:
    """Map a relationship label to the small vocabulary in :data:`RELATION_TYPES`.

    Understands vCard 4.0 ``RELATED;TYPE=`` values (``co-worker``, ``sweetheart``), Apple's
    ``_$!<Spouse>!$_`` labels and everyday words in a few languages (``wife``, ``mum``, ``mãe``,
    ``irmão``). Unknown labels give ``"other"``.
    """
    if not label:
        return "other"
    text = str(label).strip()
    apple = re.match(r"^_\$!<(.*)>!\$_$", text)
    if apple:
        text = apple.group(1)
    text = _strip_accents(text).casefold().replace("_", " ").strip()
    text = re.sub(r"^(?:my|the)\s+", "", text)
    if re.search(r"in[\s-]?law", text):  # mother-in-law, brother-in-law: family, not the named role
        return "other"
    if text in _RELATION_WORDS:
        return _RELATION_WORDS[text]
    if text.replace(" ", "-") in _RELATION_WORDS:
        return _RELATION_WORDS[text.replace(" ", "-")]
    squashed = text.replace("-", "").replace(" ", "")
    if squashed in _RELATION_WORDS:
        return _RELATION_WORDS[squashed]
    for word in re.split(r"[\s,/;&+-]+", text):  # "best friend", "older sister", "wife/partner"
        if word in _RELATION_WORDS:
            return _RELATION_WORDS[word]
    return "other"
