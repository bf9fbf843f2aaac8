"""One generic Tool built from a task declaration, and :class:`HFToolkit`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool, BaseToolkit, ToolException
from pydantic import ConfigDict, Field

from hf_tools.runnables import HFTaskRunnable, runnable
from hf_tools.settings import HFSettings
from hf_tools.tasks import TASKS

__all__ = ["HFTaskTool", "HFToolkit", "tool"]


class HFTaskTool(BaseTool):
    """Any Inference API task as a LangChain Tool for agents.

    Its ``args_schema`` is the task's input model, validated before any request. It returns
    ``(content, artifact)``: short text for the LLM and the typed result for programs. Input
    refused after validation (:class:`~hf_tools.errors.HFInputError`) becomes an error message
    the model can read.

    Example:
        >>> from hf_tools import tool
        >>> from hf_tools.testing import LoopbackServer
        >>> with LoopbackServer() as server:
        ...     summarize = tool("summarization", base_url=server.base_url)
        ...     msg = summarize.invoke({"type": "tool_call", "id": "1", "name": summarize.name,
        ...                             "args": {"text": "Cats sleep a lot. They also eat."}})
        ...     msg.content, msg.artifact.summary_text
        ('Cats sleep a lot.', 'Cats sleep a lot.')

    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    runnable: HFTaskRunnable = Field(exclude=True)
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool | str | Callable[[ToolException], str] | None = True
    """Input the model can fix (e.g. refused media, a model that does not serve the task) comes
    back as an error ToolMessage; server failures raise the typed :mod:`hf_tools.errors`."""

    def _run(self, *, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any) -> tuple[str, Any]:
        output = self.runnable.run(kwargs)
        return self.runnable.spec.render(output), output

    async def _arun(
        self, *, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, Any]:
        output = await self.runnable.arun(kwargs)
        return self.runnable.spec.render(output), output


def tool(
    task: str,
    *,
    model: str | None = None,
    name: str | None = None,
    description: str | None = None,
    **settings: Any,
) -> HFTaskTool:
    """A typed Tool for ``task``.

    Args:
        task: a Hub task name.
        model: a model id or endpoint URL; defaults to the task's default model.
        name: the tool's name (default: the task name in snake_case).
        description: what the LLM is told the tool does (default: the task's description).
        **settings: any :class:`~hf_tools.settings.HFSettings` field.

    Example:
        >>> from hf_tools import tool
        >>> tool("fill-mask").name
        'fill_mask'

    """
    task_runnable = runnable(task, model=model, **settings)
    spec = task_runnable.spec
    return HFTaskTool(
        name=name or spec.tool_name,
        description=description or spec.description,
        args_schema=spec.input_model,
        runnable=task_runnable,
    )


class HFToolkit(BaseToolkit):
    """A set of task tools sharing one settings object.

    Example:
        >>> from hf_tools import HFToolkit
        >>> kit = HFToolkit(tasks=["summarization", "translation"],
        ...                 models={"translation": "Helsinki-NLP/opus-mt-en-de"})
        >>> [t.name for t in kit.get_tools()]
        ['summarization', 'translation']

    """

    tasks: list[str] = Field(default_factory=lambda: list(TASKS))
    models: dict[str, str] = Field(default_factory=dict)
    settings: HFSettings = Field(default_factory=HFSettings)

    def __init__(
        self,
        tasks: Iterable[str] | None = None,
        models: Mapping[str, str] | None = None,
        **settings: Any,
    ) -> None:
        base = settings.pop("settings", None) or HFSettings()
        names = [TASKS[t].name for t in (tasks if tasks is not None else list(TASKS))]
        chosen = {TASKS[k].name: v for k, v in (models or {}).items()}
        super().__init__(tasks=names, models=chosen, settings=base.merged(**settings))  # type: ignore[call-arg]

    def get_tools(self) -> list[BaseTool]:
        return [tool(task, model=self.models.get(task), settings=self.settings) for task in self.tasks]
