"""An OpenAI-compatible ``/v1/chat/completions`` route for the loopback server.

It answers the way TGI and the router do: a JSON ``chat.completion`` or, with
``"stream": true``, server-sent ``chat.completion.chunk`` events ending in ``data: [DONE]``
(with a usage-only last chunk when ``stream_options.include_usage`` is set).

Without a scripted reply the answer is deterministic and follows the request:

* ``tool_choice`` ``"required"`` or naming a function: a call of that (or the first) tool with
  arguments built from its JSON schema;
* a ``response_format`` (``json_schema``, TGI's ``json``/``json_object`` with a ``value``):
  JSON content built from the schema (``{}`` without one);
* otherwise ``"You said: <last user text>"`` (the loopback router adds ``" (1 image)"``,
  ``" (2 images)"``, ... when that message has image parts, so a test sees they arrived).

Scripted replies are queued per model with :meth:`LoopbackServer.enqueue`: :func:`chat_reply`
builds a completion (text and/or tool calls, in the current TGI shape or the older one with
argument dicts and integer ids), and ``Reply.error(...)`` / ``Reply.stream_error(n)`` inject
failures (``stream_error`` sends ``n`` content chunks, then an ``{"error": ...}`` event).

The model of a request is the ``model`` field of its body or, when that is a placeholder, the
``<id>`` of a ``/models/<id>/v1/chat/completions`` path.

Example:
    >>> from huggingface_hub import InferenceClient
    >>> from hf_tools.testing import LoopbackServer
    >>> from hf_tools.testing.chat import chat_reply
    >>> with LoopbackServer() as server:
    ...     server.enqueue("my/model", chat_reply("Hello there"))
    ...     client = InferenceClient(base_url=server.url + "/v1")
    ...     out = client.chat_completion([{"role": "user", "content": "Hi"}], extra_body={"model": "my/model"})
    ...     second = client.chat_completion([{"role": "user", "content": "Hi again"}])
    >>> out.choices[0].message.content, second.choices[0].message.content
    ('Hello there', 'You said: Hi again')

"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hf_tools.testing.replies import RecordedRequest, Reply

if TYPE_CHECKING:
    from hf_tools.testing.server import LoopbackServer

__all__ = ["ToolCallSpec", "chat_completion_body", "chat_handler", "chat_reply", "example_from_schema"]

CHAT_SUFFIX = "/chat/completions"
_PLACEHOLDER_MODELS = frozenset({"", "dummy", "tgi"})

ToolCallSpec = tuple[str, Mapping[str, Any]] | Mapping[str, Any]
"""A tool call to script: ``(name, args)`` or a ready wire dict."""


def chat_completion_body(
    content: str | None = None,
    *,
    tool_calls: Sequence[ToolCallSpec] = (),
    legacy: bool = False,
    model: str = "tgi",
    finish_reason: str | None = None,
    usage: Mapping[str, int] | None = None,
    reasoning: str | None = None,
) -> dict[str, Any]:
    """A ``chat.completion`` body.

    Args:
        content: the assistant's text (None for a pure tool-call answer).
        tool_calls: ``(name, args)`` pairs or wire dicts.
        legacy: older TGI shape: ``arguments`` as a dict and integer ids.
        model: the ``model`` field.
        finish_reason: defaults to ``"tool_calls"`` with tool calls, else ``"stop"``.
        usage: token counts; estimated from the text when omitted.
        reasoning: a reasoning text (``message.reasoning``).

    """
    calls = [_wire_tool_call(spec, index, legacy) for index, spec in enumerate(tool_calls)]
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    if reasoning is not None:
        message["reasoning"] = reasoning
    completion_tokens = _count(content) + sum(_count(json.dumps(c["function"]["arguments"])) for c in calls)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "hf-tools-loopback",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
            }
        ],
        "usage": dict(usage)
        if usage is not None
        else {"prompt_tokens": 0, "completion_tokens": completion_tokens, "total_tokens": completion_tokens},
    }


def chat_reply(
    content: str | None = None,
    *,
    tool_calls: Sequence[ToolCallSpec] = (),
    legacy: bool = False,
    usage: Mapping[str, int] | None = None,
    reasoning: str | None = None,
    delay: float = 0.0,
) -> Reply:
    """A scripted chat answer for :meth:`LoopbackServer.enqueue` (JSON or SSE, as requested).

    Example:
        >>> reply = chat_reply(tool_calls=[("summarization", {"text": "Long text."})])
        >>> reply.body["choices"][0]["message"]["tool_calls"][0]["function"]
        {'name': 'summarization', 'arguments': '{"text": "Long text."}'}

    """
    body = chat_completion_body(content, tool_calls=tool_calls, legacy=legacy, usage=usage, reasoning=reasoning)
    return Reply.ok(body, delay=delay)


def _wire_tool_call(spec: ToolCallSpec, index: int, legacy: bool) -> dict[str, Any]:
    if isinstance(spec, tuple):
        name, args = spec
        arguments: Any = dict(args) if legacy else json.dumps(dict(args))
        return {
            "id": index if legacy else f"call_{uuid.uuid4().hex[:12]}",
            "type": "function",
            "function": {"name": name, "arguments": arguments, **({"description": None} if legacy else {})},
        }
    return dict(spec)


def _count(text: str | None) -> int:
    return len(text.split()) if text else 0


def example_from_schema(schema: Any, defs: Mapping[str, Any] | None = None) -> Any:
    """A value that fits a JSON schema: every required property, the simplest value per type.

    Example:
        >>> example_from_schema({"type": "object", "properties": {"n": {"type": "integer"},
        ...     "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["n", "tags"]})
        {'n': 1, 'tags': ['example']}

    """
    if not isinstance(schema, Mapping):
        return "example"
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        return example_from_schema(defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {}), defs)
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key, []) if not (isinstance(o, Mapping) and o.get("type") == "null")]
        if options:
            return example_from_schema(options[0], defs)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = schema.get("required", list(properties))
        return {name: example_from_schema(properties[name], defs) for name in required if name in properties}
    if kind == "array":
        return [example_from_schema(schema.get("items", {"type": "string"}), defs)]
    return {"integer": 1, "number": 1.0, "boolean": True, "null": None}.get(str(kind), "example")


def _model_of(request: RecordedRequest, body: Mapping[str, Any]) -> str:
    named = body.get("model")
    if isinstance(named, str) and named not in _PLACEHOLDER_MODELS and not named.startswith("http"):
        return named
    path = request.path.split("?", 1)[0]
    if path.startswith("/models/"):
        model = path[len("/models/") :]
        for suffix in ("/v1/chat/completions", CHAT_SUFFIX):
            if model.endswith(suffix):
                return model[: -len(suffix)]
    return "tgi"


def _last_user_text(messages: Sequence[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(
                    str(p.get("text", "")) for p in content if isinstance(p, Mapping) and p.get("type") == "text"
                )
    return ""


def _last_user_images(messages: Sequence[Any]) -> int:
    """How many ``image_url`` parts the last user message has."""
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            parts = content if isinstance(content, list) else []
            return sum(1 for p in parts if isinstance(p, Mapping) and p.get("type") == "image_url")
    return 0


def _response_schema(response_format: Any) -> tuple[bool, Any]:
    """(whether JSON output was asked for, its schema or None)."""
    if not isinstance(response_format, Mapping):
        return False, None
    kind = response_format.get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        return True, spec.get("schema") if isinstance(spec, Mapping) else None
    if kind in ("json", "json_object"):
        return True, response_format.get("value")
    return False, None


def _forced_tool(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping)]
    choice = body.get("tool_choice")
    if not tools or choice in (None, "auto", "none"):
        return None
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        return next((t for t in tools if t.get("function", {}).get("name") == name), None)
    if choice == "required":
        return tools[0]
    return next((t for t in tools if t.get("function", {}).get("name") == choice), None)


def _default_completion(body: Mapping[str, Any], model: str, *, count_images: bool = False) -> dict[str, Any]:
    tool = _forced_tool(body)
    if tool is not None:
        function = tool.get("function", {})
        args = example_from_schema(function.get("parameters", {"type": "object"}))
        return chat_completion_body(tool_calls=[(str(function.get("name")), args)], model=model)
    wants_json, schema = _response_schema(body.get("response_format"))
    if wants_json:
        return chat_completion_body(json.dumps(example_from_schema(schema) if schema else {}), model=model)
    said = f"You said: {_last_user_text(body['messages'])}"
    images = _last_user_images(body["messages"]) if count_images else 0
    if images:
        said += f" ({images} image{'' if images == 1 else 's'})"
    return chat_completion_body(said, model=model)


def _text_of(content: Any) -> str:
    """A message's text: its string, or the text parts of a list of content parts (images count none)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""


def _usage_for(completion: dict[str, Any], messages: Sequence[Any]) -> dict[str, int]:
    usage = dict(completion.get("usage") or {})
    if not usage.get("prompt_tokens"):
        usage["prompt_tokens"] = sum(_count(_text_of(m.get("content"))) for m in messages)
    usage.setdefault("completion_tokens", 0)
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return usage


def chat_handler(
    server: LoopbackServer, request: RecordedRequest, *, count_images: bool = False
) -> Reply | Iterator[bytes]:
    """Answer one ``POST .../chat/completions`` (register with ``server.route``).

    ``count_images``: the default answer says how many images the last user message had.
    """
    body = request.body
    if not isinstance(body, Mapping) or not isinstance(body.get("messages"), list) or not body["messages"]:
        return Reply.error(422, "Input validation error: `messages` must be a non-empty list", error_type="validation")
    model = _model_of(request, body)
    reply = server.next_reply(model)
    if reply is not None and reply.delay:
        time.sleep(reply.delay)
    completion: dict[str, Any] | None = None
    if reply is not None:
        if reply.raw is not None or reply.status != 200:
            return reply
        if isinstance(reply.body, Mapping) and "choices" in reply.body:
            completion = dict(reply.body)
        elif isinstance(reply.body, str):
            completion = chat_completion_body(reply.body)
    if completion is None:
        completion = _default_completion(body, model, count_images=count_images)
    completion["model"] = model
    completion["usage"] = _usage_for(completion, body["messages"])
    if not body.get("stream"):
        return Reply.ok(completion)
    options = body.get("stream_options")
    include_usage = isinstance(options, Mapping) and bool(options.get("include_usage"))
    error_after = reply.stream_error_after if reply is not None else None
    error = reply.body if reply is not None and error_after is not None else None
    return _sse(completion, include_usage=include_usage, error_after=error_after, error=error)


def _event(payload: Mapping[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return b"data: " + data.encode() + b"\n\n"


def _sse(completion: Mapping[str, Any], *, include_usage: bool, error_after: int | None, error: Any) -> Iterator[bytes]:
    choice = completion["choices"][0]
    message = choice["message"]
    head = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint") if k in completion}
    head["object"] = "chat.completion.chunk"

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        return _event(
            {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
        )

    yield chunk({"role": "assistant", "content": ""})
    text = message.get("content") or ""
    pieces = [p if i == 0 else " " + p for i, p in enumerate(text.split(" "))] if text else []
    for index, piece in enumerate(pieces):
        if error_after is not None and index == error_after:
            yield _event(error)
            return
        yield chunk({"role": "assistant", "content": piece})
    if error_after is not None:
        yield _event(error)
        return
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call["function"]
        arguments = function["arguments"]
        legacy = not isinstance(arguments, str)
        arguments = json.dumps(arguments) if legacy else arguments
        middle = len(arguments) // 2
        parts = [(function["name"], arguments[:middle]), (None, arguments[middle:])]
        for position, (name, part) in enumerate(parts):
            delta_call = {
                "index": index,
                "id": (call["id"] if position == 0 else "") if not legacy else "",
                "type": "function",
                "function": {"name": name, "arguments": part},
            }
            # Older TGI sends one tool-call object, not a list.
            yield chunk({"role": "assistant", "tool_calls": delta_call if legacy else [delta_call]})
    yield chunk({"role": "assistant"}, choice.get("finish_reason") or "stop")
    if include_usage:
        yield _event({**head, "choices": [], "usage": completion["usage"]})
    yield _event("[DONE]")
