"""Consent for the external tier: "allow once" binds the exact payload (its fingerprint), "always"
remembers the kind of request and the host in ``HOME/consent.json`` (0600)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from indexer.home import secure_touch

CONSENT_FILE = "consent.json"
DECISIONS = ("once", "always", "decline")


def payload_fingerprint(host: str, body: bytes) -> str:
    return hashlib.sha256(host.encode() + b"\0" + body).hexdigest()[:24]


def always_key(kind: str, host: str) -> str:
    return f"{kind}@{host}"


def _path(home: Path) -> Path:
    return home / CONSENT_FILE


def allowed_always(home: Path, kind: str, host: str) -> bool:
    path = _path(home)
    if not path.exists():
        return False
    try:
        return always_key(kind, host) in (json.loads(path.read_text(encoding="utf-8")).get("always") or [])
    except (OSError, ValueError):
        return False


def allow_always(home: Path, kind: str, host: str) -> None:
    path = secure_touch(_path(home))
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8") or "{}")
    except ValueError:
        data = {}
    keys = set(data.get("always") or []) | {always_key(kind, host)}
    data["always"] = sorted(keys)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def parse_decision(consent: Any) -> tuple[str | None, str | None]:
    """``{"decision": once|always|decline, "fingerprint": ...}`` (or just the decision) -> (decision, fp)."""
    if consent is None:
        return None, None
    if isinstance(consent, str):
        consent = {"decision": consent}
    if not isinstance(consent, dict) or consent.get("decision") not in DECISIONS:
        from serve.tiers import TierError

        raise TierError("consent must be {'decision': 'once' | 'always' | 'decline', 'fingerprint': ...}")
    return consent["decision"], consent.get("fingerprint")
