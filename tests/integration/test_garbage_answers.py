"""A 2xx answer that is not what the task returns is an HFResponseError (never retried), and renderers never raise."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import hf_tools
from hf_tools.errors import HFResponseError
from hf_tools.tasks import TASKS
from hf_tools.testing import LoopbackServer, Reply

JSON = {"Content-Type": "application/json"}


def raw(body: bytes) -> Reply:
    return Reply(raw=body, headers=JSON)


@pytest.fixture
def server() -> Any:
    with LoopbackServer() as running:
        yield running


@pytest.mark.parametrize("task", ["text-classification", "summarization", "question-answering", "fill-mask"])
async def test_json_nested_too_deeply_is_a_response_error(
    server: LoopbackServer, task: str, caplog: pytest.LogCaptureFixture
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    runnable = hf_tools.runnable(task, base_url=server.base_url, max_retries=3)
    server.enqueue(runnable.target_model, raw(deep), raw(deep))
    with caplog.at_level(logging.WARNING, logger="hf_tools"):
        with pytest.raises(HFResponseError, match="nested too deeply"):
            runnable.invoke(TASKS[task].example)
        with pytest.raises(HFResponseError, match="nested too deeply"):
            await runnable.ainvoke(TASKS[task].example)
    assert len(server.requests) == 2 and "retry" not in caplog.text


GARBAGE: dict[str, Reply] = {
    "html": Reply(raw=b"<html><body>502 Bad Gateway</body></html>", headers={"Content-Type": "text/html"}),
    "empty": Reply(raw=b"", headers={"Content-Type": "application/octet-stream"}),
    "{}": Reply.ok({}),
    "null": raw(b"null"),
    "text": Reply.ok("surprise"),
    "number": Reply.ok(3),
    "[{}]": Reply.ok([{}]),
    "{foo}": Reply.ok({"foo": 1}),
    "[null]": Reply.ok([None]),
    "wrong types": Reply.ok([{"label": ["x"], "score": "high", "answer": 1, "summary_text": 2, "text": {}}]),
}


@pytest.mark.parametrize("garbage", list(GARBAGE))
@pytest.mark.parametrize("task", sorted(TASKS))
def test_garbage_2xx_answers_are_response_errors_or_valid_results(
    server: LoopbackServer, task: str, garbage: str
) -> None:
    spec = TASKS[task]
    tool = hf_tools.tool(task, base_url=server.base_url, max_retries=2, handle_provider_errors=False)
    server.enqueue(spec.default_model, GARBAGE[garbage])
    try:
        message = tool.invoke({"type": "tool_call", "id": "c", "name": tool.name, "args": spec.example})
    except hf_tools.HFError as error:
        assert isinstance(error, HFResponseError), f"{type(error).__name__}: {error}"
        assert len(server.requests) == 1  # a bad body is never retried
        return
    # the body happened to be a valid (empty) answer: the result is typed and renders
    assert message.status == "success" and isinstance(message.content, str) and message.content
    assert "could not be shown as text" not in message.content


def test_text_to_speech_refuses_a_body_that_is_not_audio(server: LoopbackServer) -> None:
    speak = hf_tools.runnable("text-to-speech", base_url=server.base_url)
    for body in (b"<html>oops</html>", b"", b"RIFF\x00\x00\x00\x00WAVEjunk", b"{}"):
        server.enqueue(speak.target_model, Reply(raw=body, headers={"Content-Type": "audio/wav"}))
        with pytest.raises(HFResponseError, match="text-to-speech"):
            speak.invoke("Hello there.")
    assert speak.invoke("Hello there.").mime_type == "audio/wav"


@pytest.mark.parametrize("task", ["text-to-image", "image-to-image"])
def test_image_generation_refuses_a_body_that_is_not_a_whole_image(server: LoopbackServer, task: str) -> None:
    from hf_tools.testing.answers import png_bytes

    generate = hf_tools.runnable(task, base_url=server.base_url)
    whole = png_bytes(64, 64)
    for body in (b"<html>oops</html>", b"", whole[: len(whole) // 2]):
        server.enqueue(generate.target_model, Reply(raw=body, headers={"Content-Type": "image/png"}))
        with pytest.raises(HFResponseError):
            generate.invoke(TASKS[task].example)
    assert generate.invoke(TASKS[task].example).width > 0


@pytest.mark.parametrize(
    ("task", "body", "missing"),
    [
        ("question-answering", {"answer": "London"}, "end is missing"),
        ("question-answering", {}, "answer is missing"),
        ("table-question-answering", {}, "answer is missing"),
        ("table-question-answering", {"answer": "Italy"}, "cells is missing"),
        ("automatic-speech-recognition", {}, "text is missing"),
        ("automatic-speech-recognition", {"chunks": []}, "text is missing"),
        ("summarization", [{}], "summary_text is missing"),
        ("translation", [{"translation_text": None}], "translation_text is missing"),
        ("text-classification", [[{"label": "POSITIVE"}]], "score is missing"),
        ("object-detection", [{"label": "cat", "score": 0.9}], "box is missing"),
        ("object-detection", [{"label": "cat", "score": 0.9, "box": {"xmin": 1}}], "box.xmax is missing"),
        ("image-to-text", [{}], "generated_text is missing"),
    ],
)
def test_answers_with_required_fields_missing_are_refused(
    server: LoopbackServer, task: str, body: Any, missing: str
) -> None:
    runnable = hf_tools.runnable(task, base_url=server.base_url)
    server.enqueue(runnable.target_model, Reply.ok(body))
    with pytest.raises(HFResponseError, match=missing):
        runnable.invoke(TASKS[task].example)


@pytest.mark.parametrize("body", [Reply.ok([{"generated_text": "not a stream"}]), raw(b"{}"), raw(b"")])
async def test_a_text_generation_stream_without_events_is_a_response_error(server: LoopbackServer, body: Reply) -> None:
    generate = hf_tools.runnable("text-generation", base_url=server.base_url)
    server.enqueue(generate.target_model, body)
    with pytest.raises(HFResponseError, match="without any event"):
        list(generate.stream("Once upon a time"))
    server.enqueue(generate.target_model, body)
    with pytest.raises(HFResponseError, match="without any event"):
        [chunk async for chunk in generate.astream("Once upon a time")]
    assert "".join(generate.stream({"prompt": "Once", "max_new_tokens": 3})).split() == ["word0", "word1", "word2"]


CHAT_MODEL = "HuggingFaceTB/SmolLM3-3B"
SSE = "text/event-stream"


def _chat(server: LoopbackServer) -> Any:
    return hf_tools.ChatHFInference(model=CHAT_MODEL, base_url=server.base_url, max_retries=2)


async def test_a_chat_answer_without_choices_is_a_response_error(server: LoopbackServer) -> None:
    chat = _chat(server)
    empty = {"id": "x", "object": "chat.completion", "created": 0, "choices": []}
    server.enqueue(CHAT_MODEL, Reply.ok(empty), Reply.ok(empty))
    with pytest.raises(HFResponseError, match="no choices"):
        chat.invoke("Hi")
    with pytest.raises(HFResponseError, match="no choices"):
        await chat.ainvoke("Hi")
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "body",
    [
        raw(b'{"choices": []}'),  # JSON where a stream was asked for
        Reply(raw=b'data: {"id": "x", "choices": []}\n\ndata: [DONE]\n\n', headers={"Content-Type": SSE}),
        Reply(raw=b"", headers={"Content-Type": SSE}),
    ],
)
async def test_a_chat_stream_without_message_chunks_is_a_response_error(server: LoopbackServer, body: Reply) -> None:
    chat = _chat(server)
    server.enqueue(CHAT_MODEL, body, body)
    with pytest.raises(HFResponseError, match=r"without any (event|message chunk)"):
        list(chat.stream("Hi"))
    with pytest.raises(HFResponseError, match=r"without any (event|message chunk)"):
        [chunk async for chunk in chat.astream("Hi")]
    assert chat.invoke("Hi").content  # a normal answer still works


@pytest.mark.parametrize("task", ["text-generation", "visual-question-answering"])
async def test_a_task_answered_through_chat_refuses_a_reply_without_choices(hf_router: Any, task: str) -> None:
    from hf_tools.testing.answers import png_bytes

    empty = Reply.ok({"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": []})
    run = hf_tools.runnable(task, token="hf_router_test_0123456789", max_retries=0)
    value = "Once" if task == "text-generation" else {"image": png_bytes(8, 8), "question": "What?"}
    hf_router.fail("together", empty, empty)
    with pytest.raises(HFResponseError, match="no choices"):
        run.invoke(value)
    with pytest.raises(HFResponseError, match="no choices"):
        await run.ainvoke(value)
    assert run.plan().via_chat


def test_a_tool_tells_the_model_the_answer_could_not_be_read(server: LoopbackServer) -> None:
    tool = hf_tools.tool("question-answering", base_url=server.base_url)
    server.enqueue(TASKS["question-answering"].default_model, Reply.ok({}))
    args = TASKS["question-answering"].example
    message = tool.invoke({"type": "tool_call", "id": "c", "name": tool.name, "args": args})
    assert message.status == "error" and "answer could not be read" in message.content
