"""Which model answers a call, through which providers, and how (the task itself or chat).

:func:`plan_call` turns (task, model or None, settings) into a :class:`CallPlan`. For a call to
the Hugging Face router (no ``base_url``, no URL as model, ``check_model`` on, a token set) it
reads the Hub's inference-provider mapping, cached for ``model_check_ttl``:

* **model=None**: the first of the task's default candidates that a provider serves live for
  the task (the pinned provider or list, if set); if none, the top served model of
  ``find_models(task)``; if the Hub cannot be reached, the first candidate, with a warning.
  Logged once at INFO.
* **providers**: the live providers serving the model for the task, in the list's order
  (``provider=[...]``) or the Hub mapping's order (``"auto"``); a pinned name is used alone.
* **text-generation through chat**: a model served as chat but not for raw text-generation.
* **vision tasks through a vision-language model**: image-to-text, visual and document
  question answering on a model nobody serves go to ``settings.vision_model`` (or to the
  model itself when it is a chat model).
* **a task nobody serves** (audio-classification today): :class:`HFModelNotServedError`
  before any inference request, pointing to ``base_url``.
* **a task no provider helper of huggingface_hub knows** (tabular-regression today): refused the
  same way before any request at all (not even a Hub look-up), whatever ``check_model`` says.

Otherwise (an endpoint, ``check_model=False``, no token) nothing is looked up: the model (or
the first candidate) is called with the providers the settings name.

``provider="cheapest"``/``"fastest"`` order a chat model's providers (see
:mod:`hf_tools.routing.capabilities`); a task call refuses them with
:class:`~hf_tools.errors.HFInputError` before any look-up or request.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from dataclasses import dataclass

from hf_tools.errors import HFError, HFModelNotFoundError, HFModelNotServedError
from hf_tools.hub import check as _check
from hf_tools.hub.check import RETRY_FAILED_AFTER, hub_summary
from hf_tools.hub.lookup import list_models
from hf_tools.hub.results import ModelSummary
from hf_tools.hub.verdict import judge
from hf_tools.settings import HFSettings
from hf_tools.tasks import TaskSpec

__all__ = [
    "CHAT_TASK",
    "CallPlan",
    "aplan_call",
    "chat_providers",
    "clear_cache",
    "plan_call",
    "served_chat_providers",
    "static_providers",
]

logger = logging.getLogger("hf_tools")

CHAT_TASK = "conversational"
"""The Hub mapping's task name for chat completion."""


def _clock() -> float:
    """The model check's clock (one clock for both caches; tests move it)."""
    return _check._clock()


@dataclass(frozen=True)
class CallPlan:
    """How one task call is made.

    Attributes:
        task: the hf_tools task.
        model: the model that answers (the resolved default, the given one or the vision model).
        providers: providers to try in order; ``(None,)`` lets huggingface_hub (or, for chat, the
            router) choose.
        via_chat: answered through ``chat_completion`` (see :mod:`hf_tools.tasks.via_chat`).
        resolved: the model was chosen by hf_tools (no model was given).

    Example:
        >>> CallPlan("summarization", "facebook/bart-large-cnn", ("hf-inference",)).via_chat
        False

    """

    task: str
    model: str
    providers: tuple[str | None, ...] = (None,)
    via_chat: bool = False
    resolved: bool = False


_Key = tuple[str, str | None, object, str | None, str | None]
_PLANS: dict[_Key, tuple[float, CallPlan | HFError]] = {}
_LISTINGS: dict[tuple[str, str | None, object], tuple[float, list[ModelSummary] | None]] = {}
_GUARD = threading.Lock()


def clear_cache() -> None:
    """Forget every cached plan and listing."""
    _PLANS.clear()
    _LISTINGS.clear()


def static_providers(settings: HFSettings) -> tuple[str | None, ...]:
    """The providers the settings name, without asking the Hub (``(None,)`` for ``"auto"``)."""
    return settings.provider_names or (None,)


def _routed(settings: HFSettings, model: str | None) -> bool:
    """Whether the call goes to the Hugging Face router and may be planned from the Hub."""
    return settings.check_model and settings.base_url is None and not (model or "").startswith(("http://", "https://"))


@functools.cache
def _has_provider_helper(task: str) -> bool:
    """Whether any provider helper of the installed huggingface_hub serves ``task``."""
    from huggingface_hub.inference._providers import PROVIDERS

    return any(task in tasks for tasks in PROVIDERS.values())


def _refuse_unroutable(spec: TaskSpec, model: str | None, settings: HFSettings) -> None:
    """Refuse a router call of a task no provider helper serves (nothing could send it)."""
    to_router = settings.base_url is None and not (model or "").startswith(("http://", "https://"))
    if to_router and spec.via_chat is None and not _has_provider_helper(spec.name):
        raise HFModelNotServedError(
            f"no Inference Provider serves the task {spec.name!r} (huggingface_hub has no provider helper"
            f" for it), so {model or 'it'} cannot be called through the Hugging Face router. Run the model on"
            " your own endpoint (an Inference Endpoint, or a server speaking the Inference API) and pass"
            " base_url=...",
            task=spec.name,
            model=model,
        )


def _cached(key: _Key) -> CallPlan | None:
    hit = _PLANS.get(key)
    if hit is None or hit[0] <= _clock():
        return None
    if isinstance(hit[1], HFError):
        raise _fresh(hit[1])
    return hit[1]


def plan_call(spec: TaskSpec, model: str | None, settings: HFSettings) -> CallPlan:
    """The plan of a call of ``spec`` with ``model`` (None: the task's default); cheap once cached.

    Raises:
        HFModelNotServedError: no provider serves the model (or the task at all).
        HFTaskMismatchError: the model serves another task.
        HFModelNotFoundError: the Hub has no such model.

    Example:
        >>> from hf_tools import TASKS
        >>> plan_call(TASKS["summarization"], None, HFSettings(base_url="http://127.0.0.1:9")).model
        'facebook/bart-large-cnn'

    """
    settings.refuse_provider_ordering("a task call")
    _refuse_unroutable(spec, model, settings)
    if not _routed(settings, model):
        return CallPlan(spec.name, model or spec.default_model, static_providers(settings))
    key = (spec.name, model, settings.provider, settings.hub_endpoint, settings.vision_model)
    cached = _cached(key)
    if cached is not None:
        return cached
    if settings.resolved_token() is None:  # the call fails at once with HFMissingTokenError
        return CallPlan(spec.name, model or spec.default_model, static_providers(settings))
    return _plan_slow(key, spec, model, settings)


async def aplan_call(spec: TaskSpec, model: str | None, settings: HFSettings) -> CallPlan:
    """Async :func:`plan_call`: Hub look-ups run in a worker thread, a cached plan inline."""
    settings.refuse_provider_ordering("a task call")
    _refuse_unroutable(spec, model, settings)
    if not _routed(settings, model):
        return CallPlan(spec.name, model or spec.default_model, static_providers(settings))
    key = (spec.name, model, settings.provider, settings.hub_endpoint, settings.vision_model)
    cached = _cached(key)
    if cached is not None:
        return cached
    if settings.resolved_token() is None:
        return CallPlan(spec.name, model or spec.default_model, static_providers(settings))
    return await asyncio.to_thread(_plan_slow, key, spec, model, settings)


def _plan_slow(key: _Key, spec: TaskSpec, model: str | None, settings: HFSettings) -> CallPlan:
    planner = _Planner(spec, settings)
    try:
        plan = planner.resolve() if model is None else planner.for_model(model)
    except HFError as exc:  # a verdict (Hub failures become a static plan, not an error)
        with _GUARD:
            _PLANS[key] = (_clock() + planner.ttl, exc)
        raise
    with _GUARD:
        _PLANS[key] = (_clock() + planner.ttl, plan)
    return plan


class _Planner:
    """One planning pass; remembers whether the Hub could be read (for the cache's lifetime)."""

    def __init__(self, spec: TaskSpec, settings: HFSettings) -> None:
        self.spec = spec
        self.settings = settings
        self.pins = settings.provider_names
        self.ttl = settings.model_check_ttl

    def _hub_down(self) -> None:
        self.ttl = min(self.ttl, RETRY_FAILED_AFTER)

    def _static(self, model: str) -> CallPlan:
        return CallPlan(self.spec.name, model, static_providers(self.settings))

    # -- model=None ----------------------------------------------------------------------
    def resolve(self) -> CallPlan:
        spec = self.spec
        for candidate in spec.defaults:
            try:
                summary = hub_summary(candidate, self.settings)
            except HFModelNotFoundError:
                continue
            if summary is None:
                self._hub_down()
                logger.warning(
                    "hf_tools: the Hub cannot be reached to find a served %s model; using the default %s",
                    spec.name,
                    spec.default_model,
                )
                return CallPlan(spec.name, spec.default_model, static_providers(self.settings), resolved=True)
            plan = self._served(summary)
            if plan is not None:
                return self._announce(plan, "a default candidate")
        listing = self._listing()
        if listing is None:
            self._hub_down()
            logger.warning(
                "hf_tools: no default %s candidate is served and the Hub listing failed; using %s",
                spec.name,
                spec.default_model,
            )
            return CallPlan(spec.name, spec.default_model, static_providers(self.settings), resolved=True)
        for summary in listing:
            plan = self._served(summary)
            if plan is not None:
                return self._announce(plan, "the top served model on the Hub")
        if self._vision_fallback():
            return self._announce(self._vision(None), "the vision_model setting")
        raise self._task_not_served()

    def _announce(self, plan: CallPlan, where: str) -> CallPlan:
        plan = CallPlan(plan.task, plan.model, plan.providers, plan.via_chat, resolved=True)
        logger.info(
            "hf_tools: %s resolves to %s (%s%s; providers: %s)",
            plan.task,
            plan.model,
            where,
            ", through chat" if plan.via_chat else "",
            ", ".join(p or "auto" for p in plan.providers),
        )
        return plan

    # -- a given model -------------------------------------------------------------------
    def for_model(self, model: str) -> CallPlan:
        summary = hub_summary(model, self.settings)
        if summary is None:
            self._hub_down()
            return self._static(model)
        plan = self._served(summary)
        if plan is not None:
            return plan
        task = self.spec.name
        if self._vision_fallback() and not summary.serves(task, self.pins):
            vision = self._vision(model)
            logger.warning(
                "hf_tools: no provider serves %s for %s; answering with the vision model %s",
                model,
                self.spec.name,
                vision.model,
            )
            return vision
        if not summary.providers and summary.task in (None, task):  # nobody serves it: is the task served at all?
            listing = self._listing()
            if listing is not None and not any(m.serves(task, self.pins) for m in listing):
                raise self._task_not_served(model)
        error = judge(task, summary, self.settings.provider, lambda: self._listing() or [])
        if error is None:  # unreachable in practice: judge refuses what _served could not plan
            return self._static(model)
        raise error

    # -- helpers ----------------------------------------------------------------------------
    def _served(self, summary: ModelSummary) -> CallPlan | None:
        """A plan for ``summary``'s model if a provider serves it for the task (or as chat)."""
        providers = _providers(summary, self.spec.name, self.pins)
        if providers:
            return CallPlan(self.spec.name, summary.id, providers)
        fallback = self.spec.via_chat
        if fallback is not None:
            providers = _providers(summary, CHAT_TASK, self.pins)
            if providers:
                return CallPlan(self.spec.name, summary.id, providers, via_chat=True)
        return None

    def _vision_fallback(self) -> bool:
        fallback = self.spec.via_chat
        return fallback is not None and fallback.model == "vision" and self.settings.vision_model is not None

    def _vision(self, instead_of: str | None) -> CallPlan:
        vlm = self.settings.vision_model
        assert vlm is not None  # checked by _vision_fallback
        summary = hub_summary(vlm, self.settings)
        if summary is None:
            self._hub_down()
            return CallPlan(self.spec.name, vlm, static_providers(self.settings), via_chat=True)
        providers = _providers(summary, CHAT_TASK, self.pins)
        if not providers:
            raise HFModelNotServedError(
                f"no inference provider serves {instead_of or 'a ' + self.spec.name + ' model'}, and the"
                f" vision model {vlm!r} (the vision_model setting) is not served as chat"
                + (f" by {_names(self.pins)}" if self.pins else "")
                + ": pass vision_model=<a served vision-language chat model>, or base_url=... for your own endpoint.",
                task=self.spec.name,
                model=instead_of or vlm,
            )
        return CallPlan(self.spec.name, vlm, providers, via_chat=True)

    def _listing(self) -> list[ModelSummary] | None:
        key = (self.spec.name, self.settings.hub_endpoint, self.settings.provider)
        hit = _LISTINGS.get(key)
        if hit is not None and hit[0] > _clock():
            return hit[1]
        pinned = self.pins[0] if self.pins and len(self.pins) == 1 else None
        try:
            found: list[ModelSummary] | None = list_models(self.spec.name, self.settings, provider=pinned, limit=20)
            ttl = self.settings.model_check_ttl
        except HFError as exc:
            logger.warning("hf_tools: could not list %s models on the Hub: %s", self.spec.name, exc)
            found, ttl = None, min(self.settings.model_check_ttl, RETRY_FAILED_AFTER)
        with _GUARD:
            _LISTINGS[key] = (_clock() + ttl, found)
        return found

    def _task_not_served(self, model: str | None = None) -> HFModelNotServedError:
        task = self.spec.name
        if self.pins:
            detail = f"{_names(self.pins)} serve(s) no model for the task {task!r}"
        else:
            detail = f"no Inference Provider serves the task {task!r} today (the Hub lists no served model for it)"
        return HFModelNotServedError(
            f"{detail}, so {model or 'it'} cannot be called through the Hugging Face router. Run a model on"
            " your own endpoint (an Inference Endpoint, or a TGI/TEI-like server) and pass base_url=...",
            task=task,
            model=model,
        )


def _callable(provider: str, task: str) -> bool:
    """Whether the installed huggingface_hub can call ``provider`` for ``task`` (providers come and go)."""
    from huggingface_hub.inference._providers import PROVIDERS

    return task in PROVIDERS.get(provider, {})  # type: ignore[call-overload]


def _providers(summary: ModelSummary, task: str, pins: tuple[str, ...] | None) -> tuple[str | None, ...]:
    """Providers serving ``summary``'s model for ``task``: live ones first (staging/error only if none is live)."""
    entries = [p for p in summary.providers if p.answers(task) and _callable(p.provider, task)]
    if pins is not None:
        entries = sorted((p for p in entries if p.provider in pins), key=lambda p: pins.index(p.provider))
    live = [p.provider for p in entries if p.live]
    return tuple(dict.fromkeys(live or [p.provider for p in entries]))


def chat_providers(model: str, settings: HFSettings) -> tuple[str | None, ...]:
    """Providers a chat call goes to: ``(None,)`` for the router's own choice (``"auto"``), a
    pinned name alone, or a list filtered (in its order) to those serving ``model`` as chat.

    Example:
        >>> chat_providers("org/m", HFSettings(provider=["groq", "together"], check_model=False))
        ('groq', 'together')

    """
    pins = settings.provider_names
    if pins is None or len(pins) == 1 or not _routed(settings, model) or settings.resolved_token() is None:
        return static_providers(settings)
    try:
        summary = hub_summary(model, settings)
    except HFModelNotFoundError:
        raise
    if summary is None:
        return pins
    served = _providers(summary, CHAT_TASK, pins)
    if not served:
        raise HFModelNotServedError(
            f"none of the providers {_names(pins)} serves {model!r} as chat;"
            f" it is served by {_names(tuple(p.provider for p in summary.providers if p.task == CHAT_TASK)) or 'none'}",
            task=CHAT_TASK,
            model=model,
        )
    return served


def served_chat_providers(model: str, settings: HFSettings) -> tuple[str, ...] | None:
    """Every provider the Hub says serves ``model`` as chat (live ones, else staging), in the Hub's order,
    that the installed huggingface_hub can call; None when the Hub is not asked or cannot be read.

    Raises:
        HFModelNotFoundError: the Hub has no such model.

    Example:
        >>> served_chat_providers("org/m", HFSettings(check_model=False)) is None
        True

    """
    if not _routed(settings, model) or settings.resolved_token() is None:
        return None
    summary = hub_summary(model, settings)
    if summary is None:
        return None
    return tuple(p for p in _providers(summary, CHAT_TASK, None) if p is not None)


def _names(names: tuple[str, ...] | None) -> str:
    return ", ".join(repr(n) for n in names or ())


def _fresh(error: HFError) -> HFError:
    copy = error.__class__.__new__(error.__class__)
    copy.__dict__.update(error.__dict__)
    copy.args = error.args
    return copy
