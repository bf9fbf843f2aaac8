"""Sync one-shot calls reuse their thread's InferenceClient; each call gets its own timeout, a stream its own client."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import pytest
from huggingface_hub import InferenceClient

import hf_tools
from hf_tools import client as client_module
from hf_tools import retry
from hf_tools.testing import LoopbackServer, Reply


class Spy(InferenceClient):
    """An InferenceClient that records which instance sent each request, and with which timeout."""

    made: ClassVar[list[Spy]] = []
    sent: ClassVar[list[tuple[int, float | None, str]]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        Spy.made.append(self)

    def _inner_post(self, request_parameters: Any, *, stream: bool = False) -> Any:
        Spy.sent.append((id(self), self.timeout, threading.current_thread().name))
        return super()._inner_post(request_parameters, stream=stream)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[Spy]:
    Spy.made, Spy.sent = [], []
    monkeypatch.setattr(client_module, "_inference_client_class", lambda: Spy)
    return Spy


def test_calls_on_one_thread_share_one_client_and_leave_nothing_on_it(
    hf_server: LoopbackServer, spy: type[Spy]
) -> None:
    classify = hf_tools.runnable("text-classification", base_url=hf_server.base_url)
    labels = [classify.invoke(text)[0].label for text in ("good", "bad", "good")]
    assert labels == ["POSITIVE", "NEGATIVE", "POSITIVE"]
    assert len(spy.made) == 1 and len({sent[0] for sent in spy.sent}) == 1
    exit_stack = getattr(spy.made[0], "exit_stack", None)  # huggingface_hub 1.x keeps each answer there
    assert exit_stack is None or not exit_stack._exit_callbacks, "every answer was released after its call"


def test_each_thread_has_its_own_client(hf_server: LoopbackServer, spy: type[Spy]) -> None:
    classify = hf_tools.runnable("text-classification", base_url=hf_server.base_url)
    threads = [threading.Thread(target=classify.invoke, args=("good",), name=f"caller-{i}") for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    by_thread = {name: instance for instance, _timeout, name in spy.sent}
    assert set(by_thread) == {"caller-0", "caller-1", "caller-2"}
    assert len(set(by_thread.values())) == 3


def test_each_attempt_gets_the_timeout_its_deadline_leaves(
    hf_server: LoopbackServer, spy: type[Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [100.0]
    monkeypatch.setattr(retry, "monotonic", lambda: clock[0])
    real_post = Spy._inner_post

    def slow_post(self: Spy, request_parameters: Any, *, stream: bool = False) -> Any:
        clock[0] += 2.0  # each request takes two seconds of the call's deadline
        return real_post(self, request_parameters, stream=stream)

    monkeypatch.setattr(Spy, "_inner_post", slow_post)
    model = hf_tools.TASKS["text-classification"].default_model
    hf_server.enqueue(model, Reply.error(503, "loading", estimated_time=0.01))
    classify = hf_tools.runnable(
        "text-classification", base_url=hf_server.base_url, timeout=30, deadline=5, backoff_base=0.01, backoff_max=0.02
    )
    assert classify.invoke("good")[0].label == "POSITIVE"
    assert classify.invoke("bad")[0].label == "NEGATIVE"
    timeouts = [timeout for _instance, timeout, _name in spy.sent]
    assert len(spy.made) == 1
    assert timeouts == [5, 3, 5]  # the retry has what the first attempt left; the next call a deadline of its own


def test_a_call_made_while_a_stream_is_read_on_the_same_thread_leaves_the_stream_whole(
    hf_server: LoopbackServer, spy: type[Spy]
) -> None:
    generate = hf_tools.runnable("text-generation", base_url=hf_server.base_url)
    classify = hf_tools.runnable("text-classification", base_url=hf_server.base_url)
    chunks = []
    for chunk in generate.stream({"prompt": "Hi", "max_new_tokens": 4}):
        chunks.append(chunk)
        assert classify.invoke("good")[0].label == "POSITIVE"  # closes its own client, not the stream's
    assert "".join(chunks) == " word0 word1 word2 word3"
    stream_client, call_client = spy.sent[0][0], spy.sent[1][0]
    assert stream_client != call_client
