"""Scripted answers and recorded requests of the loopback servers (a leaf: imports no server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hf_tools.testing.server import LoopbackServer

__all__ = ["Handler", "RecordedRequest", "Reply", "Stream"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the class methods.

    Example:
        >>> Reply.error(503, "Model is loading", estimated_time=0.1).status
        503

    """

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    stream_error_after: int | None = None

    @classmethod
    def ok(cls, body: Any, **kwargs: Any) -> Reply:
        """A 200 with ``body`` as JSON (or raw bytes if it is ``bytes``)."""
        if isinstance(body, bytes):
            return cls(raw=body, **kwargs)
        return cls(body=body, **kwargs)

    @classmethod
    def error(
        cls,
        status: int,
        message: str = "error",
        *,
        estimated_time: float | None = None,
        retry_after: float | None = None,
        error_type: str | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """An error status with the Inference API's ``{"error": ...}`` body."""
        body: dict[str, Any] = {"error": message}
        if estimated_time is not None:
            body["estimated_time"] = estimated_time
        if error_type is not None:
            body["error_type"] = error_type
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return cls(status=status, body=body, headers=headers, delay=delay)

    @classmethod
    def malformed(cls) -> Reply:
        """A 200 whose body is not JSON."""
        return cls(raw=b"{not json", headers={"Content-Type": "application/json"})

    @classmethod
    def dropped(cls) -> Reply:
        """Close the connection without answering."""
        return cls(drop=True)

    @classmethod
    def slow(cls, seconds: float) -> Reply:
        """The normal answer, after ``seconds``."""
        return cls(delay=seconds)

    @classmethod
    def stream_error(cls, after_tokens: int, message: str = "generation failed") -> Reply:
        """For a streaming request: send ``after_tokens`` tokens, then an error event."""
        return cls(body={"error": message, "error_type": "generation"}, stream_error_after=after_tokens)


class Stream:
    r"""A streamed answer (server-sent events) with response headers of its own.

    Example:
        >>> stream = Stream(iter([b"data: [DONE]\n\n"]), {"x-inference-provider": "together"})
        >>> list(stream), stream.headers
        ([b'data: [DONE]\n\n'], {'x-inference-provider': 'together'})

    """

    def __init__(self, events: Iterator[bytes], headers: dict[str, str]) -> None:
        self.events = events
        self.headers = headers

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self.events)


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received (the Authorization header is reduced to a flag)."""

    method: str
    path: str
    model: str | None
    task: str | None
    body: Any
    authorized: bool
    headers: dict[str, str]
    provider: str | None = None
    """The router provider (``/<provider>/...``) in router mode, else None."""

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None.

        Example:
            >>> RecordedRequest("POST", "/", None, None, {}, False, {"X-HF-Bill-To": "acme"}).header("x-hf-bill-to")
            'acme'

        """
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


Handler = Callable[["LoopbackServer", RecordedRequest], "Reply | Iterator[bytes]"]
"""A route's answer to one request: a :class:`Reply`, or the bytes of a stream."""
