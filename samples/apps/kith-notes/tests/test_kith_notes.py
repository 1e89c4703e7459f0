"""kith-notes' own tests: its intents register through the kith.intents entry point, add_note needs
approval and confirmation, and list_notes reads back what was written."""
from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from indexer.app import KithApp
from intents import IntentContext, auto_approve, load_registry


@pytest.fixture()
def registry(tmp_path):
    if "kith_notes.intents" not in [ep.value for ep in entry_points(group="kith.intents")]:
        pytest.skip("kith-notes is not installed (pip install -e samples/apps/kith-notes)")
    return load_registry(tmp_path / "home")


def test_entry_point_registers_both_intents(registry):
    assert registry.get("add_note").origin == "entrypoint:kith-notes"
    assert registry.get("list_notes").effect.value == "read"
    assert registry.errors == []


def test_add_note_needs_approval_then_confirmation(registry):
    ctx = IntentContext(KithApp(registry.home))
    notes = registry.home.path / "notes" / "notes.jsonl"
    first = registry.call("add_note", {"text": "buy sunscreen"}, context=ctx, confirm=auto_approve())
    assert first.status == "failed" and first.error["type"] == "disabled"
    registry.approve("add_note")
    unconfirmed = registry.call("add_note", {"text": "buy sunscreen"}, context=ctx, confirm=None)
    assert unconfirmed.status == "needs_confirmation" and not notes.exists()
    done = registry.call("add_note", {"text": "buy sunscreen", "kind": "todo", "tags": ["trip"]}, context=ctx,
                         confirm=auto_approve("test"))
    assert done.status == "done" and notes.exists()
    listed = registry.call("list_notes", {"tag": "trip", "todos_only": True}, context=ctx, confirm=None)
    assert listed.status == "done" and listed.result["count"] == 1
    assert listed.result["notes"][0]["text"] == "buy sunscreen"
    bad = registry.call("add_note", {"text": "x", "kind": "shopping"}, context=ctx, confirm=auto_approve())
    assert bad.status == "failed" and bad.error["field"] == "kind"
