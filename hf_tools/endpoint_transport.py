"""A lean JSON POST to one endpoint URL, with hf_tools' retries, deadline and error mapping.

Used by :class:`~hf_tools.embeddings.HFInferenceEmbeddings` when it talks to an explicit
endpoint (a TEI server, an Inference Endpoint, a ``base_url``): the request body is then fixed
(``{"inputs": [...], **options}``) and the hub client's per-request work (a new client, numpy
decoding) is most of the cost of a small embedding request. It sends through huggingface_hub's
own HTTP session (httpx in 1.x, httpx2 in 2.x) so errors map exactly like every other call,
decodes with orjson when installed, and keeps the retry policy of :mod:`hf_tools.retry`.
Routed calls (the Hugging Face router, providers) still go through :class:`~hf_tools.client.HFClient`.

Example:
    >>> from hf_tools.endpoint_transport import EndpointTransport
    >>> from hf_tools.settings import HFSettings
    >>> from hf_tools.testing.tei import TEIServer
    >>> with TEIServer() as tei:
    ...     vectors = EndpointTransport(HFSettings(), tei.url).post({"inputs": ["a", "b"]})
    >>> len(vectors), len(vectors[0])
    (2, 384)

"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Callable
from functools import cached_property
from typing import Any

from hf_tools.errors import HFDeadlineExceededError, HFError, HFResponseError, map_error
from hf_tools.retry import retry_delay
from hf_tools.settings import HFSettings

__all__ = ["EndpointTransport"]

logger = logging.getLogger("hf_tools")


def _codec() -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]]:
    try:
        import orjson
    except ImportError:
        return (lambda obj: json.dumps(obj).encode()), json.loads
    return orjson.dumps, orjson.loads


class EndpointTransport:
    """POST JSON to ``url`` with retries (sync on the hub's shared session, async per event loop)."""

    def __init__(self, settings: HFSettings, url: str) -> None:
        self.settings = settings
        self.url = url
        self._dumps, self._loads = _codec()
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[Any, asyncio.Semaphore]]
        self._async = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"EndpointTransport(url={self.url!r})"

    @cached_property
    def _token(self) -> str | None:
        return self.settings.resolved_token()

    @cached_property
    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "hf_tools"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _decode(self, response: Any) -> Any:
        from huggingface_hub import hf_raise_for_status

        hf_raise_for_status(response)
        try:
            return self._loads(response.content)
        except ValueError as exc:
            raise HFResponseError(f"malformed response from {self.url!r}: {exc}", model=self.url) from exc

    def _delay(self, exc: BaseException, attempt: int, end: float | None) -> float:
        error = map_error(exc, model=self.url, token=self._token)
        delay = retry_delay(error, attempt, self.settings)
        if delay is None:
            raise error from exc
        if end is not None and time.monotonic() + delay >= end:
            raise HFDeadlineExceededError(
                f"deadline of {self.settings.deadline}s exceeded after {attempt + 1} attempt(s); last error: {error}",
                model=self.url,
                status_code=error.status_code,
            ) from error
        logger.warning("hf_tools: retry %d in %.2fs after: %s", attempt + 1, delay, error)
        return delay

    def _timeout(self, end: float | None) -> float:
        if end is None:
            return self.settings.timeout
        return max(0.001, min(self.settings.timeout, end - time.monotonic()))

    def post(self, payload: Any) -> Any:
        """POST ``payload`` as JSON; return the decoded JSON body."""
        from huggingface_hub import get_session

        body = self._dumps(payload)
        end = None if self.settings.deadline is None else time.monotonic() + self.settings.deadline
        attempt = 0
        while True:
            try:
                response = get_session().post(self.url, content=body, headers=self._headers, timeout=self._timeout(end))
                return self._decode(response)
            except HFError:
                raise
            except Exception as exc:  # noqa: BLE001 - every transport error is mapped, then retried or raised
                time.sleep(self._delay(exc, attempt, end))
            attempt += 1

    def _async_client(self) -> tuple[Any, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        entry = self._async.get(loop)
        if entry is None:
            from huggingface_hub import get_async_session

            entry = (get_async_session(), asyncio.Semaphore(self.settings.max_concurrency))
            self._async[loop] = entry
        return entry

    async def apost(self, payload: Any) -> Any:
        """Async :meth:`post`; at most ``max_concurrency`` requests in flight per event loop."""
        body = self._dumps(payload)
        end = None if self.settings.deadline is None else time.monotonic() + self.settings.deadline
        client, limit = self._async_client()
        attempt = 0
        while True:
            try:
                async with limit:
                    response = await client.post(
                        self.url, content=body, headers=self._headers, timeout=self._timeout(end)
                    )
                return self._decode(response)
            except HFError:
                raise
            except Exception as exc:  # noqa: BLE001 - every transport error is mapped, then retried or raised
                await asyncio.sleep(self._delay(exc, attempt, end))
            attempt += 1
