"""The whole cause chain of an error is token-free, raw HTTP objects included, and still useful.

Anything that serializes an error (pickle, an error tracker, a debugger walking
``__cause__``/``__context__`` and their ``response``/``request``/``headers``) must find no token,
even when the upstream echoes it in its body and headers.
"""

from __future__ import annotations

import contextlib
import pickle
import types
from collections.abc import Iterator
from typing import Any

import pytest

import hf_tools
from hf_tools.errors import HFAuthenticationError, HFConnectionError, HFError
from hf_tools.testing import LoopbackServer, Reply

TOKEN = "hf_ChainSecretTokenValue0123456789"
MODEL = hf_tools.TASKS["summarization"].default_model
_SKIP = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.CodeType)
_SKIP_NAMES = {"__traceback__"}  # frames hold the live client; no serializer of errors reads them


def _echo(status: int = 401) -> Reply:
    """An answer that echoes the token in its body and in a header, as a misbehaving proxy does."""
    body = {"error": f"bad token {TOKEN}", "seen": {"authorization": f"Bearer {TOKEN}"}}
    return Reply(status=status, body=body, headers={"X-Echo-Authorization": f"Bearer {TOKEN}"})


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        pending += [current.__cause__, current.__context__]
    return found


def _leaves(root: Any, limit: int = 20_000) -> Iterator[tuple[str, Any]]:
    """Every str/bytes reachable from ``root`` through attributes, items, causes and contexts."""
    seen: set[int] = set()
    pending: list[tuple[str, Any, int]] = [("error", root, 0)]
    while pending and len(seen) < limit:
        where, value, depth = pending.pop()
        if isinstance(value, (str, bytes, bytearray)):
            yield where, value
            continue
        if value is None or isinstance(value, (int, float, bool, *_SKIP)) or id(value) in seen or depth > 12:
            continue
        seen.add(id(value))
        children: list[tuple[str, Any]] = []
        if isinstance(value, dict):
            children += [(f"[{k!r}]", v) for k, v in value.items()] + [("<key>", k) for k in value]
        elif isinstance(value, (list, tuple, set, frozenset)):
            children += [(f"[{i}]", v) for i, v in enumerate(value)]
        if isinstance(value, BaseException):
            children += [(".args", value.args), (".__cause__", value.__cause__), (".__context__", value.__context__)]
        if hasattr(value, "__dict__"):
            children += [(f".{k}", v) for k, v in vars(value).items() if k not in _SKIP_NAMES]
        for name in ("headers", "request", "response", "url", "text", "content"):  # properties of httpx objects
            with contextlib.suppress(Exception):  # a property that cannot be read holds nothing
                children.append((f".{name}", getattr(value, name)))
        pending += [(where + name, child, depth + 1) for name, child in children]


def _leaks(error: BaseException) -> list[str]:
    secret = TOKEN.encode()
    leaks = [where for where, text in _leaves(error) if (TOKEN if isinstance(text, str) else secret) in text]
    for index, member in enumerate(_chain(error)):
        pickled = pickle.dumps(member)  # every member of the chain pickles, and without the token
        if secret in pickled:
            leaks.append(f"pickle of chain[{index}] {type(member).__name__}")
        leaks += [f"repr/str of chain[{index}]" for text in (repr(member), str(member)) if TOKEN in text]
    return leaks


def _response_in(error: BaseException) -> Any:
    return next(getattr(e, "response", None) for e in _chain(error) if getattr(e, "response", None) is not None)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def _runnable(server: LoopbackServer) -> Any:
    return hf_tools.runnable("summarization", base_url=server.base_url, token=TOKEN, max_retries=0)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_an_echoed_token_is_nowhere_in_the_chain_raw_objects_included(server: LoopbackServer, mode: str) -> None:
    server.enqueue(MODEL, _echo())
    with pytest.raises(HFAuthenticationError) as caught:
        if mode == "sync":
            _runnable(server).invoke("One. Two.")
        else:
            await _runnable(server).ainvoke("One. Two.")
    assert server.requests[-1].authorized  # the token did reach the server
    assert _leaks(caught.value) == []


async def test_the_scrubbed_chain_keeps_what_helps_debugging(server: LoopbackServer) -> None:
    server.enqueue(MODEL, _echo())
    with pytest.raises(HFAuthenticationError) as caught:
        _runnable(server).invoke("One. Two.")
    response = _response_in(caught.value)
    assert response.status_code == 401 and response.reason_phrase == "Unauthorized"
    assert response.json()["error"] == "bad token ***"
    assert response.headers["x-echo-authorization"] == "Bearer ***"
    assert "authorization" not in response.request.headers
    assert response.request.method == "POST" and f"/models/{MODEL}" in str(response.request.url)
    assert response.request.headers["content-type"] == "application/json"
    assert b"One. Two." in response.request.content  # the request body is kept


def test_a_dropped_connection_keeps_no_credential_in_its_request(server: LoopbackServer) -> None:
    server.enqueue(MODEL, Reply.dropped())
    with pytest.raises(HFConnectionError) as caught:
        _runnable(server).invoke("One. Two.")
    requests = [getattr(e, "_request", None) for e in _chain(caught.value)]
    assert any(r is not None for r in requests), "the transport error keeps its request"
    assert all("authorization" not in r.headers for r in requests if r is not None)
    assert _leaks(caught.value) == []


def test_a_tool_that_raises_typed_errors_raises_a_token_free_chain(server: LoopbackServer) -> None:
    server.enqueue(MODEL, _echo(500))
    summarize = hf_tools.tool(
        "summarization", base_url=server.base_url, token=TOKEN, max_retries=0, handle_provider_errors=False
    )
    with pytest.raises(HFError) as caught:
        summarize.invoke({"text": "One. Two."})
    assert _leaks(caught.value) == []


def test_the_walker_finds_a_token_left_in_a_raw_response() -> None:
    """The check itself: a token left in a request header or a response body is found."""
    import httpx

    request = httpx.Request("POST", "http://127.0.0.1/x", headers={"Authorization": f"Bearer {TOKEN}"})
    error = RuntimeError("wrapped")
    error.__cause__ = httpx.HTTPStatusError("401", request=request, response=httpx.Response(401, request=request))
    assert _leaks(error)


@pytest.mark.parametrize("call", ["list_models", "fetch_model"])
def test_a_hub_failure_keeps_no_credential_in_its_chain(hub: Any, call: str) -> None:
    from hf_tools.hub import lookup
    from hf_tools.settings import HFSettings

    hub.down(401)
    settings = HFSettings(hub_endpoint=hub.endpoint, token=TOKEN, hub_timeout=5)
    with pytest.raises(HFError) as caught:
        if call == "list_models":
            lookup.list_models("summarization", settings)
        else:
            lookup.fetch_model(MODEL, settings)
    assert hub.count() >= 1
    requests = [r for e in _chain(caught.value) for r in (getattr(e, "_request", None),) if r is not None]
    assert all("authorization" not in r.headers for r in requests)
    assert _leaks(caught.value) == []
