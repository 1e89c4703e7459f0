"""Who the owner ("me") is, why kith thinks so, and keeping that current when kith.toml changes.

The owner comes from ``[owner]`` in kith.toml ("config"), a contact card marked as "me"
("me card"), or the most frequent sender of sent mail ("top sender"); `people.rebuild_people`
decides and calls `record_owner`, which stores the decision and a hash of the ``[owner]`` table in
``meta``. `ensure_people_current` compares that hash with the current configuration whenever a
store is opened for writing (and the daemon, when kith.toml changes under it), and rebuilds people
when the owner configuration was added or edited after indexing, so "my husband" resolves at once.
"""
from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.store import Store

HASH_KEY = "owner_config_hash"
OWNER_KEY = "owner"
REASONS = {
    "config": "[owner] in {config}",
    "me card": "a contact card marked as \"me\"",
    "top sender": "the most frequent sender of your sent mail (no [owner] in {config})",
}


def owner_config_hash(config: dict[str, Any] | None) -> str:
    """A stable hash of the ``[owner]`` table (key order does not matter)."""
    payload = json.dumps(config or {}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def record_owner(store: Store, config: dict[str, Any] | None, owners: list[dict[str, Any]], via: str) -> None:
    """Store the owner decision of a people rebuild (called inside its transaction)."""
    decision = {"owners": owners, "keys_from": via}
    for key, value in ((HASH_KEY, owner_config_hash(config)), (OWNER_KEY, json.dumps(decision, ensure_ascii=False))):
        store.set_meta(key, value, commit=False)


def ensure_people_current(store: Store, config: dict[str, Any] | None = None) -> bool:
    """Rebuild people if ``[owner]`` changed since they were built; True when it rebuilt them."""
    from indexer.people import rebuild_people

    config = store.home.config.get("owner", {}) if config is None else config
    current = owner_config_hash(config)
    stored = store.get_meta(HASH_KEY)
    if stored == current:
        return False
    has_documents = store.has_documents()
    if stored is None and not has_documents:
        store.set_meta(HASH_KEY, current)  # a new, empty index: nothing to rebuild
        return False
    rebuild_people(store, config)
    return True


def whoami(store: Store) -> dict[str, Any]:
    """Who kith thinks the owner is and why, as JSON: name, identities, source and an explanation."""
    from indexer.people import _load

    ensure_people_current(store)
    config_name = str(store.home.path / "kith.toml")
    raw = store.get_meta(OWNER_KEY)
    decision = json.loads(raw) if raw else {"owners": [], "keys_from": "none"}
    owners = []
    for entry in decision.get("owners") or []:
        person = _load(store, int(entry["person_id"]))
        if person is None:
            continue
        owners.append({
            "name": person.display_name, "person_id": person.id, "identities": sorted(person.identities),
            "interactions": person.interactions, "source": entry.get("via"),
            "why": REASONS.get(entry.get("via") or "", "unknown").format(config=config_name),
            "matched": entry.get("matched") or [],
        })
    owners.sort(key=lambda o: -o["interactions"])
    result: dict[str, Any] = {"owner": owners[0] if owners else None, "also": owners[1:],
                              "config": config_name, "owner_config": store.home.config.get("owner") or None}
    if not owners:
        result["hint"] = (f"kith does not know who you are: add [owner] name = \"...\", emails = [...] to {config_name},"
                          " or index your sent mail or a contact card marked as \"me\"")
    return result
