"""Orchestration tiers with two loopback servers: a second `kith serve` (real tiny onnxruntime-genai
model) as the private tier and a small recording server as the external one. Consent declined sends
nothing; with consent the external server gets no names, e-mail addresses or phone numbers from the
index, placeholders come back restored, and every request that left is in `kith egress log`."""
from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.serve_helpers import DATA, NOW, REPO, indexed_home, recording_server, running_server

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="samples/data has not been generated")
QUESTION = "when is my next dentist appointment?"
PERSON_QUESTION = "what did Alice say about the boat trip?"


@pytest.fixture(scope="module")
def tiers(tmp_path_factory):
    from runtime.importer import import_model
    from serve.app import build_state
    from tests.llm_fixtures import tiny_hf_model

    root = tmp_path_factory.mktemp("tiers")
    private_home = root / "private"
    private_home.mkdir()
    import_model(private_home, str(tiny_hf_model(root / "source", context=4096)), name="tinyctx", progress=False)
    private = build_state(str(private_home))
    with recording_server() as (external_url, received), running_server(private) as private_url:
        config = f"""
[runtime.tiers]
min_mean_logprob = -1.4
[runtime.tiers.private]
base_url = "{private_url}/v1"
model = "tinyctx"
api_key_file = "{private_home / 'serve.token'}"
[runtime.tiers.external]
enabled = true
base_url = "{external_url}"
model = "gpt-test"
"""
        device_home = indexed_home(root / "device", config)
        device = build_state(str(device_home))
        with running_server(device) as device_url:
            yield {"device": device, "device_url": device_url, "private": private, "received": received,
                   "external_host": external_url.split("/")[2]}
        device.close()
    private.close()


def ask(tiers, **params):
    state = tiers["device"]
    response = httpx.post(tiers["device_url"] + "/v1/ask", json={"now": NOW, **params}, timeout=300,
                          headers={"authorization": f"Bearer {state.token}"})
    assert response.status_code == 200, response.text
    return response.json()


def private_identities(state):
    """Every name, e-mail address and phone number of the people in the device's index."""
    from indexer.store import Store

    store = Store.open(state.home_path)
    try:
        people = store.people_identities()
    finally:
        store.close()
    names = {p["name"] for p in people} | {i.split(":", 1)[1] for p in people for i in p["identities"]
                                          if i.startswith("name:") and len(i) > 8}
    emails = {i.split(":", 1)[1] for p in people for i in p["identities"] if i.startswith("email:")}
    phones = {i.split(":", 1)[1] for p in people for i in p["identities"] if i.startswith("phone:")}
    return names, emails, phones


def leaks(text, identities):
    names, emails, phones = identities
    digits = re.sub(r"\D", "", text)
    found = [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.I)]
    found += [e for e in emails if e.lower() in text.lower()]
    found += [p for p in phones if p in digits]
    return found


def test_private_tier_on_request_and_in_the_egress_log(tiers):
    private_pool = tiers["private"].generation
    before = private_pool.completed
    answer = ask(tiers, question=QUESTION, tier="private")
    assert answer["tier"]["tier"] == "private" and "--tier private" in answer["tier"]["reason"]
    assert answer["engine"]["answerer"] == "private:tinyctx" and answer["device_answer"]
    assert private_pool.completed == before + 1  # the second kith serve really generated it
    assert "tier: private" in answer["explain"]
    assert answer["citations"], "citations from local retrieval are kept"


def test_router_stays_on_device_without_a_device_model_and_never_sends_intents(tiers):
    answer = ask(tiers, question=QUESTION)
    assert answer["tier"]["tier"] == "device" and "no device model" in answer["tier"]["reason"]
    reminder = ask(tiers, question="remind me to call Bob tomorrow at 9", tier="external")
    assert reminder["tier"]["tier"] == "device" and "intents" in reminder["tier"]["reason"]


def test_external_declined_sends_nothing(tiers):
    received = tiers["received"]
    count = len(received)
    pending = ask(tiers, question=PERSON_QUESTION, tier="external")
    assert pending["consent"]["status"] == "needed" and len(received) == count
    shown = json.dumps(pending["consent"]["payload"], ensure_ascii=False)
    assert "<PERSON_" in shown and not leaks(shown, private_identities(tiers["device"]))
    declined = ask(tiers, question=PERSON_QUESTION, tier="external",
                   consent={"decision": "decline", "fingerprint": pending["consent"]["fingerprint"]})
    assert len(received) == count == 0
    assert declined["tier"]["tier"] == "device" and "quality may be lower" in declined["answer"]


def test_external_with_consent_gets_only_redacted_text(tiers, capsys):
    received = tiers["received"]
    identities = private_identities(tiers["device"])
    pending = ask(tiers, question=PERSON_QUESTION, tier="external")["consent"]
    stale = ask(tiers, question=PERSON_QUESTION, tier="external",
                consent={"decision": "once", "fingerprint": "0" * 24})
    assert "consent" in stale and len(received) == 0  # consent for another payload is no consent
    sent = ask(tiers, question=PERSON_QUESTION, tier="external",
               consent={"decision": "once", "fingerprint": pending["fingerprint"]})
    assert len(received) == 1
    body = received[0]["body"]
    assert json.loads(body) == pending["payload"]  # exactly what was shown
    assert not leaks(body, identities), leaks(body, identities)
    assert "Alice" in sent["answer"] and "<PERSON_" not in sent["answer"]  # placeholders restored
    assert sent["tier"]["redactions"] == pending["redactions"] > 0 and sent["tier"]["consent"] == "once"
    # "always" for this kind of request: the next one goes without asking
    always = ask(tiers, question=QUESTION, tier="external", consent="always")
    assert always["tier"]["tier"] == "external" and len(received) == 2
    again = ask(tiers, question="who is coming to dinner at Casa do Alentejo?", tier="external")
    assert again["tier"]["consent"] == "always" and len(received) == 3
    for request in received:
        assert not leaks(request["body"], identities)
    with capsys.disabled():
        print(f"\nredactions per external request: {pending['redactions']}, {always['tier']['redactions']}, "
              f"{again['tier']['redactions']}")


def test_every_request_that_left_is_in_the_egress_log(tiers):
    import subprocess
    import sys

    state = tiers["device"]
    out = subprocess.run([sys.executable, "-m", "kith", "egress", "log", "--json", "--home", str(state.home_path)],
                         capture_output=True, text=True, timeout=120, cwd=REPO,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    external = [r for r in rows if r["tier"] == "external"]
    assert len(external) == len(tiers["received"]) == 3
    assert all(r["host"] == tiers["external_host"] and r["consent_fingerprint"] and r["redactions"] > 0
               and r["bytes_sent"] > 100 and r["status"] == "ok" for r in external)
    assert len([r for r in rows if r["tier"] == "private"]) == tiers["private"].generation.completed >= 1


def test_route_rules():
    from serve.tiers import RemoteTier, TiersConfig, route

    remote = RemoteTier("private", "http://127.0.0.1:1/v1", "m")
    config = TiersConfig(private=remote, min_mean_logprob=-1.0)
    assert route(config, None, 3000, 2048, None, -0.1).reason.startswith("needs 3000 tokens")
    assert route(config, None, 100, 2048, "bad constraint", None).tier == "private"
    low = route(config, None, 100, 2048, None, -2.5)
    assert low.tier == "private" and "low device confidence" in low.reason
    assert route(config, None, 100, 2048, None, -0.5).tier == "device"
    alone = route(TiersConfig(min_mean_logprob=-1.0), None, 100, 2048, None, -2.5)
    assert alone.tier == "device" and "no other tier" in alone.reason


def test_redaction_placeholders_are_stable_and_restored():
    from serve.redact import Redactor

    redactor = Redactor.from_people([{"name": "Alice Martin", "identities": ["email:alice.martin@example.org",
                                                                            "phone:912345678"]}])
    text = ("Alice Martin <alice.martin@example.org> (+351 912 345 678) lives at 12 Harley St; Alice said "
            "booking 88213456.")
    redacted = redactor.redact(text)
    assert redacted == ("<PERSON_1> <<EMAIL_1>> (<PHONE_1>) lives at <ADDRESS_1>; <PERSON_1> said "
                        "booking <NUMBER_1>.")
    assert redactor.count == 6
    assert redactor.restore("Ask <PERSON_1> at <EMAIL_1>") == "Ask Alice Martin at alice.martin@example.org"
