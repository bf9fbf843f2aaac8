"""chat_json sends the request chat_completion sends, for every provider, and decodes the answer once."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import pytest
from huggingface_hub import AsyncInferenceClient, ChatCompletionOutput, InferenceClient
from huggingface_hub.hf_api import InferenceProviderMapping
from huggingface_hub.inference._providers import PROVIDERS
from huggingface_hub.inference._providers._common import HARDCODED_MODEL_INFERENCE_MAPPING

from hf_tools import chat_wire
from hf_tools.chat_wire import chat_json
from hf_tools.errors import HFResponseError
from hf_tools.testing.chat import chat_completion_body

MODEL = "acme/chat-model"
# hf-inference looks the model up on the Hub: its endpoint URLs are compared below instead.
CHAT_PROVIDERS = sorted(
    name for name, tasks in PROVIDERS.items() if "conversational" in tasks and name != "hf-inference"
)
USAGE = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
ANSWER = json.dumps(chat_completion_body("Hello there", usage=USAGE)).encode()
MESSAGES = [{"role": "user", "content": "Hi"}]
OPTIONS: list[dict[str, Any]] = [
    {},
    {"max_tokens": 7, "temperature": 0.2, "stop": ["\n"], "seed": 1},
    {
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "tool_choice": "auto",
        "response_format": {"type": "json_object"},
        "extra_body": {"model": "acme/override", "top_k": 3},
    },
]


class Recorder:
    """Stands in for a client's ``_inner_post``: keeps each request and answers with a chat completion."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def __call__(self, request: Any, *, stream: bool = False) -> bytes:
        assert stream is False
        self.requests.append(request)
        return ANSWER


def _sent(client: InferenceClient, call: Any) -> Any:
    recorder = Recorder()
    client._inner_post = recorder  # type: ignore[method-assign]
    result = call(client)
    (request,) = recorder.requests
    return (request.url, request.task, request.model, dict(request.headers), request.json, request.data), result


@pytest.fixture(autouse=True)
def mapped_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chat provider serves MODEL (huggingface_hub's own table for local mappings: no Hub request)."""
    for provider in CHAT_PROVIDERS:
        mapping = InferenceProviderMapping(
            provider=provider, hf_model_id=MODEL, providerId="acme/provider-model", status="live", task="conversational"
        )
        monkeypatch.setitem(HARDCODED_MODEL_INFERENCE_MAPPING, provider, {MODEL: mapping})


@pytest.mark.parametrize("key", ["hf_test_key", "sk-provider-key"], ids=["routed", "provider-key"])
@pytest.mark.parametrize("options", OPTIONS, ids=["plain", "sampling", "tools-and-extra-body"])
@pytest.mark.parametrize("provider", CHAT_PROVIDERS)
def test_the_request_is_the_one_chat_completion_sends(provider: str, options: dict[str, Any], key: str) -> None:
    def theirs(client: InferenceClient) -> Any:
        return client.chat_completion(MESSAGES, model=MODEL, **options)

    def ours(client: InferenceClient) -> Any:
        return chat_json(client, MESSAGES, model=MODEL, **options)

    try:
        expected, typed = _sent(InferenceClient(provider=provider, api_key=key), theirs)  # type: ignore[arg-type]
    except ValueError as refused:  # e.g. openai takes no Hugging Face token: refused alike, before any request
        with pytest.raises(type(refused), match=re.escape(str(refused))):
            _sent(InferenceClient(provider=provider, api_key=key), ours)  # type: ignore[arg-type]
        return
    sent, decoded = _sent(InferenceClient(provider=provider, api_key=key), ours)  # type: ignore[arg-type]
    assert sent == expected
    assert isinstance(typed, ChatCompletionOutput) and type(decoded) is dict
    assert decoded == json.loads(ANSWER)
    assert decoded["choices"][0]["message"]["content"] == typed.choices[0].message.content == "Hello there"


@pytest.mark.parametrize("target", ["http://127.0.0.1:9/v1", "http://127.0.0.1:9/models/acme/chat-model"])
def test_an_endpoint_url_gets_the_same_request(target: str) -> None:
    def theirs(client: InferenceClient) -> Any:
        return client.chat_completion(MESSAGES, model=target, extra_body={"model": MODEL})

    def ours(client: InferenceClient) -> Any:
        return chat_json(client, MESSAGES, model=target, extra_body={"model": MODEL})

    expected, _ = _sent(InferenceClient(), theirs)
    sent, _ = _sent(InferenceClient(), ours)
    assert sent == expected


def test_a_body_that_is_not_json_is_a_response_error() -> None:
    client = InferenceClient(base_url="http://127.0.0.1:9/v1")
    client._inner_post = lambda request, stream=False: b"<html>busy</html>"  # type: ignore[method-assign,misc]
    with pytest.raises(HFResponseError, match="malformed response for model 'm': JSONDecodeError"):
        chat_json(client, MESSAGES, model="m")


def test_an_option_chat_completion_does_not_take_is_a_type_error_before_any_request() -> None:
    client = InferenceClient(base_url="http://127.0.0.1:9/v1")
    recorder = Recorder()
    client._inner_post = recorder  # type: ignore[method-assign]
    with pytest.raises(TypeError, match="temperatur"):
        chat_json(client, MESSAGES, model="m", temperatur=0.3)
    assert recorder.requests == []


@pytest.mark.parametrize("client_class", [InferenceClient, AsyncInferenceClient])
def test_every_body_keyword_of_chat_completion_is_known(client_class: type) -> None:
    taken = set(inspect.signature(client_class.chat_completion).parameters) - {"self", "messages", "model", "stream"}
    assert taken - {"extra_body"} == set(chat_wire._BODY_ARGUMENTS)
