"""The pre-call model check: does the Hub's model serve the Runnable's task?

It runs only when the Hugging Face router is the target (never with ``base_url`` or a URL
as model), only with a token (without one the call fails at once anyway), and not at all
with ``HFSettings(check_model=False)``. Each model is read from the Hub once per
``model_check_ttl`` seconds; after that a check is a dictionary look-up. When the Hub
cannot be read the check logs a warning and lets the call go on. The answers, verdicts and
per-model locks kept are bounded (:data:`MAX_CACHED_MODELS` each, least recently used dropped).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from hf_tools.errors import HFError, HFModelNotFoundError
from hf_tools.hub.lookup import fetch_model, list_models
from hf_tools.hub.results import ModelSummary
from hf_tools.hub.verdict import judge
from hf_tools.lru import LRUCache
from hf_tools.settings import HFSettings

__all__ = ["MAX_CACHED_MODELS", "acheck_model", "check_model", "clear_cache", "hub_summary"]

logger = logging.getLogger("hf_tools")

# Seconds before a model whose Hub look-up failed is looked up again (at most the TTL).
RETRY_FAILED_AFTER = 60.0

_clock: Callable[[], float] = time.monotonic

# The most models (and verdicts, and look-up locks) kept: an agent may name any Hub model.
MAX_CACHED_MODELS = 1024

_VerdictKey = tuple[str, str, str | tuple[str, ...] | None, str | None]
_ModelKey = tuple[str | None, str]
# (expires, the error to raise or None): what the check concluded for (task, model, provider, hub).
_VERDICTS: LRUCache[_VerdictKey, tuple[float, HFError | None]] = LRUCache(MAX_CACHED_MODELS)
# (expires, summary or None if the Hub failed): what the Hub said about (hub, model).
_MODELS: LRUCache[_ModelKey, tuple[float, ModelSummary | HFError | None]] = LRUCache(MAX_CACHED_MODELS)
# One lock per model being looked up, so concurrent checks of one model ask the Hub once. A lock
# dropped while held costs at most one duplicate look-up.
_LOCKS: LRUCache[_ModelKey, threading.Lock] = LRUCache(MAX_CACHED_MODELS)


def clear_cache() -> None:
    """Forget every cached Hub answer and verdict."""
    _VERDICTS.clear()
    _MODELS.clear()


def check_model(task: str, model: str, settings: HFSettings) -> None:
    """Raise if ``model`` cannot serve ``task`` through the router; cheap once cached.

    Raises:
        HFTaskMismatchError: the model serves another task.
        HFModelNotServedError: no provider (or not the pinned one) serves the model.
        HFModelNotFoundError: the Hub has no such model.

    Example:
        >>> from hf_tools.settings import HFSettings
        >>> check_model("summarization", "org/m", HFSettings(base_url="http://127.0.0.1:9"))  # skipped

    """
    if _needs_lookup(task, model, settings):
        _check_slow(task, model, settings)


def _needs_lookup(task: str, model: str, settings: HFSettings) -> bool:
    """False when no check applies or a fresh cached verdict passes; raises a cached refusal."""
    if not settings.check_model or settings.endpoint_for(model) is not None:
        return False
    hit = _VERDICTS.get((task, model, settings.provider, settings.hub_endpoint))
    if hit is None or hit[0] <= _clock():
        return True
    if hit[1] is not None:
        raise _fresh(hit[1])
    return False


async def acheck_model(task: str, model: str, settings: HFSettings) -> None:
    """Async :func:`check_model`: a Hub look-up runs in a worker thread, a cached check inline."""
    if _needs_lookup(task, model, settings):
        await asyncio.to_thread(_check_slow, task, model, settings)


def _fresh(error: HFError) -> HFError:
    """A new instance of a cached error, so tracebacks do not pile up on one object."""
    copy = error.__class__.__new__(error.__class__)
    copy.__dict__.update(error.__dict__)
    copy.args = error.args
    return copy


def _lock_for(key: _ModelKey) -> threading.Lock:
    return _LOCKS.get_or_create(key, threading.Lock)


def _check_slow(task: str, model: str, settings: HFSettings) -> None:
    if settings.resolved_token() is None:
        return  # the call fails at once with HFMissingTokenError; nothing to check
    vkey = (task, model, settings.provider, settings.hub_endpoint)
    mkey = (settings.hub_endpoint, model)
    with _lock_for(mkey):
        now = _clock()
        hit = _VERDICTS.get(vkey)
        if hit is None or hit[0] <= now:
            expires, known = _model(mkey, settings, now)
            error: HFError | None = None
            if isinstance(known, HFError):
                error = known
            elif known is not None:
                error = judge(task, known, settings.provider, lambda: _alternatives(task, settings))
            hit = (expires, error)
            _VERDICTS[vkey] = hit
    if hit[1] is not None:
        raise _fresh(hit[1])


def _model(key: _ModelKey, settings: HFSettings, now: float) -> tuple[float, ModelSummary | HFError | None]:
    cached = _MODELS.get(key)
    if cached is not None and cached[0] > now:
        return cached
    model = key[1]
    known: ModelSummary | HFError | None
    ttl = settings.model_check_ttl
    try:
        known = fetch_model(model, settings)
    except HFError as exc:
        if exc.status_code in (401, 404):
            known = HFModelNotFoundError(
                f"model {model!r} is not on the Hub (or is private and the token cannot see it): {exc}",
                model=model,
                status_code=exc.status_code,
            )
        else:
            known, ttl = None, min(ttl, RETRY_FAILED_AFTER)
            logger.warning("hf_tools: could not check model %r on the Hub, calling it anyway: %s", model, exc)
    entry = (now + ttl, known)
    _MODELS[key] = entry
    return entry


def hub_summary(model: str, settings: HFSettings) -> ModelSummary | None:
    """The Hub's summary of ``model`` (providers, tasks, status), cached like the check; None if the Hub is down.

    Raises:
        HFModelNotFoundError: the Hub has no such model (or the token cannot see it).

    """
    key = (settings.hub_endpoint, model)
    with _lock_for(key):
        _, known = _model(key, settings, _clock())
    if isinstance(known, HFError):
        raise _fresh(known)
    return known


def _alternatives(task: str, settings: HFSettings) -> list[ModelSummary]:
    try:
        return list_models(task, settings, limit=20)
    except HFError as exc:
        logger.warning("hf_tools: could not list models for %r on the Hub: %s", task, exc)
        return []
