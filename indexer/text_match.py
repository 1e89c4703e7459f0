"""Query terms and term highlighting shared by search, snippets and answer composition."""
from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    s t don say said tell told show shows find please""".split()
)


def query_terms(query: str) -> list[str]:
    """Lower-cased content words of a query, in order, without duplicates or stopwords."""
    seen: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word not in STOPWORDS and word not in seen and (len(word) > 1 or word.isdigit()):
            seen.append(word)
    return seen


def _stem(term: str) -> str:
    """A crude prefix stem so 'trips' highlights 'trip' and 'meeting' highlights 'meet'."""
    for suffix in ("ing", "ed", "es", "s"):
        if term.endswith(suffix) and len(term) - len(suffix) >= 3:
            return term[: -len(suffix)]
    return term


@lru_cache(maxsize=256)
def _highlighter(query: str) -> re.Pattern[str] | None:
    """One pattern per query: a whole word that starts with a term's stem and has at most 4 more letters."""
    stems = sorted({_stem(t) for t in query_terms(query)}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile(r"(?<!\w)(?:%s)\w{0,4}(?!\w)" % "|".join(map(re.escape, stems)), re.IGNORECASE)


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character spans in ``text`` of words matching a query term (by prefix stem)."""
    pattern = _highlighter(query)
    return [] if pattern is None else [m.span() for m in pattern.finditer(text)]


def first_highlight(text: str, query: str) -> tuple[int, int] | None:
    """The first span `highlight_spans` would give, without scanning the rest of the text."""
    pattern = _highlighter(query)
    match = None if pattern is None else pattern.search(text)
    return match.span() if match else None
