"""A loopback HTTP server that speaks the Inference API wire protocol.

Routes (``<model-id>`` may contain ``/``):

* ``POST /models/<model-id>`` — the task registered for that model (every task's default
  model is registered to it);
* ``POST /models/<model-id>/pipeline/<task>`` — an explicit task, as the router does;
* any extra route added with :meth:`LoopbackServer.route` (e.g. an OpenAI-compatible chat).

:meth:`LoopbackServer.limit_in_flight` plays a provider that serves only so many requests at once
and answers 429 with ``Retry-After`` beyond them (per provider in router mode).

Answers come from :data:`hf_tools.testing.answers.ANSWERS` unless a scripted :class:`Reply` is queued
for the model: error statuses with ``{"error": ...}`` bodies, ``estimated_time``,
``Retry-After``, delays, malformed JSON, dropped connections and mid-stream errors.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

from hf_tools.tasks import TASKS
from hf_tools.testing.answers import ANSWERS
from hf_tools.testing.chat import CHAT_SUFFIX, chat_handler
from hf_tools.testing.replies import Handler, RecordedRequest, Reply
from hf_tools.testing.service import LoopbackService

__all__ = ["LoopbackServer", "RecordedRequest", "Reply"]


class LoopbackServer(LoopbackService):
    """The Inference API on 127.0.0.1, for tests and offline demos.

    Args:
        port: port to listen on (0 picks a free one).
        delay: seconds every request waits before it is answered.
        models: extra ``{model id: task}`` registrations.

    Example:
        >>> from hf_tools import runnable
        >>> from hf_tools.testing import LoopbackServer, Reply
        >>> with LoopbackServer() as server:
        ...     server.enqueue("facebook/bart-large-cnn", Reply.error(503, "loading", estimated_time=0.01))
        ...     out = runnable("summarization", base_url=server.base_url).invoke("Short. Text.")
        ...     out.summary_text, [r.task for r in server.requests]
        ('Short.', ['summarization', 'summarization'])

    """

    def __init__(self, port: int = 0, *, delay: float = 0.0, models: dict[str, str] | None = None) -> None:
        self.delay = delay
        self.models: dict[str, str] = {m: name for name, spec in TASKS.items() for m in spec.defaults[1:]}
        self.models.update({spec.default_model: name for name, spec in TASKS.items()})
        self.models.update({m: TASKS[t].name for m, t in (models or {}).items()})
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._queues: dict[str, deque[Reply]] = defaultdict(deque)
        self._routes: dict[str, Handler] = {CHAT_SUFFIX: chat_handler}
        self._lock = threading.Lock()
        self._limits: dict[str | None, tuple[int, float | None]] = {}
        self._busy: Counter[str | None] = Counter()
        self._peak_admitted = 0
        self.rate_limited: Counter[str | None] = Counter()
        """429s sent by :meth:`limit_in_flight`'s limits, per provider (None: the plain server)."""
        super().__init__(_make_handler(self), port)

    @property
    def base_url(self) -> str:
        """A ``base_url`` template for :class:`~hf_tools.settings.HFSettings`."""
        return f"{self.url}/models/{{model}}/pipeline/{{task}}"

    def model_url(self, model: str, task: str | None = None) -> str:
        """The URL of one model (optionally for an explicit task)."""
        suffix = f"/pipeline/{TASKS[task].name}" if task else ""
        return f"{self.url}/models/{model}{suffix}"

    # -- scripting -------------------------------------------------------------------------
    def register(self, model: str, task: str) -> None:
        """Serve ``model`` at ``/models/<model>`` as ``task``."""
        self.models[model] = TASKS[task].name

    def enqueue(self, model: str, *replies: Reply) -> None:
        """Answer the next requests for ``model`` with ``replies``, in order."""
        with self._lock:
            self._queues[model].extend(replies)

    def route(self, path_suffix: str, handler: Handler) -> None:
        """Serve any POST whose path ends with ``path_suffix`` with ``handler``."""
        self._routes[path_suffix] = handler

    def limit_in_flight(
        self, limit: int | None, *, provider: str | None = None, retry_after: float | None = 1.0
    ) -> None:
        """Serve at most ``limit`` requests at once; answer any beyond with 429 and ``Retry-After``.

        The limit counts the requests to ``provider`` (router mode: ``/<provider>/...``; None, the
        plain server: every request) still being answered; a request over it is answered at once
        with ``429 {"error": "Too many requests in flight"}`` and the ``Retry-After`` header
        (``retry_after`` seconds; None: no header), and counted in :attr:`rate_limited`.
        ``limit=None`` lifts the limit.

        Example:
            >>> from hf_tools import runnable
            >>> from hf_tools.testing import LoopbackServer
            >>> with LoopbackServer(delay=0.05) as server:
            ...     server.limit_in_flight(2, retry_after=0.05)
            ...     out = runnable("text-classification", base_url=server.base_url).batch(["a"] * 8)
            >>> len(out), server.max_admitted <= 2
            (8, True)

        """
        with self._lock:
            if limit is None:
                self._limits.pop(provider, None)
            else:
                self._limits[provider] = (limit, retry_after)

    @property
    def max_admitted(self) -> int:
        """The most requests (to any one provider) answered at once."""
        return self._peak_admitted

    def take_slot(self, provider: str | None) -> Reply | None:
        """Count a request to ``provider`` as being answered; a 429 instead when it is over its limit."""
        with self._lock:
            limit, retry_after = self._limits.get(provider, (None, None))
            if limit is not None and self._busy[provider] >= limit:
                self.rate_limited[provider] += 1
                return Reply.error(429, "Too many requests in flight", retry_after=retry_after)
            self._busy[provider] += 1
            self._peak_admitted = max(self._peak_admitted, self._busy[provider])
            return None

    def release_slot(self, provider: str | None) -> None:
        """A request counted by :meth:`take_slot` has been answered."""
        with self._lock:
            self._busy[provider] -= 1

    def next_reply(self, model: str | None) -> Reply | None:
        """Pop the next scripted reply for ``model``, if any."""
        with self._lock:
            queue = self._queues.get(model or "")
            return queue.popleft() if queue else None

    def requests_for(self, model: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.model == model]

    def in_flight_changed(self, delta: int) -> None:
        """Track requests being answered; ``max_in_flight`` keeps the peak."""
        with self._lock:
            self.in_flight += delta
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # -- hooks for router mode (see hf_tools.testing.router) ----------------------------------
    def split_provider(self, path: str) -> tuple[str | None, str]:
        """(the provider of a ``/<provider>/...`` path, the path the server answers); plain: (None, path)."""
        return None, path

    def provider_reply(self, provider: str | None) -> Reply | None:
        """A scripted fault for every request to ``provider`` (router mode), if any."""
        return None

    def provider_answer(self, provider: str, request: RecordedRequest) -> Reply | Iterator[bytes] | None:
        """A provider's own answer (router mode); None: answer as hf-inference does."""
        return None

    def put(self, path: str) -> Reply:
        """Answer a PUT (router mode: fal-ai's cancel route)."""
        return Reply.error(404, f"no route {path}")

    def get(self, path: str) -> Reply:
        """Answer a GET (``/health``; router mode adds media files and fal-ai's queue)."""
        if path == "/health":
            return Reply.ok({"status": "ok", "models": self.models})
        return Reply.error(404, f"no route {path}")


def _split_path(path: str) -> tuple[str | None, str | None]:
    path = path.split("?", 1)[0]
    if not path.startswith("/models/"):
        return None, None
    rest = path[len("/models/") :]
    for route in ("/v1/chat/completions", "/chat/completions"):
        if rest.endswith(route):
            return rest[: -len(route)], "chat-completion"
    if "/pipeline/" in rest:
        model, task = rest.split("/pipeline/", 1)
        return model, task
    return rest, None


def _no_model_hint(root: str, path: str) -> str:
    """What a POST to a URL without a model (e.g. the server's root given as ``base_url``) is told."""
    return (
        f"no model in the URL path {path.split('?', 1)[0]!r}: this server answers {root}/models/<model-id>"
        f"/pipeline/<task> and {root}/models/<model-id>; as a base_url give "
        f"'{root}/models/{{model}}/pipeline/{{task}}' (chat: '{root}/v1')"
    )


def _sse_tokens(body: Any, reply: Reply | None) -> Iterator[bytes]:
    text = body[0]["generated_text"] if isinstance(body, list) else body["generated_text"]
    tokens = re.findall(r"\s*\S+", text) or [text]
    for index, piece in enumerate(tokens):
        if reply is not None and reply.stream_error_after is not None and index == reply.stream_error_after:
            yield b"data:" + json.dumps(reply.body).encode() + b"\n\n"
            return
        event = {
            "index": index,
            "token": {"id": index, "text": piece, "logprob": -0.1, "special": False},
            "generated_text": text if index == len(tokens) - 1 else None,
            "details": None,
        }
        yield b"data:" + json.dumps(event).encode() + b"\n\n"


def _make_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self._send(server.get(self.path))

        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self._send(server.put(self.path))

        def do_POST(self) -> None:
            server.in_flight_changed(+1)
            self._slot: tuple[str | None] | None = None  # (provider,) while take_slot counts this request
            try:
                self._post()
            finally:
                server.in_flight_changed(-1)
                if self._slot is not None:
                    server.release_slot(self._slot[0])

        def _post(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: Any
            if "json" in (self.headers.get("Content-Type") or "") or raw[:1] in (b"{", b"["):
                try:
                    body = json.loads(raw or b"null")
                except (ValueError, RecursionError):
                    self._send(Reply.error(400, "request body is not valid JSON"))
                    return
            else:
                body = {"inputs": raw}
            provider, path = server.split_provider(self.path)
            model, task = _split_path(path)
            task = task or (server.models.get(model) if model else None)
            request = RecordedRequest(
                method="POST",
                path=path,
                model=model,
                task=task,
                body=body,
                authorized=bool(self.headers.get("Authorization")),
                headers={k: v for k, v in self.headers.items() if k.lower() != "authorization"},
                provider=provider,
            )
            server.record(request)
            over_limit = server.take_slot(provider)
            if over_limit is not None:
                self._send(over_limit)
                return
            self._slot = (provider,)
            if server.delay:
                time.sleep(server.delay)
            fault = server.provider_reply(provider)
            if fault is not None and self._fault(fault):
                return
            for suffix, handler in server._routes.items():
                if path.split("?", 1)[0].endswith(suffix):
                    self._answer(handler(server, request))
                    return
            if provider is not None and provider != "hf-inference":
                answer = server.provider_answer(provider, request)
                self._answer(answer if answer is not None else Reply.error(404, f"no {provider} route {path}"))
                return
            reply = server.next_reply(model)
            if reply is not None and reply.delay:
                time.sleep(reply.delay)
            if reply is not None and reply.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if (
                reply is not None
                and (reply.status != 200 or reply.body is not None or reply.raw is not None)
                and reply.stream_error_after is None
            ):
                self._send(reply)
                return
            if model is None:
                self._send(Reply.error(404, _no_model_hint(server.url, path)))
                return
            if task is None or task not in TASKS:
                self._send(Reply.error(404, f"Model {model} does not exist"))
                return
            try:
                answer = ANSWERS[task](body if isinstance(body, dict) else {"inputs": body})
            except Exception as exc:  # noqa: BLE001 - a request the fake cannot answer is a bad request
                self._send(Reply.error(422, f"cannot process this {task} request: {exc}", error_type="validation"))
                return
            if isinstance(body, dict) and body.get("stream"):
                self._send_stream(_sse_tokens(answer, reply))
                return
            self._send(Reply.ok(answer))

        def _fault(self, reply: Reply) -> bool:
            """Send a scripted fault; False if the reply only delays the normal answer."""
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return True
            if reply.status != 200 or reply.body is not None or reply.raw is not None:
                self._send(reply)
                return True
            return False

        def _answer(self, result: Reply | Iterator[bytes]) -> None:
            if isinstance(result, Reply):
                self._send(result)
            else:
                self._send_stream(result)

        def _send(self, reply: Reply) -> None:
            if reply.raw is not None:
                payload = reply.raw
                content_type = "application/octet-stream"
            else:
                payload = json.dumps(reply.body).encode()
                content_type = "application/json"
            self.send_response(reply.status)
            headers = {"Content-Type": content_type, **reply.headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send_stream(self, events: Iterator[bytes]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            for key, value in getattr(events, "headers", {}).items():  # a replies.Stream's own headers
                self.send_header(key, value)
            self.end_headers()
            for event in events:
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")

    return _Handler
