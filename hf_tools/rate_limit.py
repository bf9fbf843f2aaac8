"""Adaptive in-flight limits: a 429 lowers a provider's limit for every caller in the process.

A provider that answers 429 ("too many requests") when more than N requests are in flight turns
a large ``batch`` into a storm: every request beyond N is refused, waits, comes back with the
others and is refused again, until some run out of retries. Each provider (or endpoint) therefore
gets one :class:`AdaptiveLimit` on the requests in flight to it, shared by every Runnable, Tool,
chat model and embedder of the process, and tuned by the answers (additive increase,
multiplicative decrease, as TCP tunes its window):

* **Start**: no limit of its own; each client's ``max_concurrency`` is the only cap.
* **A 429** (multiplicative decrease): the limit becomes at most ``DECREASE`` (7/8) of the
  requests in flight at that moment, the refused one included (at least 1). A burst of 32 to a
  provider serving 8 thus settles in one round trip: each refusal leaves and the last ones see
  about 9 in flight.
* **A success while the limit is full** (additive increase): the limit grows by
  ``INCREASE / limit`` (half a request per round trip of successes), so it probes for room
  slowly and climbs back once the 429s stop.
* **Retry-After** is honoured: the refused call waits it (or backs off when the 429 has none,
  see :mod:`hf_tools.retry`) and its retry then goes first in the queue. Once the limit is down
  to one request, the call told to wait keeps that one place through its wait: the provider gets
  nothing from anyone in the process until the ``Retry-After`` is over (a quota that ran out is
  not hammered by every waiting caller in turn).
* **Waiting** for a place counts against the call's ``deadline``; callers are served first come,
  first served, across threads and event loops.

The limit is **process-wide** and keyed by where the requests go, not by settings: a provider's
limit belongs to the account it bills, so the key is the router's base URL, the provider (or
``auto``) and a digest of the token (never the token); an endpoint (``base_url``, a URL model,
a TEI server) is keyed by its URL, whatever the token. Clients are shared per settings value
(:func:`hf_tools.client.get_client`), so a limit per client would let two runnables that differ
only in ``timeout`` or ``max_concurrency`` storm the same provider. ``adaptive_concurrency=False``
in the settings turns it off for the calls made with them.

Example:
    >>> from hf_tools.rate_limit import AdaptiveLimit
    >>> limit = AdaptiveLimit("example")
    >>> leases = [limit.acquire(timeout=None) for _ in range(8)]
    >>> limit.rate_limited(leases[0])  # a 429 with 8 in flight: at most 7 from now on; the place is given back
    False
    >>> limit.limit, limit.in_flight
    (7.0, 7)
    >>> for lease in leases:
    ...     limit.release(lease)
    >>> lease = limit.acquire(timeout=None)
    >>> limit.release(lease, ok=True)  # a success under a limit that is not full: no change
    >>> limit.limit
    7.0

"""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from hf_tools.errors import HFDeadlineExceededError, HFError, HFRateLimitError
from hf_tools.lru import LRUCache

__all__ = ["DECREASE", "AdaptiveLimit", "CallSlot", "Lease", "adaptive_limit", "clear", "limits"]

DECREASE = 0.875
"""The factor a 429 multiplies the requests in flight by to give the new limit."""
INCREASE = 0.5
"""How much a full limit grows per round trip of successes (each success adds ``INCREASE / limit``)."""
MAX_LIMITS = 256
"""The most limits the process keeps (least recently used dropped first)."""


class Lease:
    """One request's place under an :class:`AdaptiveLimit` (give it back with :meth:`AdaptiveLimit.release`)."""

    __slots__ = ("limit", "released")

    def __init__(self, limit: AdaptiveLimit) -> None:
        self.limit = limit
        self.released = False


class _Waiter:
    """A caller waiting for a place: a thread (``event``) or a task (``future`` on ``loop``)."""

    __slots__ = ("event", "future", "lease", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.lease: Lease | None = None
        self.loop = loop
        self.future: asyncio.Future[None] | None = loop.create_future() if loop is not None else None
        self.event: threading.Event | None = threading.Event() if loop is None else None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AdaptiveLimit:
    """The requests in flight to one provider or endpoint, under a limit tuned by its 429s (AIMD).

    Thread-safe and shared across event loops: :meth:`acquire` blocks a thread, :meth:`aacquire`
    suspends a task; both return a :class:`Lease`, or None when ``timeout`` passes first.

    Args:
        name: what the limit is for, as :func:`limits` reports it (never holds a token).

    Example:
        >>> limit = AdaptiveLimit("example")
        >>> lease = limit.acquire(timeout=None)
        >>> limit.rate_limited(lease)  # one in flight: the limit drops to 1, the refused call keeps its place
        True
        >>> limit.acquire(timeout=0.01) is None  # nobody else goes while it waits out its Retry-After
        True
        >>> limit.release(lease)
        >>> limit.release(limit.acquire(timeout=None), ok=True)  # a full limit that succeeds grows
        >>> limit.limit, limit.rate_limited_count
        (1.5, 1)

    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._limit = math.inf
        self._in_flight = 0
        self._waiters: deque[_Waiter] = deque()
        self.rate_limited_count = 0
        """429s seen."""

    def __repr__(self) -> str:
        return f"AdaptiveLimit({self.name!r}, limit={self.limit}, in_flight={self._in_flight})"

    @property
    def limit(self) -> float | None:
        """The current limit (None: none yet, no 429 seen)."""
        return None if math.isinf(self._limit) else self._limit

    @property
    def in_flight(self) -> int:
        """Places taken (requests in flight and calls waiting out a 429)."""
        return self._in_flight

    @property
    def waiting(self) -> int:
        """Callers waiting for a place."""
        return len(self._waiters)

    def _cap(self) -> float:
        return self._limit if math.isinf(self._limit) else max(1, math.floor(self._limit))

    def _take(self) -> Lease:
        self._in_flight += 1
        return Lease(self)

    def _hand_out(self) -> list[_Waiter]:
        """Give free places to the first waiters (under the lock); wake them with :meth:`_wake` after it."""
        woken = []
        while self._waiters and self._in_flight < self._cap():
            waiter = self._waiters.popleft()
            waiter.lease = self._take()
            woken.append(waiter)
        return woken

    def _wake(self, woken: list[_Waiter]) -> None:
        for waiter in woken:
            if waiter.event is not None:
                waiter.event.set()
                continue
            assert waiter.loop is not None and waiter.future is not None and waiter.lease is not None
            try:
                waiter.loop.call_soon_threadsafe(_resolve, waiter.future)
            except RuntimeError:  # its loop closed meanwhile: the place goes to the next waiter
                self.release(waiter.lease)

    def _enqueue(self, waiter: _Waiter, first: bool) -> None:
        if first:
            self._waiters.appendleft(waiter)
        else:
            self._waiters.append(waiter)

    def _abandon(self, waiter: _Waiter) -> Lease | None:
        """The waiter gives up; returns the lease it was handed meanwhile, if any."""
        with self._lock:
            if waiter.lease is None:
                self._waiters.remove(waiter)
            return waiter.lease

    def acquire(self, timeout: float | None, *, first: bool = False) -> Lease | None:
        """A place (blocking the thread), or None after ``timeout`` seconds (None: no timeout).

        ``first`` puts the caller at the head of the queue (a call retrying after a 429).
        """
        with self._lock:
            if self._in_flight < self._cap() and (first or not self._waiters):
                return self._take()
            waiter = _Waiter()
            self._enqueue(waiter, first)
        assert waiter.event is not None
        if waiter.event.wait(None if timeout is None else max(timeout, 0.0)):
            return waiter.lease
        return self._abandon(waiter)

    async def aacquire(self, timeout: float | None, *, first: bool = False) -> Lease | None:
        """Async :meth:`acquire`: suspends the task, not the thread."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._in_flight < self._cap() and (first or not self._waiters):
                return self._take()
            waiter = _Waiter(loop)
            self._enqueue(waiter, first)
        assert waiter.future is not None
        try:
            if timeout is None:
                await waiter.future
            else:
                await asyncio.wait_for(waiter.future, max(timeout, 0.0))
        except TimeoutError:
            return self._abandon(waiter)
        except BaseException:  # cancelled: a place handed out meanwhile goes to the next waiter
            lease = self._abandon(waiter)
            if lease is not None:
                self.release(lease)
            raise
        return waiter.lease

    def release(self, lease: Lease, *, ok: bool = False) -> None:
        """Give the place back; ``ok`` (the request succeeded) grows a full limit by ``INCREASE / limit``."""
        with self._lock:
            if lease.released:
                return
            lease.released = True
            if ok and not math.isinf(self._limit) and (self._waiters or self._in_flight >= self._cap()):
                self._limit += INCREASE / self._limit
            self._in_flight -= 1
            woken = self._hand_out()
        self._wake(woken)

    def rate_limited(self, lease: Lease) -> bool:
        """The request holding ``lease`` got a 429: the limit drops to ``DECREASE`` x the requests in flight.

        Returns whether the caller keeps its place through its wait (the limit is down to one
        request: the provider is paused until the ``Retry-After`` is over); else it is given back.
        """
        with self._lock:
            self.rate_limited_count += 1  # the refused request is still counted in flight here
            self._limit = max(1.0, min(self._limit, self._in_flight * DECREASE))
            if self._cap() <= 1 or lease.released:
                return not lease.released
            lease.released = True
            self._in_flight -= 1
            woken = self._hand_out()
        self._wake(woken)
        return False

    def renew(self, lease: Lease) -> bool:
        """Keep ``lease`` for the next attempt if the limit still has room for it, else give it back."""
        with self._lock:
            if lease.released:
                return False
            if self._in_flight <= self._cap():
                return True
            lease.released = True
            self._in_flight -= 1
            woken = self._hand_out()
        self._wake(woken)
        return False


class CallSlot:
    """One call's place under the limit of where its attempts go, kept across its retries.

    The retry loop of :mod:`hf_tools.client` calls :meth:`enter` (or :meth:`aenter`) before each
    attempt, :meth:`failed` with each attempt's error and :meth:`succeeded`; the call closes the
    slot when its answer (or stream) is done. After a 429 the place stays held through the wait
    and the retry keeps it if the lowered limit still has room, else it queues first.

    Args:
        where: the limit of the next attempt (asked before each attempt: a failover changes it);
            None: no limit (``adaptive_concurrency=False``), every method does nothing.

    Example:
        >>> limit = AdaptiveLimit("example")
        >>> slot = CallSlot(lambda: limit)
        >>> slot.enter(timeout=None)
        >>> limit.in_flight
        1
        >>> slot.succeeded(); slot.close()
        >>> limit.in_flight
        0

    """

    __slots__ = ("_lease", "_ok", "_refused_by", "_where")

    def __init__(self, where: Callable[[], AdaptiveLimit] | None) -> None:
        self._where = where
        self._lease: Lease | None = None
        self._refused_by: AdaptiveLimit | None = None  # the limit whose 429 the call waits out
        self._ok = False

    def _kept(self, limit: AdaptiveLimit) -> tuple[bool, bool]:
        """(the held lease serves this attempt, the caller retries on ``limit`` and goes first)."""
        lease, self._lease = self._lease, None
        refused_by, self._refused_by = self._refused_by, None
        if lease is None:
            return False, refused_by is limit
        if lease.limit is limit:
            if limit.renew(lease):
                self._lease = lease
                return True, True
            return False, True
        lease.limit.release(lease)
        return False, False

    def _got(self, lease: Lease | None, limit: AdaptiveLimit) -> None:
        if lease is None:
            lowered = f" (lowered to {limit.limit:g} by 429s)" if limit.limit is not None else ""
            raise HFDeadlineExceededError(
                f"deadline exceeded waiting for a place under the in-flight limit of {limit.name}{lowered}"
            )
        self._lease = lease

    def enter(self, timeout: float | None) -> None:
        """Take (or keep) a place for the next attempt, blocking the thread at most ``timeout`` seconds.

        Raises:
            HFDeadlineExceededError: no place within ``timeout``.
        """
        if self._where is None:
            return
        limit = self._where()
        kept, first = self._kept(limit)
        if not kept:
            self._got(limit.acquire(timeout, first=first), limit)

    async def aenter(self, timeout: float | None) -> None:
        """Async :meth:`enter`."""
        if self._where is None:
            return
        limit = self._where()
        kept, first = self._kept(limit)
        if not kept:
            self._got(await limit.aacquire(timeout, first=first), limit)

    def failed(self, error: HFError) -> None:
        """An attempt failed: a 429 lowers the limit and keeps the place through the wait; else it is given back."""
        lease = self._lease
        if lease is None:
            return
        self._lease = None
        if isinstance(error, HFRateLimitError):
            self._refused_by = lease.limit
            if lease.limit.rate_limited(lease):
                self._lease = lease
            return
        lease.limit.release(lease)

    def succeeded(self) -> None:
        """The attempt got its answer (given back, with the increase, at :meth:`close`)."""
        self._ok = True

    def close(self) -> None:
        """The call is over: give the place back."""
        lease, self._lease = self._lease, None
        if lease is not None:
            lease.limit.release(lease, ok=self._ok)


_LIMITS: LRUCache[tuple[str, ...], AdaptiveLimit] = LRUCache(MAX_LIMITS)


def _account(token: str | None) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else "anonymous"


def adaptive_limit(
    *, endpoint: str | None = None, provider: str | None = None, token: str | None = None
) -> AdaptiveLimit:
    """The process's limit for an ``endpoint`` URL, or for a router ``provider`` and the ``token``'s account.

    Example:
        >>> a = adaptive_limit(provider="together", token="hf_a")
        >>> a is adaptive_limit(provider="together", token="hf_a"), a is adaptive_limit(provider="together")
        (True, False)
        >>> "hf_a" in a.name
        False

    """
    if endpoint is not None:
        key: tuple[str, ...] = ("endpoint", endpoint.split("?", 1)[0])
        name = f"endpoint {key[1]}"
    else:
        from huggingface_hub import constants

        router = constants.INFERENCE_PROXY_TEMPLATE
        account = _account(token)
        key = ("provider", router, provider or "auto", account)
        name = f"provider {provider or 'auto'} at {router.replace('/{provider}', '')} (account {account})"
    return _LIMITS.get_or_create(key, lambda: AdaptiveLimit(name))


def limits() -> dict[str, dict[str, Any]]:
    """Every limit the process keeps: ``{name: {"limit", "in_flight", "waiting", "rate_limited"}}``.

    ``limit`` is None until the first 429.
    """
    return {
        limit.name: {
            "limit": limit.limit,
            "in_flight": limit.in_flight,
            "waiting": limit.waiting,
            "rate_limited": limit.rate_limited_count,
        }
        for limit in (_LIMITS.get(key) for key in _LIMITS.keys())  # noqa: SIM118 - a method, not a dict
        if limit is not None
    }


def clear() -> None:
    """Forget every limit (the next calls start with none)."""
    _LIMITS.clear()
