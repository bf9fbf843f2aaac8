"""Agent tools over the Model Hub: find a model for a task, then run the task with it.

:class:`FindModelTool` lists models that inference providers serve for a task;
:class:`HFModelChoiceTool` runs a task with a model the agent chose (the pre-call model
check turns a wrong choice into a message the agent can act on). :func:`model_tools`
gives both kinds at once.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool, ToolException
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, field_validator

from hf_tools.errors import HFError, HFInputError, HFModelNotFoundError, HFTaskMismatchError
from hf_tools.hub import ModelSummary, find_models
from hf_tools.model_ids import check_model_id
from hf_tools.runnables import runnable
from hf_tools.settings import HFSettings
from hf_tools.tasks import TASKS
from hf_tools.tool_feedback import failure_line
from hf_tools.tools import HFBaseTool

__all__ = ["FindModelInput", "FindModelTool", "HFModelChoiceTool", "model_tools"]


class FindModelInput(BaseModel):
    """Arguments of :class:`FindModelTool`."""

    model_config = ConfigDict(extra="forbid")

    task: str = Field(
        min_length=1,
        max_length=100,
        description="The task, as the Hub names it, e.g. 'summarization' or 'text-classification'.",
    )
    search: str | None = Field(
        default=None, max_length=200, description="Only models whose id contains this text, e.g. 'bart'."
    )
    provider: str | None = Field(
        default=None, max_length=100, description="Only models this inference provider serves."
    )
    limit: int = Field(default=5, ge=1, le=20, description="At most this many models.")

    @field_validator("task", "search", "provider")
    @classmethod
    def _unicode_text(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("holds lone surrogates, which are not valid Unicode text") from None
        return value


class FindModelTool(HFBaseTool):
    """The "find a model for this task" tool: models an inference provider serves for a task, most used first.

    The content lists one model per line for the LLM; the artifact is the list of
    :class:`~hf_tools.hub.ModelSummary`. Arguments that fail its schema (``{"task": None}``)
    come back as an ``Invalid arguments: ...`` error message naming each field, as for every
    hf_tools tool (see :class:`~hf_tools.tools.HFBaseTool`).

    Example:
        >>> from hf_tools.testing.hub_server import LoopbackHub
        >>> with LoopbackHub() as hub:
        ...     finder = FindModelTool(settings=HFSettings(hub_endpoint=hub.endpoint))
        ...     msg = finder.invoke({"type": "tool_call", "id": "1", "name": finder.name,
        ...                          "args": {"task": "summarization", "limit": 1}})
        >>> msg.content.splitlines()[0]
        'facebook/bart-large-cnn [summarization] license mit; 3,000,000 downloads; providers: hf-inference (live)'
        >>> msg.artifact[0].id
        'facebook/bart-large-cnn'

    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str = "find_model"
    description: str = (
        "Find models on the Hugging Face Hub that inference providers serve for a task "
        f"(tasks: {', '.join(TASKS)}). Returns model ids, most downloaded first; pass one as "
        "'model' to a '<task>_with_model' tool."
    )
    args_schema: type[BaseModel] = FindModelInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool = True
    settings: HFSettings = Field(default_factory=HFSettings, exclude=True)

    def _find(self, task: str, search: str | None, provider: str | None, limit: int) -> tuple[str, list[ModelSummary]]:
        try:
            found = find_models(task, search=search, provider=provider, limit=limit, settings=self.settings)
        except HFError as exc:
            raise ToolException(f"the Hub could not be searched: {exc}") from exc
        served = [m for m in found if m.serves(task, provider)]
        if not served:
            where = f" matching {search!r}" if search else ""
            by = f" served by {provider!r}" if provider else ""
            return f"No model{where}{by} is served for task {task!r}.", []
        return "\n".join(_line(m, task) for m in served), served

    def _run(
        self,
        task: str,
        search: str | None = None,
        provider: str | None = None,
        limit: int = 5,
        *,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, list[ModelSummary]]:
        return self._find(task, search, provider, limit)

    async def _arun(
        self,
        task: str,
        search: str | None = None,
        provider: str | None = None,
        limit: int = 5,
        *,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, list[ModelSummary]]:
        return await asyncio.to_thread(self._find, task, search, provider, limit)


def _line(model: ModelSummary, task: str) -> str:
    details = []
    if model.gated:
        details.append("gated: request access on the Hub first")
    if model.license:
        details.append(f"license {model.license}")
    if model.downloads is not None:
        details.append(f"{model.downloads:,} downloads")
    providers = ", ".join(f"{p.provider} ({p.status})" for p in model.providers if p.answers(task))
    details.append(f"providers: {providers}")
    return f"{model.id} [{task}] " + "; ".join(details)


class HFModelChoiceTool(HFBaseTool):
    """A task tool whose ``model`` argument the agent chooses (e.g. from :class:`FindModelTool`).

    Its arguments are the task's input fields plus ``model``. ``model`` must be a Hub model
    id: a URL, a path or ``..`` is refused before any request (the agent's text never chooses
    where the token is sent; endpoint URLs come only from the program's settings). A model
    that cannot serve the task comes back as a message naming what the model does serve, so
    the agent can choose again; other errors are raised as usual.

    Example:
        >>> from hf_tools.testing import LoopbackServer
        >>> with LoopbackServer() as server:
        ...     summarize = HFModelChoiceTool.for_task("summarization", settings=HFSettings(base_url=server.base_url))
        ...     out = summarize.invoke({"model": "facebook/bart-large-cnn", "text": "Cats sleep. They eat."})
        >>> summarize.name, out
        ('summarization_with_model', 'Cats sleep.')

    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    task: str = Field(description="The task the tool runs.")
    settings: HFSettings = Field(default_factory=HFSettings, exclude=True)
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool = True
    handle_provider_errors: bool = True
    """As for :class:`~hf_tools.tools.HFTaskTool`: a failure that outlives the retries comes back as one line."""

    @classmethod
    def for_task(cls, task: str, *, settings: HFSettings | None = None) -> HFModelChoiceTool:
        """The tool for ``task``: named ``<task>_with_model``, with the task's arguments plus ``model``."""
        spec = TASKS[task]
        schema = create_model(
            spec.input_model.__name__ + "WithModel",
            __base__=spec.input_model,
            model=(
                Annotated[str, AfterValidator(check_model_id)],
                Field(description="The Hub model id to run ('org/name'), e.g. one returned by find_model."),
            ),
        )
        return cls(
            name=f"{spec.tool_name}_with_model",
            description=f"{spec.description} Runs the model given in 'model' (find one with find_model).",
            args_schema=schema,
            task=spec.name,
            settings=settings or HFSettings(),
        )

    def _call(self, model: str) -> Any:
        return runnable(self.task, model=check_model_id(model), settings=self.settings)

    def _run(
        self, model: str, *, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, Any]:
        task_runnable = self._call(model)
        try:
            output = task_runnable.run(kwargs)
        except (HFTaskMismatchError, HFModelNotFoundError) as exc:
            raise ToolException(str(exc)) from exc
        except HFError as exc:
            if isinstance(exc, HFInputError) or not self.handle_provider_errors:
                raise
            raise ToolException(failure_line(exc, self.task, model)) from exc
        return task_runnable.spec.render(output), output

    async def _arun(
        self, model: str, *, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, Any]:
        task_runnable = self._call(model)
        try:
            output = await task_runnable.arun(kwargs)
        except (HFTaskMismatchError, HFModelNotFoundError) as exc:
            raise ToolException(str(exc)) from exc
        except HFError as exc:
            if isinstance(exc, HFInputError) or not self.handle_provider_errors:
                raise
            raise ToolException(failure_line(exc, self.task, model)) from exc
        return task_runnable.spec.render(output), output


def model_tools(tasks: list[str] | None = None, **settings: Any) -> list[BaseTool]:
    """``find_model`` plus one ``<task>_with_model`` tool per task (default: every task).

    Args:
        tasks: task names; default every registered task.
        **settings: :class:`~hf_tools.settings.HFSettings` fields or ``settings=HFSettings(...)``.

    Example:
        >>> [t.name for t in model_tools(["summarization", "fill-mask"])]
        ['find_model', 'summarization_with_model', 'fill_mask_with_model']

    """
    base = settings.pop("settings", None) or HFSettings()
    merged = base.merged(**settings)
    chosen = [TASKS[t].name for t in (tasks if tasks is not None else list(TASKS))]
    return [FindModelTool(settings=merged), *(HFModelChoiceTool.for_task(t, settings=merged) for t in chosen)]
