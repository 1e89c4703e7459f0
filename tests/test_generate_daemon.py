"""`generate` served by the daemon: streaming, the per-model FIFO queue, cancellation, adapters, errors."""
from __future__ import annotations

import shutil
import threading

import pytest

from adapter_fixtures import lora_env  # noqa: F401  (session fixture)

pytestmark = pytest.mark.timeout(900)
PROMPT = {"prompt": "Meet Alice at 10:30 on Tuesday", "max_tokens": 24}


@pytest.fixture(scope="module")
def service(lora_env):
    from runtime.adapter_store import AdapterStore
    from runtime.generation_service import GenerationService

    AdapterStore.for_home(lora_env.home).import_peft(lora_env.peft["a"], "a", replace=True)
    svc = GenerationService(lora_env.home)
    yield svc
    svc.close()


def collect(items):
    items = list(items)
    result = [i["result"] for i in items if "result" in i]
    return items, (result[0] if result else None)


def test_stream_yields_text_then_one_result(service):
    items, result = collect(service.stream(PROMPT, lambda: False))
    texts = [i["text"] for i in items if "text" in i]
    assert texts and "".join(texts) == result["text"] and result["completion_tokens"] > 0
    assert "result" in items[-1] and result["model"] == "tiny" and result["adapter"] is None


def test_a_second_request_waits_its_turn_and_leaves_the_queue_when_its_client_goes(service):
    turns = service.turns("tiny")
    assert turns.acquire(lambda: False)  # a generation is running
    seen: list[dict] = []
    gone = threading.Event()
    waiter = threading.Thread(target=lambda: seen.extend(service.stream(PROMPT, gone.is_set)))
    waiter.start()
    waiter.join(1.0)
    assert seen == [{"queued": 1}] and waiter.is_alive()
    gone.set()  # the client disconnects while queued
    waiter.join(5)
    assert not waiter.is_alive() and seen == [{"queued": 1}] and turns.ahead() == 1
    seen.clear()
    queued = threading.Thread(target=lambda: seen.extend(service.stream(PROMPT, lambda: False)))
    queued.start()
    queued.join(0.5)
    assert seen == [{"queued": 1}]
    turns.release()
    queued.join(60)
    assert "result" in seen[-1] and turns.ahead() == 0


def test_fifo_turns_are_granted_in_arrival_order():
    from runtime.generation_service import FifoTurns

    turns = FifoTurns()
    assert turns.acquire(lambda: False)
    order: list[int] = []
    threads = []
    for n in range(4):
        def run(n=n):
            turns.acquire(lambda: False)
            order.append(n)
            turns.release()
        thread = threading.Thread(target=run)
        thread.start()
        threads.append(thread)
        while turns.ahead() < n + 2:  # wait until this one is queued before starting the next
            threading.Event().wait(0.01)
    turns.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3]


def test_a_disconnect_during_generation_stops_it_and_frees_the_model(service):
    items: list[dict] = []
    gone = threading.Event()
    for item in service.stream({**PROMPT, "max_tokens": 200}, gone.is_set):
        items.append(item)
        gone.set()  # the client goes away right after the first chunk
    assert len(items) == 1 and "text" in items[0]
    assert service.turns("tiny").ahead() == 0
    _, after = collect(service.stream(PROMPT, lambda: False))
    assert after["finish_reason"] in ("stop", "length")


def test_bad_requests_are_one_line_errors(service):
    from indexer.errors import KithError

    for params, words in [({}, "give 'messages'"), ({"prompt": "x", "max_tokens": "many"}, "bad number"),
                          ({"prompt": "x", "adapter": "missing"}, "no adapter named 'missing'")]:
        with pytest.raises(KithError, match=words):
            list(service.stream(params, lambda: False))
    assert service.turns("tiny").ahead() == 0


@pytest.fixture(scope="module")
def daemon(lora_env, tmp_path_factory):
    from bench.daemon_harness import DaemonProcess, make_home

    home = make_home(tmp_path_factory.mktemp("gen-daemon") / "home")
    with open(home / "kith.toml", "a") as config:
        config.write('\n[runtime]\nmodel = "tiny"\n')
    shutil.copytree(lora_env.home / "models", home / "models")
    from runtime.adapter_store import AdapterStore

    AdapterStore.for_home(home).import_peft(lora_env.peft["a"], "a")
    process = DaemonProcess(home).start()
    yield process
    code = process.stop()
    # The daemon on main sometimes aborts in native teardown *after* its clean shutdown ("terminate called
    # without an active exception", also without any generate call); what matters here is the clean stop.
    assert code in (0, -6) and "daemon stopped" in process.log_tail(), process.log_tail()


def test_daemon_streams_generate_with_adapters_and_concurrent_clients(daemon, service):
    from indexer.daemon.client import DaemonError, stream

    items = list(stream(daemon.home, "generate", PROMPT))
    result = items[-1]["result"]
    assert len(items) >= 2 and "".join(i.get("text", "") for i in items) == result["text"]
    expected, _ = collect(service.stream(PROMPT, lambda: False))
    assert result["text"] == expected[-1]["result"]["text"]  # the same greedy output as in-process
    adapted = list(stream(daemon.home, "generate", {**PROMPT, "adapter": "a"}))[-1]["result"]
    assert adapted["adapter"] == "a" and adapted["text"] != result["text"]
    with pytest.raises(DaemonError, match="no adapter named 'b'"):
        list(stream(daemon.home, "generate", {**PROMPT, "adapter": "b"}))

    outputs: list[str] = []
    clients = [threading.Thread(target=lambda a=a: outputs.append(
        list(stream(daemon.home, "generate", {**PROMPT, "adapter": a}))[-1]["result"]["text"])) for a in ("a", None, "a")]
    for client in clients:
        client.start()
    for client in clients:
        client.join(120)
    assert sorted(outputs) == sorted([adapted["text"], result["text"], adapted["text"]])

    early = stream(daemon.home, "generate", {**PROMPT, "max_tokens": 200})
    next(early)
    early.close()  # the client goes away mid-generation
    assert daemon.call("ping")["pong"] is True
    again = list(stream(daemon.home, "generate", PROMPT))[-1]["result"]
    assert again["text"] == result["text"]
