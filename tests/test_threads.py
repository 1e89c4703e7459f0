"""Thread membership has one owner (indexer.threads): `kith summarize` and the summarize_thread intent
see the same thread for the same mail."""
from __future__ import annotations

import pytest

from intents import IntentContext, load_registry
from intents_fixtures import NOW, build_home


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    app = build_home(tmp_path_factory.mktemp("threads"))
    yield app, load_registry(app.home, entry_points_enabled=False)
    app.close()


def _mail_ids(app, title: str) -> list[str]:
    return [r[0] for r in app.store.db.execute(
        "SELECT id FROM documents WHERE kind = 'mail' AND title = ? ORDER BY id", [title])]


@pytest.mark.parametrize("title", ["Lisbon trip plans", "Re: Lisbon trip plans", "Quarterly report budget"])
def test_summarize_and_intent_agree_on_the_thread(env, title):
    from agent.summarize import summarize

    app, registry = env
    (seed,) = _mail_ids(app, title)
    summary = summarize(app, seed, k=20)
    outcome = registry.call("summarize_thread", {"thread": seed}, context=IntentContext(app, NOW), confirm=None)
    assert outcome.status == "done"
    intent_ids = [m["id"] for m in outcome.result["messages"]]
    assert summary.documents == intent_ids
    expected = 2 if "Lisbon" in title else 1
    assert len(intent_ids) == expected


def test_a_shared_subject_alone_does_not_join_a_thread(env):
    """Anyone can send a mail with a thread's subject: only Message-ID links join (test_injection's
    attack mails all share a subject)."""
    from indexer.threads import subject, thread_documents

    app, _ = env
    assert subject("Re: Fwd: RE: Lisbon trip plans") == "Lisbon trip plans"
    (reply,) = _mail_ids(app, "Re: Lisbon trip plans")
    doc = app.store.get_document(reply)
    linked = [d["title"] for d in thread_documents(app.store, doc)]
    assert linked == ["Lisbon trip plans", "Re: Lisbon trip plans"]
    doc["metadata"] = {"message_id": "lookalike@example.com"}      # same subject, no links
    assert [d["title"] for d in thread_documents(app.store, doc)] == ["Re: Lisbon trip plans"]
