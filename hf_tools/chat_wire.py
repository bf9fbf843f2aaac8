"""A non-streaming chat completion whose JSON answer is decoded once, as plain data.

``InferenceClient.chat_completion`` turns every answer into nested ``ChatCompletionOutput``
dataclasses, and that parse costs more than the rest of a call's client-side work together
(about 90 µs on huggingface_hub 1.x, per call). hf_tools reads the answer field by field
anyway (into an ``AIMessage`` or a task's text), so it asks the same question the same way and
keeps the decoded JSON instead: huggingface_hub's own provider helper builds the request
exactly as ``chat_completion`` does (the URL, headers, payload and provider mapping are the
hub's), and the client's ``_inner_post`` sends it. Only the last step, the dataclass parse, is
left out. huggingface_hub 1.x and 2.x build the request alike (see ``chat_completion`` in
``huggingface_hub/inference/_client.py``); the pieces used are those :mod:`hf_tools.exact_media`
uses too.

Example:
    >>> from huggingface_hub import InferenceClient
    >>> from hf_tools.testing import LoopbackServer
    >>> with LoopbackServer() as server:
    ...     client = InferenceClient(base_url=f"{server.base_url}/v1")
    ...     answer = chat_json(client, [{"role": "user", "content": "Hi"}], model="my/model")
    >>> answer["choices"][0]["message"]["role"], type(answer).__name__
    ('assistant', 'dict')

"""

from __future__ import annotations

import json
from typing import Any

from hf_tools.errors import malformed_response

__all__ = ["achat_json", "chat_json"]

# The keyword arguments of ``chat_completion`` that go into the request body (all but messages,
# model, stream and extra_body), in the hub's order.
_BODY_ARGUMENTS = (
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "max_tokens",
    "n",
    "presence_penalty",
    "response_format",
    "seed",
    "stop",
    "temperature",
    "tool_choice",
    "tool_prompt",
    "tools",
    "top_logprobs",
    "top_p",
    "stream_options",
)
_KNOWN = frozenset(_BODY_ARGUMENTS)


def _request(client: Any, messages: Any, model: str | None, options: dict[str, Any]) -> Any:
    """The request ``client.chat_completion(messages, model=model, **options)`` sends (not streaming)."""
    unknown = set(options) - _KNOWN - {"extra_body"}
    if unknown:  # what the hub method raises for a misspelled keyword
        raise TypeError(f"chat_completion() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    from huggingface_hub.inference._providers import get_provider_helper

    model_id_or_url = client.model or model
    payload_model = model or client.model
    is_url = model_id_or_url is not None and model_id_or_url.startswith(("http://", "https://"))
    helper = get_provider_helper(
        client.provider, task="conversational", model=model_id_or_url if is_url else payload_model
    )
    parameters = {"model": payload_model}
    for name in _BODY_ARGUMENTS:
        parameters[name] = options.get(name)
    parameters["stream"] = False
    parameters.update(options.get("extra_body") or {})
    return helper.prepare_request(
        inputs=messages, parameters=parameters, headers=client.headers, model=model_id_or_url, api_key=client.token
    )


def _decoded(body: bytes, model: str | None) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:  # not JSON, or not UTF-8
        raise malformed_response(exc, model) from exc


def chat_json(client: Any, messages: Any, *, model: str | None = None, **options: Any) -> Any:
    """``client.chat_completion(messages, model=model, **options)``, answered as the decoded JSON.

    Raises:
        HFResponseError: the body is not JSON.
        TypeError: an option ``chat_completion`` does not take.

    """
    return _decoded(client._inner_post(_request(client, messages, model, options), stream=False), model)


async def achat_json(client: Any, messages: Any, *, model: str | None = None, **options: Any) -> Any:
    """Async :func:`chat_json` on an ``AsyncInferenceClient``."""
    return _decoded(await client._inner_post(_request(client, messages, model, options), stream=False), model)
