"""Per-request orchestration of an ``ask`` answer across the tiers.

The device has already answered (the extractive, cited answer). Requests that only retrieve and
answer may be re-answered by a higher tier; requests that call intents never leave the device. The
router (``serve.tiers.route``) decides from measured signals; the decision lands in the answer
(``tier``) and in ``--explain``. What goes out is the question and the retrieved sources, never the
whole index; to ``external`` only after redaction and the user's consent, and every request that
leaves is appended to the egress log.
"""
from __future__ import annotations

import json
from typing import Any

from serve import consent as consent_store
from serve.redact import Redactor, redactor_for
from serve.tiers import Decision, RemoteTier, TierError, TiersConfig, route

KIND = "ask-answer"
SOURCES = 5
SOURCE_CHARS = 700
SYSTEM = ("Answer the question using only the numbered sources. Cite the sources you use as [n]. "
          "If the sources do not contain the answer, say so.")
DRAFT_SCHEMA = {"type": "object", "properties": {"answer": {"type": "string", "maxLength": 300},
                                                 "sources": {"type": "array", "items": {"type": "integer"},
                                                             "maxItems": 5}},
                "required": ["answer", "sources"], "additionalProperties": False,
                "x-guidance": {"whitespace_flexible": False}}
LOWER_QUALITY = "Not sent to the external tier; answered on this device, so the quality may be lower."


def answer_messages(app: Any, question: str, answer: dict[str, Any]) -> list[dict[str, str]]:
    """The chat a tier answers: the question and the top retrieved documents as numbered sources."""
    ids = [c["id"] for c in answer.get("citations") or []]
    ids += [r["id"] for r in answer.get("retrieval") or [] if r["id"] not in ids]
    sources = []
    for n, doc_id in enumerate(ids[:SOURCES], 1):
        doc = app.store.get_document(doc_id) or {}
        text = " ".join(str(doc.get("body") or "").split())[:SOURCE_CHARS]
        sources.append(f"[{n}] {doc.get('title') or ''} ({doc.get('kind', '')}, {doc.get('timestamp') or ''}): {text}")
    user = "Sources:\n" + ("\n".join(sources) or "(none)") + f"\n\nQuestion: {question}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def device_signals(pool: Any, model: str | None, messages: list[dict[str, str]]) -> dict[str, Any]:
    """Prompt size, the device model's context, and a constrained draft's outcome and confidence."""
    try:
        generator, _ = pool.generator(model or "smollm2")
    except Exception:
        return {"prompt_tokens": None, "device_context": None, "draft_error": None, "mean_logprob": None}
    from runtime.generator import Constraint

    prompt_tokens = generator.count_tokens(messages)
    signals: dict[str, Any] = {"prompt_tokens": prompt_tokens, "device_context": generator.context_length,
                               "draft_error": None, "mean_logprob": None}
    if prompt_tokens >= generator.context_length:
        return signals
    try:
        result = pool.generate(model or "smollm2", messages, max_tokens=96,
                               constraint=Constraint.json_schema(DRAFT_SCHEMA))
        json.loads(result.text)
        signals["mean_logprob"] = result.mean_logprob
    except Exception as exc:  # a failed constrained draft is a routing signal, not an error
        signals["draft_error"] = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return signals


def send(store: Any, tier: RemoteTier, body: bytes, redactions: int, fingerprint: str | None) -> dict[str, Any]:
    """POST one chat completion to a tier and append it to the egress log, whatever the outcome."""
    import httpx

    headers = {"content-type": "application/json"}
    if tier.api_key:
        headers["authorization"] = f"Bearer {tier.api_key}"
    received, status = 0, "ok"
    try:
        response = httpx.post(tier.base_url + "/chat/completions", content=body, headers=headers,
                              timeout=tier.timeout_s)
        received = len(response.content)
        if response.status_code != 200:
            status = f"error: HTTP {response.status_code}"
            raise TierError(f"the {tier.name} tier ({tier.host}) answered HTTP {response.status_code}: "
                            f"{response.text[:200]}")
        return response.json()
    except httpx.HTTPError as exc:
        status = f"error: {type(exc).__name__}"
        raise TierError(f"the {tier.name} tier at {tier.host} cannot be reached: {exc}") from None
    finally:
        store.record_egress(tier.name, tier.host, KIND, len(body), received, redactions, fingerprint, status)


def orchestrate(state: Any, request: Any, answer: dict[str, Any], tier: str | None = None,
                consent: Any = None) -> dict[str, Any]:
    """Route one answered ``ask``; returns the answer, possibly re-answered by another tier."""
    return orchestrate_app(state.app, state.generation, request.question, answer, tier, consent)


def orchestrate_app(app: Any, pool: Any, question: str, answer: dict[str, Any], tier: str | None = None,
                    consent: Any = None) -> dict[str, Any]:
    config = TiersConfig.from_home_config(app.home.config)
    if answer.get("intent_calls"):
        decision = Decision("device", "requests that call intents are never sent off the device")
        return _with_decision(answer, decision)
    messages = answer_messages(app, question, answer)
    signals = device_signals(pool, config.device_model, messages) if tier is None else {}
    decision = route(config, tier, signals.get("prompt_tokens"), signals.get("device_context"),
                     signals.get("draft_error"), signals.get("mean_logprob"))
    if decision.tier == "device":
        return _with_decision(answer, decision)
    remote = config.remote(decision.tier)
    if decision.tier == "private":
        body = _body(remote, messages)
        reply = send(app.store, remote, body, 0, None)
        return _answered(answer, decision, remote, _content(reply), Redactor())
    return _external(app, answer, decision, remote, messages, consent)


def _external(app: Any, answer: dict[str, Any], decision: Decision, remote: RemoteTier,
              messages: list[dict[str, str]], consent: Any) -> dict[str, Any]:
    redactor = redactor_for(app.store, app.home.config.get("owner") or {})
    redacted = [{"role": m["role"], "content": redactor.redact(m["content"])} for m in messages]
    body = _body(remote, redacted)
    fingerprint = consent_store.payload_fingerprint(remote.host, body)
    decision_, given = consent_store.parse_decision(consent)
    home = app.home.path
    always = consent_store.allowed_always(home, KIND, remote.host)
    if decision_ == "decline":
        answer = _with_decision(answer, Decision("device", "the user declined sending to the external tier",
                                                 decision.signals))
        answer["notes"] = list(answer.get("notes") or []) + [LOWER_QUALITY]
        answer["answer"] = f"{answer.get('answer', '')}\n\n({LOWER_QUALITY})"
        return answer
    if decision_ == "always":
        consent_store.allow_always(home, KIND, remote.host)
    elif not always and not (decision_ == "once" and given == fingerprint):
        answer = _with_decision(answer, Decision("device", "waiting for consent to use the external tier "
                                                 f"({decision.reason})", decision.signals))
        answer["consent"] = {"status": "needed", "tier": "external", "host": remote.host, "kind": KIND,
                             "fingerprint": fingerprint, "redactions": redactor.count,
                             "payload": json.loads(body), "reason": decision.reason}
        return answer
    reply = send(app.store, remote, body, redactor.count, fingerprint)
    answered = _answered(answer, decision, remote, _content(reply), redactor)
    answered["tier"]["redactions"] = redactor.count
    answered["tier"]["consent"] = "always" if always or decision_ == "always" else "once"
    return answered


def _body(remote: RemoteTier, messages: list[dict[str, str]]) -> bytes:
    return json.dumps({"model": remote.model, "messages": messages, "max_tokens": 256, "temperature": 0},
                      ensure_ascii=False).encode()


def _content(reply: dict[str, Any]) -> str:
    try:
        return str(reply["choices"][0]["message"]["content"] or "")
    except (KeyError, IndexError, TypeError):
        raise TierError("the tier's reply is not an OpenAI chat completion") from None


def _answered(answer: dict[str, Any], decision: Decision, remote: RemoteTier, text: str,
              redactor: Redactor) -> dict[str, Any]:
    answer = _with_decision(answer, decision)
    answer["device_answer"] = answer.get("answer")
    answer["answer"] = redactor.restore(text)
    answer["engine"] = dict(answer.get("engine") or {}, answerer=f"{remote.name}:{remote.model}")
    answer["tier"].update(host=remote.host, model=remote.model)
    return answer


def _with_decision(answer: dict[str, Any], decision: Decision) -> dict[str, Any]:
    answer["tier"] = decision.to_json()
    answer["explain"] = ((answer.get("explain") or "") + "\n" + decision.explain()).strip()
    return answer
