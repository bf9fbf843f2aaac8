"""Hub look-ups on ``huggingface_hub.HfApi``: list models for a task, read one model.

Every look-up has a time limit (``HFSettings.hub_timeout``) and every failure of the Hub or
of its answer leaves as an :class:`~hf_tools.errors.HFError`, with the token scrubbed (a bug
propagates unchanged).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from hf_tools.errors import HFError, HFResponseError, HFTimeoutError, map_error
from hf_tools.hub.results import ModelSummary, ProviderStatus
from hf_tools.settings import HFSettings
from hf_tools.tasks import TaskRegistry

__all__ = ["EXPAND", "INTERCHANGEABLE_TASKS", "Sort", "also_tasks", "fetch_model", "list_models", "summary_of"]

# The model properties every look-up asks the Hub for (license comes from the tags).
EXPAND = ["pipeline_tag", "downloads", "likes", "gated", "tags", "inferenceProviderMapping"]

Sort = Literal["downloads", "likes", "trending_score", "created_at", "last_modified"]

T = TypeVar("T")


INTERCHANGEABLE_TASKS: dict[str, tuple[frozenset[str], ...]] = {
    "hf-inference": (frozenset({"feature-extraction", "sentence-similarity"}),),
}
"""Provider → groups of tasks it answers for one another, as huggingface_hub's provider helper
accepts them: hf-inference serves a model whose pipeline tag is feature-extraction or
sentence-similarity for the other task too, when the model's Hub tags name that task (the usual
sentence-transformers model). Every other provider serves a model for its mapped task only."""


def also_tasks(provider: str, task: str, pipeline_tag: str | None, tags: tuple[str, ...]) -> tuple[str, ...]:
    """The tasks ``provider`` answers for a model besides its mapped ``task`` (see :data:`INTERCHANGEABLE_TASKS`).

    Example:
        >>> tags = ("sentence-transformers", "feature-extraction", "sentence-similarity")
        >>> also_tasks("hf-inference", "sentence-similarity", "sentence-similarity", tags)
        ('feature-extraction',)
        >>> also_tasks("hf-inference", "sentence-similarity", "sentence-similarity", ("sentence-similarity",))
        ()
        >>> also_tasks("together", "sentence-similarity", "sentence-similarity", tags)
        ()

    """
    for group in INTERCHANGEABLE_TASKS.get(provider, ()):
        if task in group and pipeline_tag in group:
            return tuple(sorted(other for other in group if other != task and (other in tags or other == pipeline_tag)))
    return ()


def summary_of(info: Any) -> ModelSummary:
    """A :class:`ModelSummary` from huggingface_hub's ``ModelInfo`` (1.x and 2.x alike).

    Example:
        >>> from huggingface_hub.hf_api import ModelInfo
        >>> info = ModelInfo(id="org/m", pipeline_tag="summarization", tags=["license:mit"],
        ...                  inferenceProviderMapping={"hf-inference": {
        ...                      "providerId": "org/m", "status": "live", "task": "summarization"}})
        >>> s = summary_of(info)
        >>> s.license, s.providers[0].provider, s.serves("summarization")
        ('mit', 'hf-inference', True)

    """
    tags = tuple(info.tags or ())
    license_tag = next((t.split(":", 1)[1] for t in tags if t.startswith("license:")), None)
    card = getattr(info, "card_data", None)
    providers = tuple(
        ProviderStatus(
            provider=str(m.provider),
            provider_id=str(m.provider_id),
            task=str(m.task),
            status=str(m.status),
            also_tasks=also_tasks(str(m.provider), str(m.task), info.pipeline_tag, tags),
        )
        for m in (info.inference_provider_mapping or [])
    )
    return ModelSummary(
        id=info.id,
        task=info.pipeline_tag,
        downloads=info.downloads,
        likes=info.likes,
        license=license_tag or (getattr(card, "license", None) if card is not None else None),
        gated=info.gated or False,
        providers=providers,
    )


def _summary(info: Any) -> ModelSummary:
    """:func:`summary_of`, a shape error in the Hub's answer raised as :class:`HFResponseError`."""
    try:
        return summary_of(info)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        model = getattr(info, "id", None)
        raise HFResponseError(f"unexpected Hub answer for model {model!r}: {type(exc).__name__}: {exc}") from exc


def _api(settings: HFSettings) -> Any:
    from huggingface_hub import HfApi

    return HfApi(endpoint=settings.hub_endpoint, token=settings.resolved_token() or False, library_name="hf_tools")


def _bounded(work: Callable[[], T], seconds: float, what: str) -> T:
    """Run ``work`` in a daemon thread and give up after ``seconds`` (HfApi's listing has no timeout)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed over to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="hf-tools-hub", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise HFTimeoutError(f"the Hub did not answer {what} within {seconds}s")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def list_models(
    task: str,
    settings: HFSettings,
    *,
    search: str | None = None,
    provider: str | None = None,
    limit: int = 20,
    sort: Sort = "downloads",
) -> list[ModelSummary]:
    """Models with pipeline tag ``task`` served by ``provider`` (or by any provider).

    Raises:
        HFError: the Hub failed, timed out or could not be reached.

    """
    task = TaskRegistry.canonical(task)
    token = settings.resolved_token()

    def work() -> list[ModelSummary]:
        infos = _api(settings).list_models(
            pipeline_tag=task,
            search=search,
            inference_provider=provider or "all",
            sort=sort,
            limit=limit,
            expand=EXPAND,
        )
        return [_summary(info) for info in infos]

    try:
        return _bounded(work, settings.hub_timeout, f"the model listing for {task!r}")
    except HFError:
        raise
    except Exception as exc:
        raise map_error(exc, token=token) from exc


def fetch_model(model: str, settings: HFSettings) -> ModelSummary:
    """One model's summary, read from the Hub.

    Raises:
        HFModelNotFoundError: no such model (or it is private to others).
        HFError: the Hub failed, timed out or could not be reached.

    """
    token = settings.resolved_token()
    try:
        info = _api(settings).model_info(model, expand=EXPAND, timeout=settings.hub_timeout)
    except Exception as exc:
        raise map_error(exc, model=model, token=token) from exc
    return _summary(info)
