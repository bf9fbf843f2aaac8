"""Whether a model, as the Hub describes it, can serve a task — and what to say when it cannot."""

from __future__ import annotations

from collections.abc import Callable

from hf_tools.errors import HFError, HFModelNotServedError, HFTaskMismatchError
from hf_tools.hub.results import ModelSummary
from hf_tools.hub.snippets import call_for

__all__ = ["judge"]


def judge(
    task: str,
    summary: ModelSummary,
    provider: str | tuple[str, ...] | None = None,
    alternatives: Callable[[], list[ModelSummary]] | None = None,
) -> HFError | None:
    """None if a provider serves ``summary``'s model for ``task``, else the error to raise.

    Args:
        task: the task the caller wants.
        summary: the model as the Hub describes it.
        provider: the provider the call is pinned to (None or ``"auto"``: any).
        alternatives: models serving ``task``, fetched only when the model has no provider.

    Example:
        >>> from hf_tools.hub.results import ModelSummary, ProviderStatus
        >>> chat = ModelSummary(id="org/chat", task="text-generation", providers=[
        ...     ProviderStatus(provider="together", provider_id="x", task="conversational")])
        >>> type(judge("text-generation", chat)).__name__
        'HFTaskMismatchError'
        >>> judge("conversational", chat) is None
        True

    """
    wanted = None if provider in (None, "auto") else provider
    if summary.serves(task, wanted):
        return None
    model = summary.id
    if summary.providers and not summary.serves(task):
        served = summary.served_tasks
        return _mismatch(task, model, served, f"its inference providers serve it for {_quoted(served)}")
    if summary.providers:  # the task is served, but not by the pinned provider
        others = tuple(dict.fromkeys(p.provider for p in summary.providers if p.answers(task)))
        return HFModelNotServedError(
            f"{_pinned(wanted)} model {model!r} for task {task!r}; it is served by"
            f" {_quoted(others)}: pass provider={others[0]!r} (or provider='auto').",
            task=task,
            model=model,
            providers_for_task=others,
        )
    if summary.task and summary.task != task:
        return _mismatch(
            task,
            model,
            (summary.task,),
            f"it is a {summary.task!r} model (its Hub pipeline tag) and no inference provider serves it",
        )
    found = alternatives() if alternatives is not None else []
    providers = tuple(dict.fromkeys(p.provider for m in found for p in m.providers if p.answers(task) and p.live))
    examples = [m.id for m in found if m.id != model and m.serves(task)][:3]
    instead = (
        f" Providers serving {task!r} instead: {', '.join(providers)} (e.g. {', '.join(examples)})."
        if providers and examples
        else ""
    )
    return HFModelNotServedError(
        f"no inference provider serves model {model!r}, so it cannot be called through the Hugging Face"
        f" router.{instead} Pick a served model with hf_tools.find_models({task!r}), or run this one on"
        " your own endpoint and pass base_url=...",
        task=task,
        model=model,
        providers_for_task=providers,
    )


def _pinned(wanted: str | tuple[str, ...] | None) -> str:
    if isinstance(wanted, tuple) and len(wanted) > 1:
        return f"none of the providers {_quoted(wanted)} serves"
    name = wanted[0] if isinstance(wanted, tuple) else wanted
    return f"provider {name!r} does not serve"


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(repr(n) for n in names)


def _mismatch(task: str, model: str, served: tuple[str, ...], why: str) -> HFTaskMismatchError:
    suggestion = next((call for call in (call_for(t, model) for t in served) if call), None)
    advice = (
        f" Use {suggestion} instead."
        if suggestion
        else f" hf_tools has no runnable for {_quoted(served)} yet; pick another model with"
        f" hf_tools.find_models({task!r})."
    )
    return HFTaskMismatchError(
        f"model {model!r} does not serve task {task!r}: {why}.{advice}",
        task=task,
        served_tasks=served,
        suggestion=suggestion,
        model=model,
    )
