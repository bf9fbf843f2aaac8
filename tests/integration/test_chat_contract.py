"""ChatHFInference against the loopback server's OpenAI-compatible route (JSON and SSE)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from hf_tools import ChatHFInference
from hf_tools.errors import (
    HFAuthenticationError,
    HFError,
    HFInputError,
    HFInvalidRequestError,
    HFServerError,
)
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.chat import chat_reply

MODEL = "test-org/chat-model"
TOKEN = "hf_SECRET_chat_token_1234"


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


def make_chat(server: LoopbackServer, **kwargs: Any) -> ChatHFInference:
    params: dict[str, Any] = {
        "model": MODEL,
        "base_url": server.url + "/v1",
        "token": TOKEN,
        "backoff_base": 0.001,
        "backoff_max": 0.01,
        "timeout": 5,
        "deadline": 20,
        **kwargs,
    }
    return ChatHFInference(**params)


def chat_requests(server: LoopbackServer) -> list[Any]:
    return [r for r in server.requests if r.path.endswith("/chat/completions")]


def last_body(server: LoopbackServer) -> dict[str, Any]:
    return chat_requests(server)[-1].body


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


# -- plain calls ---------------------------------------------------------------------------
def test_invoke_sends_messages_params_and_model_and_reads_metadata(server: LoopbackServer) -> None:
    server.enqueue(MODEL, chat_reply("Bonjour !", usage={"prompt_tokens": 7, "completion_tokens": 2}))
    chat = make_chat(server, temperature=0.2, max_tokens=64, stop=["\n\n"], seed=3)
    reply = chat.invoke([SystemMessage("Answer in French."), HumanMessage("Hello")])

    assert isinstance(reply, AIMessage)
    assert reply.content == "Bonjour !"
    assert reply.usage_metadata == {"input_tokens": 7, "output_tokens": 2, "total_tokens": 9}
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.response_metadata["model_name"] == MODEL
    assert reply.response_metadata["provider"] == "endpoint"
    request = chat_requests(server)[-1]
    assert request.path == "/v1/chat/completions"
    assert request.authorized
    body = request.body
    assert body["model"] == MODEL
    assert body["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hello"},
    ]
    assert (body["temperature"], body["max_tokens"], body["stop"], body["seed"]) == (0.2, 64, ["\n\n"], 3)
    assert body["stream"] is False


def test_model_url_template_and_per_call_model_override(server: LoopbackServer) -> None:
    chat = ChatHFInference(model=MODEL, base_url=server.base_url, token=TOKEN)
    assert chat.invoke("ping").content == "You said: ping"
    assert chat_requests(server)[-1].path == f"/models/{MODEL}/v1/chat/completions"

    chat.invoke("ping", model="other/model")
    assert chat_requests(server)[-1].path == "/models/other/model/v1/chat/completions"
    assert last_body(server)["model"] == "other/model"


def test_settings_object_is_accepted(server: LoopbackServer) -> None:
    settings = HFSettings(base_url=server.url + "/v1", token=TOKEN, timeout=7)
    chat = ChatHFInference(model=MODEL, settings=settings, max_retries=0)
    assert (chat.timeout, chat.max_retries, chat.base_url) == (7, 0, server.url + "/v1")
    assert chat.settings.token is not None and chat.settings.token.get_secret_value() == TOKEN
    assert chat.invoke("hi").content == "You said: hi"


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"temprature": 0.2, "max_retires": 9}, ["'max_retires': did you mean 'max_retries'?", "'temperature'?"]),
        ({"media_max_bytes": 1000}, ["'media_max_bytes': an HFSettings field a chat model does not use"]),
        ({"no_such_option": True}, ["['no_such_option']"]),
    ],
)
def test_unknown_keywords_are_refused(kwargs: dict[str, Any], named: list[str]) -> None:
    with pytest.raises(HFInputError, match="unknown arguments for ChatHFInference") as caught:
        ChatHFInference(token=TOKEN, **kwargs)
    assert all(text in str(caught.value) for text in named), str(caught.value)


def test_aliases_and_langchain_fields_are_keywords_too() -> None:
    chat = ChatHFInference(api_key=TOKEN, stop_sequences=["\n"], tags=["t"], metadata={"m": 1}, cache=False)
    assert (chat.stop, chat.tags, chat.cache) == (["\n"], ["t"], False)


async def test_ainvoke_is_native_async(server: LoopbackServer) -> None:
    server.enqueue(MODEL, chat_reply("async answer"))
    reply = await make_chat(server).ainvoke("hi")
    assert reply.content == "async answer"
    assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] == 2


def test_stream_yields_token_deltas_and_usage_last(server: LoopbackServer) -> None:
    server.enqueue(MODEL, chat_reply("one two three"))
    chunks = list(make_chat(server).stream("count"))
    texts = [c.content for c in chunks if c.content]
    assert texts == ["one", " two", " three"]
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert isinstance(merged, AIMessageChunk)
    assert merged.content == "one two three"
    assert merged.usage_metadata is not None and merged.usage_metadata["output_tokens"] == 3
    assert merged.response_metadata["finish_reason"] == "stop"
    assert merged.response_metadata["model_name"] == MODEL
    body = last_body(server)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_astream_yields_token_deltas(server: LoopbackServer) -> None:
    server.enqueue(MODEL, chat_reply("alpha beta"))
    chunks = [c async for c in make_chat(server).astream("go")]
    assert "".join(str(c.content) for c in chunks) == "alpha beta"
    assert sum((c.usage_metadata or {}).get("output_tokens", 0) for c in chunks) == 2


def test_streaming_flag_makes_invoke_stream(server: LoopbackServer) -> None:
    reply = make_chat(server, streaming=True).invoke("hello there")
    assert reply.content == "You said: hello there"
    assert last_body(server)["stream"] is True


def test_batch_keeps_concurrency_bounded() -> None:
    with LoopbackServer(delay=0.05) as server:
        chat = make_chat(server, max_concurrency=2)
        replies = chat.batch([f"q{i}" for i in range(6)])
        assert [r.content for r in replies] == [f"You said: q{i}" for i in range(6)]
        assert 1 < server.max_in_flight <= 2


async def test_abatch_keeps_concurrency_bounded() -> None:
    with LoopbackServer(delay=0.05) as server:
        chat = make_chat(server, max_concurrency=3)
        replies = await chat.abatch([f"q{i}" for i in range(7)])
        assert [r.content for r in replies] == [f"You said: q{i}" for i in range(7)]
        assert 1 < server.max_in_flight <= 3


# -- tools -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        (True, "required"),
        ("multiply", {"type": "function", "function": {"name": "multiply"}}),
        ({"type": "function", "function": {"name": "add"}}, {"type": "function", "function": {"name": "add"}}),
    ],
)
def test_tool_choice_goes_over_the_wire(server: LoopbackServer, choice: Any, wire: Any) -> None:
    make_chat(server).bind_tools([add, multiply], tool_choice=choice).invoke("compute")
    body = last_body(server)
    assert body["tool_choice"] == wire
    assert [t["function"]["name"] for t in body["tools"]] == ["add", "multiply"]
    assert body["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]


def test_forced_tool_call_comes_back_parsed(server: LoopbackServer) -> None:
    reply = make_chat(server).bind_tools([add, multiply], tool_choice="multiply").invoke("6 times 7")
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("multiply", {"a": 1, "b": 1})]
    assert reply.response_metadata["finish_reason"] == "tool_calls"


def test_parallel_tool_calls_current_shape(server: LoopbackServer) -> None:
    server.enqueue(MODEL, chat_reply(tool_calls=[("add", {"a": 1, "b": 2}), ("multiply", {"a": 3, "b": 4})]))
    bound = make_chat(server).bind_tools([add, multiply], parallel_tool_calls=True)
    reply = bound.invoke("both")
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("add", {"a": 1, "b": 2}),
        ("multiply", {"a": 3, "b": 4}),
    ]
    assert len({c["id"] for c in reply.tool_calls}) == 2
    assert last_body(server)["parallel_tool_calls"] is True


def test_older_tgi_tool_call_shape_dict_arguments_integer_id(server: LoopbackServer) -> None:
    server.enqueue(MODEL, chat_reply(tool_calls=[("add", {"a": 5, "b": 6})], legacy=True))
    reply = make_chat(server).bind_tools([add]).invoke("add")
    assert reply.tool_calls == [{"name": "add", "args": {"a": 5, "b": 6}, "id": "0", "type": "tool_call"}]


def test_streamed_tool_calls_current_and_older_shape(server: LoopbackServer) -> None:
    server.enqueue(MODEL, chat_reply(tool_calls=[("add", {"a": 1, "b": 2}), ("multiply", {"a": 3, "b": 4})]))
    server.enqueue(MODEL, chat_reply(tool_calls=[("add", {"a": 7, "b": 8})], legacy=True))
    bound = make_chat(server).bind_tools([add, multiply])
    for expected in ([("add", {"a": 1, "b": 2}), ("multiply", {"a": 3, "b": 4})], [("add", {"a": 7, "b": 8})]):
        chunks = list(bound.stream("go"))
        merged = chunks[0]
        for chunk in chunks[1:]:
            merged += chunk
        assert isinstance(merged, AIMessageChunk)
        assert [(c["name"], c["args"]) for c in merged.tool_calls] == expected
        assert all(c["id"] for c in merged.tool_calls)
        assert merged.invalid_tool_calls == []


def test_malformed_arguments_become_invalid_tool_calls(server: LoopbackServer) -> None:
    bad = [
        {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b":'}},
        {"id": "c2", "type": "function", "function": {"name": "add", "arguments": "[1, 2]"}},
        {"id": "c3", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}},
    ]
    server.enqueue(MODEL, chat_reply(tool_calls=bad))
    reply = make_chat(server).bind_tools([add]).invoke("add")
    assert [c["id"] for c in reply.tool_calls] == ["c3"]
    assert [(c["id"], c["name"], c["args"]) for c in reply.invalid_tool_calls] == [
        ("c1", "add", '{"a": 1, "b":'),
        ("c2", "add", "[1, 2]"),
    ]
    assert all(c["error"] for c in reply.invalid_tool_calls)


def test_tool_round_trip_sends_tool_messages(server: LoopbackServer) -> None:
    history = [
        HumanMessage("add 1 and 2"),
        AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1"}]),
        ToolMessage("3", tool_call_id="call_1"),
    ]
    make_chat(server).bind_tools([add]).invoke(history)
    messages = last_body(server)["messages"]
    assert messages[1]["tool_calls"] == [
        {"type": "function", "id": "call_1", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}}
    ]
    assert messages[2] == {"role": "tool", "tool_call_id": "call_1", "content": "3"}


# -- structured output -----------------------------------------------------------------------
class Person(BaseModel):
    """A person."""

    name: str = Field(description="Full name")
    age: int


class PersonDict(TypedDict):
    """A person."""

    name: str
    age: int


PERSON_SCHEMA = {
    "title": "Person",
    "description": "A person.",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
@pytest.mark.parametrize("schema", [Person, PersonDict, PERSON_SCHEMA], ids=["pydantic", "typeddict", "json"])
def test_structured_output_every_schema_kind_and_method(server: LoopbackServer, method: str, schema: Any) -> None:
    name = convert_to_openai_tool(schema)["function"]["name"]
    if method == "function_calling":
        server.enqueue(MODEL, chat_reply(tool_calls=[(name, {"name": "Ada", "age": 36})]))
    else:
        server.enqueue(MODEL, chat_reply('{"name": "Ada", "age": 36}'))
    result = make_chat(server).with_structured_output(schema, method=method).invoke("Who?")  # type: ignore[arg-type]
    if schema is Person:
        assert result == Person(name="Ada", age=36)
    else:
        assert result == {"name": "Ada", "age": 36}
    body = last_body(server)
    if method == "function_calling":
        assert body["tool_choice"] == {"type": "function", "function": {"name": name}}
        assert "response_format" not in body
    elif method == "json_schema":
        assert body["response_format"]["type"] in ("json_schema", "json_object")
        sent = body["response_format"].get("value") or body["response_format"]["json_schema"]["schema"]
        assert sent["properties"]["age"] == {"type": "integer"}
        assert "tools" not in body
    else:
        assert body["response_format"] == {"type": "json_object"}


def test_structured_output_default_server_answer_follows_schema(server: LoopbackServer) -> None:
    for method in ("json_schema", "function_calling"):
        result = make_chat(server).with_structured_output(Person, method=method).invoke("Who?")  # type: ignore[arg-type]
        assert isinstance(result, Person)


def test_structured_output_include_raw_keeps_parsing_errors(server: LoopbackServer) -> None:
    server.enqueue(MODEL, chat_reply('{"name": "Ada", "age": 36}'), chat_reply('{"name": "Ada", "age": "old"}'))
    structured = make_chat(server).with_structured_output(Person, include_raw=True)
    good = structured.invoke("Who?")
    assert isinstance(good, dict) and good["parsed"] == Person(name="Ada", age=36)
    assert isinstance(good["raw"], AIMessage) and good["parsing_error"] is None
    bad = structured.invoke("Who?")
    assert isinstance(bad, dict) and bad["parsed"] is None and bad["parsing_error"] is not None


def test_structured_output_rejects_unknown_method() -> None:
    with pytest.raises(HFInputError):
        ChatHFInference(token=TOKEN).with_structured_output(Person, method="xml")  # type: ignore[arg-type]


# -- multimodal ---------------------------------------------------------------------------
def test_image_blocks_become_image_url_parts(server: LoopbackServer) -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "What is in these pictures?"},
            {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"},
            {"type": "image", "url": "https://example.com/cat.jpg"},
            {"type": "image_url", "image_url": {"url": "https://example.com/dog.jpg"}},
        ]
    )
    assert make_chat(server).invoke([message]).content == "You said: What is in these pictures?"
    parts = last_body(server)["messages"][0]["content"]
    assert parts == [
        {"type": "text", "text": "What is in these pictures?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/dog.jpg"}},
    ]


# -- errors ------------------------------------------------------------------------------------
def test_bad_input_fails_before_any_request(server: LoopbackServer) -> None:
    chat = make_chat(server)
    with pytest.raises(HFInputError):
        chat.invoke([])
    with pytest.raises(HFInputError):
        chat.bind_tools([add], tool_choice="subtract")
    with pytest.raises(HFInputError):
        chat.bind_tools([], tool_choice="required")
    with pytest.raises(HFInputError):
        chat.invoke("hi", logit_bias=object())
    assert chat_requests(server) == []


def test_validation_error_is_typed_and_not_retried(server: LoopbackServer) -> None:
    server.enqueue(MODEL, Reply.error(422, "Input validation error: max_tokens too large", error_type="validation"))
    with pytest.raises(HFInvalidRequestError) as info:
        make_chat(server).invoke("hi")
    assert "max_tokens too large" in str(info.value.server_message)
    assert len(chat_requests(server)) == 1


def test_cold_start_is_retried_for_invoke_and_before_first_token(server: LoopbackServer) -> None:
    chat = make_chat(server)
    server.enqueue(MODEL, Reply.error(503, "loading", estimated_time=0.01), chat_reply("warm now"))
    assert chat.invoke("hi").content == "warm now"
    server.enqueue(MODEL, Reply.error(503, "loading", estimated_time=0.01), chat_reply("streamed warm"))
    assert "".join(str(c.content) for c in chat.stream("hi")) == "streamed warm"
    assert len(chat_requests(server)) == 4


def test_error_event_mid_stream_raises_typed_error_without_retry(server: LoopbackServer) -> None:
    server.enqueue(MODEL, Reply.stream_error(after_tokens=2, message="CUDA out of memory"))
    seen: list[str] = []
    with pytest.raises(HFServerError) as info:
        for chunk in make_chat(server).stream("tell me a long story"):
            seen.append(str(chunk.content))
    assert "".join(seen) == "You said:"
    assert "CUDA out of memory" in str(info.value)
    assert len(chat_requests(server)) == 1


async def test_error_event_mid_astream_raises_typed_error(server: LoopbackServer) -> None:
    server.enqueue(MODEL, Reply.stream_error(after_tokens=1, message="generation failed"))
    with pytest.raises(HFServerError):
        async for _ in make_chat(server).astream("story"):
            pass
    assert len(chat_requests(server)) == 1


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.events.append(("start", serialized, kwargs))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.events.append(("end", response, kwargs))

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.events.append(("error", repr(error), str(error), kwargs))


def test_token_never_in_repr_trace_or_error(server: LoopbackServer) -> None:
    chat = make_chat(server)
    recorder = _Recorder()
    chat.invoke("hi", config={"callbacks": [recorder]})
    server.enqueue(MODEL, Reply.error(401, f"Invalid token {TOKEN}"))
    with pytest.raises(HFAuthenticationError) as info:
        chat.invoke("hi", config={"callbacks": [recorder]})
    assert chat_requests(server)[0].authorized

    texts = [
        repr(chat),
        str(chat),
        repr(chat.settings),
        json.dumps(chat.model_dump(), default=str),
        str(chat._identifying_params),
        str(info.value),
        repr(info.value),
        str(info.value.server_message),
        json.dumps(recorder.events, default=str),
    ]
    assert recorder.events[0][0] == "start" and recorder.events[-1][0] == "error"
    for text in texts:
        assert TOKEN not in text


def test_error_tree_base(server: LoopbackServer) -> None:
    server.enqueue(MODEL, Reply.error(404, "no such model"))
    with pytest.raises(HFError):
        make_chat(server).invoke("hi")


@pytest.mark.parametrize(("name", "alias", "value"), [("token", "api_key", TOKEN), ("stop", "stop_sequences", ["\n"])])
def test_a_setting_given_under_both_its_names_is_refused_as_such(name: str, alias: str, value: Any) -> None:
    with pytest.raises(HFInputError, match=f"{name} and {alias} are the same setting") as caught:
        ChatHFInference(**{name: value, alias: value})
    assert "Extra inputs" not in str(caught.value) and TOKEN not in str(caught.value)
