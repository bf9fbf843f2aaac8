"""The Model Hub: find models for a task, see who serves them, read a model's card.

Look-ups run on ``huggingface_hub.HfApi`` against ``HFSettings.hub_endpoint`` (default:
``HF_ENDPOINT``, else https://huggingface.co), each bounded by ``HFSettings.hub_timeout``.
:mod:`hf_tools.hub.check` is the pre-call check that refuses a model that cannot serve a
Runnable's task.

Example:
    >>> import hf_tools
    >>> from hf_tools.testing.hub_server import LoopbackHub
    >>> with LoopbackHub() as hub:
    ...     found = hf_tools.find_models("summarization", hub_endpoint=hub.endpoint)
    ...     card = hf_tools.model_card("facebook/bart-large-cnn", hub_endpoint=hub.endpoint)
    >>> [m.id for m in found]
    ['facebook/bart-large-cnn', 'sshleifer/distilbart-cnn-12-6']
    >>> card.providers[0].provider, card.call_task
    ('hf-inference', 'summarization')
    >>> print(card.snippet.splitlines()[-2])
    summarization = hf_tools.runnable("summarization", model="facebook/bart-large-cnn")

"""

from __future__ import annotations

from typing import Any

from hf_tools.hub.lookup import Sort, fetch_model, list_models
from hf_tools.hub.results import ModelCard, ModelSummary, ProviderStatus
from hf_tools.hub.snippets import CHAT_TASK, snippet
from hf_tools.lazy import lazy_exports
from hf_tools.settings import HFSettings
from hf_tools.tasks import TASKS

# the agent tools run tasks (hf_tools.runnables, which uses the model check here): imported on first use
_TOOL_EXPORTS = {name: "hf_tools.hub.tools" for name in ("FindModelTool", "HFModelChoiceTool", "model_tools")}
__all__ = ["ModelCard", "ModelSummary", "ProviderStatus", "find_models", "model_card", *_TOOL_EXPORTS]
__getattr__, __dir__ = lazy_exports(__name__, globals(), _TOOL_EXPORTS)


def _settings(overrides: dict[str, Any]) -> HFSettings:
    base = overrides.pop("settings", None) or HFSettings()
    return base.merged(**overrides)


def find_models(
    task: str,
    *,
    search: str | None = None,
    provider: str | None = None,
    limit: int = 20,
    sort: Sort = "downloads",
    **settings: Any,
) -> list[ModelSummary]:
    """Models on the Hub for ``task`` that an inference provider serves, most downloaded first.

    Args:
        task: a Hub task name (``"summarization"``; ``snake_case`` works too).
        search: only models whose id contains this text.
        provider: only models this provider serves (default: any provider).
        limit: at most this many models.
        sort: ``"downloads"``, ``"likes"``, ``"trending_score"``, ``"created_at"`` or
            ``"last_modified"`` (descending).
        **settings: :class:`~hf_tools.settings.HFSettings` fields (``hub_endpoint``,
            ``hub_timeout``, ``token``, ...) or ``settings=HFSettings(...)``.

    Returns:
        One :class:`ModelSummary` per model; ``providers`` tells which providers serve it,
        for which task and with which status (``m.serves(task)`` checks it).

    Raises:
        HFError: the Hub failed, timed out or could not be reached.

    """
    return list_models(task, _settings(settings), search=search, provider=provider, limit=limit, sort=sort)


def model_card(model: str, **settings: Any) -> ModelCard:
    """A model's task, providers and status, its task's input and output, and a snippet.

    Args:
        model: a model id, e.g. ``"facebook/bart-large-cnn"``.
        **settings: :class:`~hf_tools.settings.HFSettings` fields or ``settings=HFSettings(...)``.

    Raises:
        HFModelNotFoundError: the Hub has no such model.
        HFError: the Hub failed, timed out or could not be reached.

    """
    summary = fetch_model(model, _settings(settings))
    task = _call_task(summary)
    spec = TASKS.get(task) if task else None
    return ModelCard(
        **summary.model_dump(),
        call_task=task,
        description=spec.description if spec else None,
        input_schema=spec.input_model.model_json_schema() if spec else None,
        output_schema=spec.output_adapter.json_schema() if spec else None,
        snippet=snippet(task, model),
    )


def _call_task(summary: ModelSummary) -> str | None:
    """The task to call the model with: a served one hf_tools has, else its pipeline tag."""
    for task in summary.served_tasks:
        if task in TASKS or task == CHAT_TASK:
            return task
    return summary.task
