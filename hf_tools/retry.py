"""When to retry a failed request, and how long to wait first.

The policy is a pure function of the error, the attempt number and the settings, so it is
tested on its own and shared by the sync and async paths of :mod:`hf_tools.client`. Whether an
error is retried at all is its class's ``is_retryable`` attribute (see :mod:`hf_tools.errors`),
the same attribute LangChain's retry middleware reads; this module only decides how long to wait.

=============================  ==========================================================
error                          retried?
=============================  ==========================================================
503 with ``estimated_time``    yes, after ``estimated_time`` (capped by ``max_retry_wait``)
429                            yes, after ``Retry-After`` (capped), else exponential backoff
other 5xx, 424                 yes, exponential backoff with full jitter
connection error, timeout      yes, exponential backoff with full jitter
400/401/402/403/404/413/422    never
malformed 2xx body             never (the same request would get the same body)
=============================  ==========================================================

Example:
    >>> from hf_tools.errors import HFModelLoadingError, HFAuthenticationError
    >>> from hf_tools.settings import HFSettings
    >>> s = HFSettings(max_retry_wait=30)
    >>> retry_delay(HFModelLoadingError("cold", estimated_time=12.0), 0, s)
    12.0
    >>> retry_delay(HFAuthenticationError("bad token"), 0, s) is None
    True

"""

from __future__ import annotations

import asyncio
import random
import time

from hf_tools.errors import HFError, HFModelLoadingError, HFRateLimitError
from hf_tools.settings import HFSettings

# -- the retry loop's clock --------------------------------------------------------------------
# hf_tools.client reads the time and waits between attempts only through these three, so a
# test can record the waits and move time itself by patching them here, without patching
# time.sleep/asyncio.sleep for the whole process (the loopback servers sleep too).


def sleep(seconds: float) -> None:
    """Wait ``seconds`` before a sync retry."""
    time.sleep(seconds)


async def asleep(seconds: float) -> None:
    """Wait ``seconds`` before an async retry."""
    await asyncio.sleep(seconds)


def monotonic() -> float:
    """The clock a call's deadline is measured on."""
    return time.monotonic()


def is_retryable(error: HFError) -> bool:
    """Whether ``error`` is worth another attempt (on this provider after a wait, or on the next one).

    The error class's own ``is_retryable`` attribute is the one truth (LangChain's retry reads it too).
    """
    return bool(error.is_retryable)


def backoff(attempt: int, settings: HFSettings) -> float:
    """Full-jitter exponential backoff for the ``attempt``-th retry (0-based)."""
    ceiling = min(settings.backoff_max, settings.backoff_base * (2**attempt))
    return random.uniform(0, ceiling)


def retry_delay(error: HFError, attempt: int, settings: HFSettings) -> float | None:
    """Seconds to wait before retrying after ``error``, or None if it must not be retried.

    Only errors whose ``is_retryable`` is true are retried.

    Args:
        error: the mapped error of the failed attempt.
        attempt: how many retries have already happened (0 for the first failure).
        settings: retry limits.

    """
    if attempt >= settings.max_retries or not error.is_retryable:
        return None
    if isinstance(error, HFModelLoadingError) and error.estimated_time is not None:
        return min(max(error.estimated_time, 0.0), settings.max_retry_wait)
    if isinstance(error, HFRateLimitError) and error.retry_after is not None:
        return min(error.retry_after, settings.max_retry_wait)
    return backoff(attempt, settings)
