"""The one error tree of hf_tools, and the one place that maps transport errors onto it.

Every error inherits the matching ``langchain_core.exceptions.Model*Error``, so
``Runnable.with_retry`` and existing ``except`` clauses keep working. Each class's
``is_retryable`` says whether hf_tools retries it (marked ``[retryable]`` below); nothing else
decides it::

    HFError (ModelError)
    ├── HFInputError (ValueError, ToolException)  bad input, raised before any request
    │   └── HFTaskMismatchError                the model serves another task (Hub check)
    ├── HFAuthenticationError                  401, or no token where one is needed
    │   └── HFMissingTokenError
    ├── HFPermissionError                      403
    ├── HFPaymentRequiredError                 402: credits or quota exhausted
    │   └── HFBudgetExceededError              a track_usage(max_cost_usd=...) budget is spent (before any request)
    ├── HFModelNotFoundError                   404
    │   └── HFModelNotServedError              no inference provider serves it (Hub check)
    │       └── HFNoCapableProviderError       every provider was skipped for what the call needs (before any request)
    ├── HFInvalidRequestError                  400 / 413 / 422, with the server's message
    ├── HFRateLimitError                       429, with ``retry_after``  [retryable]
    ├── HFServerError                          5xx  [retryable]
    │   └── HFModelLoadingError                503 with ``estimated_time``  [retryable]
    ├── HFResponseError                        a 2xx body that is not what the task returns (never retried)
    ├── HFConnectionError (ConnectionError)    reset, refused, DNS  [retryable]
    ├── HFOfflineModeError                     HF_HUB_OFFLINE blocks every request (never retried)
    └── HFTimeoutError (TimeoutError)          one request timed out  [retryable]
        └── HFDeadlineExceededError            the call's total deadline ran out  [retryable]

Example:
    >>> from hf_tools.errors import HFRateLimitError, HFError
    >>> from langchain_core.exceptions import ModelRateLimitError
    >>> err = HFRateLimitError("slow down", status_code=429, retry_after=2.0)
    >>> isinstance(err, ModelRateLimitError) and isinstance(err, HFError), err.retry_after
    (True, 2.0)

"""

from __future__ import annotations

import asyncio
import importlib
import json
from typing import Any

from langchain_core.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.tools.base import ToolException

__all__ = [
    "HFAuthenticationError",
    "HFBudgetExceededError",
    "HFConnectionError",
    "HFDeadlineExceededError",
    "HFError",
    "HFInputError",
    "HFInvalidRequestError",
    "HFMissingTokenError",
    "HFModelLoadingError",
    "HFModelNotFoundError",
    "HFModelNotServedError",
    "HFNoCapableProviderError",
    "HFOfflineModeError",
    "HFPaymentRequiredError",
    "HFPermissionError",
    "HFRateLimitError",
    "HFResponseError",
    "HFServerError",
    "HFTaskMismatchError",
    "HFTimeoutError",
    "map_error",
    "redact",
    "malformed_response",
]


class HFError(ModelError):
    """Base of every hf_tools error.

    ``is_retryable`` (LangChain's ``ModelError`` attribute) is the one source of truth for
    retrying: :func:`hf_tools.retry.retry_delay` retries exactly the errors whose class says
    ``True``, and LangChain's retry middleware reads the same attribute.

    Attributes:
        status_code: HTTP status of the failed response, if there was one.
        model: the model id or endpoint the call went to, if known.
        server_message: the ``error`` text the server sent, if any.

    """

    is_retryable = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        model: str | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.model = model
        self.server_message = server_message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle every attribute, keyword-only constructor arguments included (not the cause chain)."""
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls: type[HFError], args: tuple[Any, ...], state: dict[str, Any]) -> HFError:
    """Rebuild a pickled :class:`HFError` without calling its constructor."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class HFInputError(HFError, ValueError, ToolException):
    """The input was rejected locally; no request was sent.

    It is also a LangChain ``ToolException``: a Tool hands its message back to the model
    (which can correct its arguments) instead of failing the agent run.
    """


class HFTaskMismatchError(HFInputError):
    """The model does not serve the requested task; no inference request was sent.

    Attributes:
        task: the task that was asked for.
        served_tasks: the tasks the model does serve (from the Hub).
        suggestion: the ``hf_tools`` call that uses the model for what it serves, if any.

    """

    def __init__(
        self,
        message: str,
        *,
        task: str,
        served_tasks: tuple[str, ...] = (),
        suggestion: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.task = task
        self.served_tasks = served_tasks
        self.suggestion = suggestion


class HFAuthenticationError(HFError, ModelAuthenticationError):
    """The token is missing, invalid or expired (HTTP 401)."""


class HFMissingTokenError(HFAuthenticationError):
    """The call goes to the Hugging Face router and no token is configured."""


class HFPermissionError(HFError, ModelPermissionDeniedError):
    """The token may not use this model, e.g. a gated repo (HTTP 403)."""


class HFPaymentRequiredError(HFError):
    """Inference credits or quota are exhausted (HTTP 402)."""


class HFBudgetExceededError(HFPaymentRequiredError):
    """The cost spent in a ``hf_tools.track_usage(max_cost_usd=...)`` block passed its budget.

    Raised before any request of the next call; never retried.

    Example:
        >>> HFBudgetExceededError("budget of $0.01 spent").is_retryable
        False

    """


class HFModelNotFoundError(HFError, ModelNotFoundError):
    """The model does not exist or no provider serves it (HTTP 404)."""


class HFModelNotServedError(HFModelNotFoundError):
    """No inference provider serves the model (for this task or provider); no request was sent.

    Attributes:
        task: the task that was asked for.
        providers_for_task: providers that serve this task with other models (from the Hub).

    """

    def __init__(self, message: str, *, task: str, providers_for_task: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.task = task
        self.providers_for_task = providers_for_task


class HFNoCapableProviderError(HFModelNotServedError):
    """Every provider a chat call could go to was skipped for what the call needs; no request was sent.

    Attributes:
        skipped: ``{"provider", "reason"}`` for each skipped provider, in the order considered.

    Example:
        >>> err = HFNoCapableProviderError("none fits", task="conversational",
        ...                                skipped=({"provider": "groq", "reason": "no tools"},))
        >>> err.skipped[0]["provider"], err.is_retryable
        ('groq', False)

    """

    def __init__(self, message: str, *, skipped: tuple[dict[str, str], ...] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.skipped = skipped


class HFInvalidRequestError(HFError, ModelInvalidRequestError):
    """The server rejected the request (HTTP 400/413/422); see ``server_message``."""


class HFRateLimitError(HFError, ModelRateLimitError):
    """Too many requests (HTTP 429). ``retry_after`` holds the server's advice in seconds."""

    is_retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class HFServerError(HFError, ModelAPIError):
    """The server failed (HTTP 5xx)."""

    is_retryable = True


class HFModelLoadingError(HFServerError):
    """The model is cold and loading (HTTP 503); ``estimated_time`` is the server's guess."""

    def __init__(self, message: str, *, estimated_time: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.estimated_time = estimated_time


class HFResponseError(HFError, ModelAPIError):
    """The server answered 2xx with a body that is not what the task returns.

    Not retryable (unlike LangChain's ``ModelAPIError``): the same request gets the same body.
    """

    is_retryable = False


class HFConnectionError(HFError, ModelConnectionError, ConnectionError):
    """The server could not be reached or dropped the connection."""

    is_retryable = True


class HFTimeoutError(HFError, ModelTimeoutError, TimeoutError):
    """One request took longer than ``HFSettings.timeout``."""

    is_retryable = True


class HFDeadlineExceededError(HFTimeoutError):
    """The whole call, retries included, ran past ``HFSettings.deadline``."""


class HFOfflineModeError(HFError, ModelConnectionError):
    """``HF_HUB_OFFLINE`` is set: huggingface_hub refuses every request, even to 127.0.0.1; never retried."""

    is_retryable = False


def _known_special(exc: BaseException, model: str | None) -> HFError | None:
    """Errors mapped before the rest: an offline refusal, an unreadable image or JSON nested too deep."""
    where = f" for model {model!r}" if model else ""
    name, module = type(exc).__name__, type(exc).__module__
    if name == "OfflineModeIsEnabled" and module.startswith("huggingface_hub"):
        return HFOfflineModeError(
            f"request refused{where}: HF_HUB_OFFLINE is set, and huggingface_hub then refuses every HTTP request,"
            " to the Hugging Face router and to any base_url alike (127.0.0.1 included); unset HF_HUB_OFFLINE"
            " to call it",
            model=model,
        )
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(str(tb.tb_frame.f_globals.get("__name__", "")))
        tb = tb.tb_next
    reading = bool(frames) and frames[-1].startswith(("json", "huggingface_hub", "orjson"))
    if isinstance(exc, RecursionError) and reading:
        return HFResponseError(f"malformed response{where}: JSON nested too deeply to read", model=model)
    if module.split(".")[0] == "PIL" and isinstance(exc, Exception):  # the hub decodes images it received
        return HFResponseError(f"malformed response{where}: not a readable image: {name}: {exc}"[:500], model=model)
    return None


_STATUS_TO_ERROR: dict[int, type[HFError]] = {
    400: HFInvalidRequestError,
    401: HFAuthenticationError,
    402: HFPaymentRequiredError,
    403: HFPermissionError,
    404: HFModelNotFoundError,
    413: HFInvalidRequestError,
    422: HFInvalidRequestError,
    424: HFServerError,
    429: HFRateLimitError,
}

# TGI error classes raised by huggingface_hub (by name, they exist in 1.x and 2.x).
_TGI_ERROR_NAMES: dict[str, type[HFError]] = {
    "ValidationError": HFInvalidRequestError,
    "GenerationError": HFServerError,
    "OverloadedError": HFRateLimitError,
    "IncompleteGenerationError": HFServerError,
    "UnknownError": HFServerError,
}


def redact(text: str, secret: str | None) -> str:
    """Replace every occurrence of ``secret`` in ``text`` (no-op for an empty secret)."""
    if secret and secret in text:
        return text.replace(secret, "***")
    return text


def _hub_http_module() -> Any:
    """The HTTP library huggingface_hub is built on (httpx in 1.x, httpx2 in 2.x)."""
    from huggingface_hub.errors import HTTPError  # type: ignore[attr-defined]

    return importlib.import_module(HTTPError.__module__.split(".")[0])


def _server_fields(response: Any) -> dict[str, Any]:
    try:
        body = json.loads(response.content or b"{}")
    except (ValueError, UnicodeDecodeError, AttributeError, RuntimeError):
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(response: Any, body: dict[str, Any]) -> float | None:
    header = response.headers.get("retry-after")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    value = body.get("retry_after") or body.get("estimated_time")
    return float(value) if isinstance(value, (int, float)) else None


def _from_response(exc: Exception, response: Any, model: str | None) -> HFError:
    status = int(response.status_code)
    body = _server_fields(response)
    raw = body.get("error") or body.get("message") or getattr(exc, "server_message", None)
    server_message = raw if isinstance(raw, str) else (json.dumps(raw) if raw else None)
    detail = server_message or (response.text[:300] if hasattr(response, "text") else "")
    where = f" for model {model!r}" if model else ""
    message = f"HTTP {status}{where}: {detail}".rstrip(": ")
    common: dict[str, Any] = {"status_code": status, "model": model, "server_message": server_message}
    if status == 503 and isinstance(body.get("estimated_time"), (int, float)):
        return HFModelLoadingError(message, estimated_time=float(body["estimated_time"]), **common)
    if status == 429:
        return HFRateLimitError(message, retry_after=_retry_after(response, body), **common)
    cls = _STATUS_TO_ERROR.get(status)
    if cls is None:
        cls = HFServerError if status >= 500 else HFInvalidRequestError
    return cls(message, **common)


def map_error(exc: BaseException, *, model: str | None = None, token: str | None = None) -> HFError:
    """Turn an error raised by huggingface_hub/httpx(2) into the matching :class:`HFError`.

    This is the only place that knows the transport's error classes. It maps only what it
    knows: an HTTP error status, a TGI error, a timeout, a transport error, a JSON or shape
    error raised where huggingface_hub reads a received body, and huggingface_hub's
    ``HFValidationError`` (an invalid repo id, refused before any request: :class:`HFInputError`). Anything else (a
    misspelled keyword, a bug, a ``ValueError`` of the caller's own code) is re-raised
    unchanged, as httpx's transport does, so it never reads as a server answer. Either way
    ``exc`` and its whole chain are made token-free first: messages, attributes, and the raw
    HTTP requests and responses they hold (replaced by copies without credential headers, the
    token scrubbed from their bodies).

    Args:
        exc: the error raised by the client.
        model: the model id or endpoint, for the message.
        token: a secret to scrub from the message.

    Raises:
        BaseException: ``exc`` itself, when it is not an error of the request or its answer.

    Example:
        >>> map_error(TimeoutError(), model="org/m")
        HFTimeoutError("request timed out for model 'org/m'")
        >>> map_error(TypeError("f() got an unexpected keyword argument 'temprature'"))
        Traceback (most recent call last):
        ...
        TypeError: f() got an unexpected keyword argument 'temprature'

    """
    if isinstance(exc, HFError):
        return exc
    _scrub_chain(exc, token)
    error = _known_special(exc, model) or _map(exc, model)
    if error is None:
        raise exc
    error.message = redact(error.message, token)
    if error.server_message:
        error.server_message = redact(error.server_message, token)
    error.args = (error.message,)
    return error


def _scrub_chain(exc: BaseException | None, token: str | None) -> None:
    """Make ``exc`` and every error chained to it (``__cause__`` and ``__context__``) token-free.

    Tracebacks, debuggers, pickles and error trackers read the whole chain, so each error in it
    is scrubbed in place: its messages (``args``), every ``str`` attribute (a hub error's
    ``server_message``, which holds whatever the server echoed, its ``request_id``, ...) and its
    notes; and every HTTP request or response it holds (``response``, ``request``) is replaced by
    a copy with the same method, URL, status and headers, minus credentials (``Authorization``
    and the like), and with its body scrubbed. The secrets scrubbed are ``token`` and the
    credentials the chain's requests carried.
    """
    chain = _chain(exc)
    secrets = {token} if token else set()
    for error in chain:
        for value in vars(error).values():
            if _http_kind(value) == "Request":
                secrets |= _credentials(value)
    copies: dict[int, Any] = {}
    for error in chain:
        error.args = tuple(_redact_all(a, secrets) if isinstance(a, str) else a for a in error.args)
        state = vars(error)
        for name, value in state.items():
            if isinstance(value, str):
                state[name] = _redact_all(value, secrets)
            elif name == "__notes__" and isinstance(value, list):
                state[name] = [_redact_all(n, secrets) if isinstance(n, str) else n for n in value]
            elif _http_kind(value) is not None:
                state[name] = _clean_http(value, secrets, copies)


def _chain(exc: BaseException | None) -> list[BaseException]:
    """``exc`` and every error reachable from it through ``__cause__`` and ``__context__``."""
    found: list[BaseException] = []
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        pending += [current.__cause__, current.__context__]
    return found


# Request headers that carry credentials: left out of the copies kept in an error chain. The
# length and encoding headers describe the original bytes, not the scrubbed copy's.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key"})
_BODY_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})
_MIN_SECRET = 8  # a shorter credential is not scrubbed from text (it would mangle ordinary words)


def _http_kind(value: Any) -> str | None:
    """``"Request"`` or ``"Response"`` for an httpx/httpx2 request or response, else None."""
    kind = type(value).__name__
    if kind in ("Request", "Response") and type(value).__module__.split(".")[0] in ("httpx", "httpx2"):
        return kind
    return None


def _credentials(request: Any) -> set[str]:
    """The secrets a request's credential headers carry (``Bearer <secret>``: the part after the scheme)."""
    found: set[str] = set()
    for name, value in request.headers.items():
        secret = value.split(None, 1)[-1].strip() if value.strip() else ""
        if name.lower() in _CREDENTIAL_HEADERS and len(secret) >= _MIN_SECRET:
            found.add(secret)
    return found


def _redact_all(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = redact(text, secret)
    return text


def _redact_bytes(data: bytes, secrets: set[str]) -> bytes:
    for secret in sorted(secrets, key=len, reverse=True):
        data = data.replace(secret.encode(), b"***")
    return data


def _clean_headers(headers: Any, secrets: set[str]) -> list[tuple[str, str]]:
    return [
        (name, _redact_all(value, secrets))
        for name, value in headers.multi_items()
        if name.lower() not in _CREDENTIAL_HEADERS | _BODY_HEADERS
    ]


def _body(message: Any) -> bytes:
    """The bytes already read of a request or response (nothing for an unread stream)."""
    try:
        return bytes(message.content)
    except Exception:  # noqa: BLE001 - a body never read (a stream) is not kept
        return b""


def _clean_http(message: Any, secrets: set[str], copies: dict[int, Any]) -> Any:
    """A token-free copy of an httpx/httpx2 request or response (one copy per original)."""
    if id(message) in copies:
        return copies[id(message)]
    http = importlib.import_module(type(message).__module__.split(".")[0])
    body = _redact_bytes(_body(message), secrets)
    headers = _clean_headers(message.headers, secrets)
    if _http_kind(message) == "Request":
        clean = http.Request(message.method, _redact_all(str(message.url), secrets), headers=headers, content=body)
    else:
        try:
            request = _clean_http(message.request, secrets, copies)
        except RuntimeError:  # a response built without its request
            request = None
        extensions = {
            key: value for key, value in message.extensions.items() if key in ("http_version", "reason_phrase")
        }
        clean = http.Response(
            message.status_code, headers=headers, content=body, request=request, extensions=extensions
        )
    copies[id(message)] = clean
    return clean


# Where huggingface_hub turns a received body into a result (the same names in 1.x and 2.x),
# by module prefix: its JSON/bytes decoders and stream readers, the typed outputs' parsers, the
# providers' response adapters, and the Hub API's ``ModelInfo`` & co. built from its JSON.
_HUB_BODY_READERS: dict[str, frozenset[str]] = {
    "huggingface_hub.inference._common": frozenset(
        {
            "_bytes_to_list",
            "_bytes_to_dict",
            "_bytes_to_image",
            "_b64_to_image",
            "_as_dict",
            "_stream_text_generation_response",
            "_async_stream_text_generation_response",
            "_stream_chat_completion_response",
            "_async_stream_chat_completion_response",
            "_format_text_generation_stream_output",
            "_format_chat_completion_stream_output",
        }
    ),
    "huggingface_hub.inference._generated.types": frozenset(
        {"parse_obj", "parse_obj_as_list", "parse_obj_as_instance"}
    ),
    "huggingface_hub.inference._providers": frozenset({"get_response"}),
    "huggingface_hub.hf_api": frozenset({"__init__"}),
    "huggingface_hub.utils._datetime": frozenset({"parse_datetime"}),
}
# The modules of InferenceClient/AsyncInferenceClient, and the locals their task methods bind
# the received body to: bound only once the request succeeded, so an error raised by the method
# itself while one is bound (``parse_obj_as_list(response)[0]``, ``response["generated_text"]``,
# numpy on a ragged list) is a malformed body; before that it is an argument check.
_HUB_CLIENT_MODULES = ("huggingface_hub.inference._client", "huggingface_hub.inference._generated._async_client")
_HUB_BODY_LOCALS = ("response", "data", "bytes_output")
# What reading a malformed body raises: JSON and UnicodeDecodeError are ValueErrors; PIL's
# UnidentifiedImageError is an OSError.
_BODY_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError)


def _is_body_error(exc: BaseException) -> bool:
    """Whether ``exc`` was raised where huggingface_hub reads a body it received (not by a caller's bug)."""
    if not isinstance(exc, _BODY_ERRORS):
        return False
    innermost = None
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("huggingface_hub."):
            innermost = tb.tb_frame
        tb = tb.tb_next
    if innermost is None:
        return False
    module = str(innermost.f_globals.get("__name__", ""))
    name = innermost.f_code.co_name
    if isinstance(exc, json.JSONDecodeError):
        return True  # huggingface_hub decodes JSON only from the bodies it receives
    if any(module.startswith(prefix) and name in names for prefix, names in _HUB_BODY_READERS.items()):
        return True
    return (
        module in _HUB_CLIENT_MODULES
        and not name.startswith("_")
        and any(local in innermost.f_locals for local in _HUB_BODY_LOCALS)
    )


def malformed_response(exc: BaseException, model: str | None) -> HFResponseError:
    """The error for a body that could not be read (``exc``: what reading it raised).

    Example:
        >>> malformed_response(ValueError("Expecting value"), "org/m")
        HFResponseError("malformed response for model 'org/m': ValueError: Expecting value")

    """
    where = f" for model {model!r}" if model else ""
    return HFResponseError(f"malformed response{where}: {type(exc).__name__}: {exc}", model=model)


def _map(exc: BaseException, model: str | None) -> HFError | None:
    """The :class:`HFError` for a known request/answer failure, or None for anything else."""
    where = f" for model {model!r}" if model else ""
    http = _hub_http_module()
    response = getattr(exc, "response", None)
    if isinstance(exc, http.HTTPError) and getattr(response, "status_code", None) is not None:
        try:
            return _from_response(exc, response, model)
        except Exception:  # noqa: BLE001 - a half-built response must not hide the error
            pass
    if type(exc).__name__ == "HFValidationError" and type(exc).__module__.startswith("huggingface_hub"):
        return HFInputError(f"invalid model id{where}: {exc}", model=model)  # checked before any request
    tgi = _TGI_ERROR_NAMES.get(type(exc).__name__)
    if tgi is not None and type(exc).__module__.startswith("huggingface_hub"):
        return tgi(f"{type(exc).__name__}{where}: {exc}", model=model, server_message=str(exc))
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, http.TimeoutException)):  # distinct in 3.10
        return HFTimeoutError(f"request timed out{where}", model=model)
    if isinstance(exc, (ConnectionError, http.TransportError)):
        return HFConnectionError(f"connection failed{where}: {type(exc).__name__}: {exc}", model=model)
    if isinstance(exc, http.DecodingError) or _is_body_error(exc):
        return malformed_response(exc, model)
    if isinstance(exc, http.HTTPError):
        return HFError(f"request failed{where}: {type(exc).__name__}: {exc}", model=model)
    return None
