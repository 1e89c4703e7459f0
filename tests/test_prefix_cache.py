"""Prefix reuse (runtime.prefix_cache) on the tiny random llama: the same tokens as a fresh prefill, with the
shared prefix not computed again; constrained requests keep their grammar; cancelled and failed requests
leave nothing stale behind."""
from __future__ import annotations

import json

import pytest

from runtime.generator import Constraint
from runtime.prefix_cache import PrefixCache, common_prefix

SYSTEM = {"role": "system", "content": "You answer in JSON. Keep it short. These instructions are the same every time."}
QUESTIONS = ["Meet Alice at 10:30 about the report.", "Meet Bob at noon.", "Where is the invoice from March?",
             "Meet Alice at 10:30 about the budget."]
SCHEMA = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 6},
                                           "count": {"type": "integer", "minimum": 0, "maximum": 99}},
          "required": ["name", "count"], "additionalProperties": False}


@pytest.fixture(scope="module")
def generators(tiny_model):
    from runtime.model_store import ModelStore
    from runtime.ort_generator import OrtGenerator

    onnx_dir = ModelStore.for_home(tiny_model.home).get(tiny_model.name).onnx_dir
    return OrtGenerator(onnx_dir, name="tiny"), OrtGenerator(onnx_dir, name="tiny", prefix_cache=0)


def ask(question: str) -> list[dict[str, str]]:
    return [SYSTEM, {"role": "user", "content": question}]


def test_common_prefix():
    assert common_prefix([1, 2, 3], [1, 2, 4, 5]) == 2
    assert common_prefix([1, 2], [1, 2, 3]) == 2
    assert common_prefix([], [1]) == 0 and common_prefix([9], [1]) == 0


def test_reused_prefix_gives_the_same_tokens_as_a_fresh_prefill(generators):
    cached, fresh = generators
    cached.prefix_cache.clear()
    previous = None
    for round_ in range(2):
        for question in QUESTIONS:
            ids = cached.encode(ask(question)).tolist()
            a = cached.generate(ask(question), max_tokens=12)
            b = fresh.generate(ask(question), max_tokens=12)
            assert a.token_ids == b.token_ids and a.text == b.text, question
            assert b.cached_tokens == 0
            if previous is None:
                assert a.cached_tokens == 0
            else:  # everything shared with the last request's tokens, except the prompt's last token
                assert a.cached_tokens == min(common_prefix(previous, ids), len(ids) - 1)
                assert a.cached_tokens >= 10  # at least the shared system message
            previous = ids + a.token_ids
    assert len(cached.prefix_cache) == 1


def test_constrained_requests_keep_their_grammar_after_a_rewind(generators):
    import jsonschema

    cached, fresh = generators
    constraint = Constraint.json_schema(SCHEMA)
    for question in QUESTIONS * 2:
        plain = cached.generate(ask(question), max_tokens=8)  # another cache entry: no grammar
        a = cached.generate(ask(question), max_tokens=48, constraint=constraint)
        b = fresh.generate(ask(question), max_tokens=48, constraint=constraint)
        assert a.token_ids == b.token_ids
        jsonschema.validate(json.loads(a.text), SCHEMA)
        assert plain.token_ids == fresh.generate(ask(question), max_tokens=8).token_ids
    assert a.cached_tokens > 0
    assert len(cached.prefix_cache) == 2


def test_cancelled_stream_and_sampling_leave_the_cache_consistent(generators):
    cached, fresh = generators
    stream = cached.stream(ask(QUESTIONS[0]), max_tokens=12)
    next(stream)
    stream.close()  # cancelled mid-generation: the entry is dropped, not reused half-way
    sampled = cached.generate(ask(QUESTIONS[1]), max_tokens=12, temperature=1.0, seed=5)
    assert sampled.cached_tokens == 0  # sampling never reuses a generator (its random state would carry over)
    assert sampled.token_ids == fresh.generate(ask(QUESTIONS[1]), max_tokens=12, temperature=1.0, seed=5).token_ids
    for question in QUESTIONS:
        assert cached.generate(ask(question), max_tokens=12).token_ids == \
            fresh.generate(ask(question), max_tokens=12).token_ids


def test_a_request_beyond_the_window_bypasses_the_cache(tiny_model):
    from runtime.model_store import ModelStore
    from runtime.ort_generator import OrtGenerator

    onnx_dir = ModelStore.for_home(tiny_model.home).get(tiny_model.name).onnx_dir
    narrow = OrtGenerator(onnx_dir, name="tiny", prefix_window=40)
    fresh = OrtGenerator(onnx_dir, name="tiny", prefix_cache=0)
    for _ in range(2):
        a = narrow.generate(ask(QUESTIONS[2]), max_tokens=30)
        assert a.cached_tokens == 0 and len(narrow.prefix_cache) == 0
    assert a.token_ids == fresh.generate(ask(QUESTIONS[2]), max_tokens=30).token_ids


def test_lru_keeps_at_most_capacity_entries():
    class Fake:
        def __init__(self) -> None:
            self.seq: list[int] = []

        def rewind_to(self, n: int) -> None:
            self.seq = self.seq[:n]

        def append_tokens(self, ids) -> None:
            self.seq += [int(i) for i in ids]

        def get_sequence(self, _: int) -> list[int]:
            return self.seq

    cache = PrefixCache(capacity=2)
    for key in ("a", "b", "c"):
        entry, reused = cache.take(key, [1, 2, 3], Fake)
        assert reused == 0
        cache.give_back(key, entry)
    assert len(cache) == 2
    entry, reused = cache.take("c", [1, 2, 9], Fake)
    assert reused == 2 and entry.generator.seq == [1, 2, 9]
