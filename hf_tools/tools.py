"""One generic Tool built from a task declaration, and :class:`HFToolkit`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool, BaseToolkit, ToolException
from pydantic import ConfigDict, Field

from hf_tools.errors import HFError, HFInputError
from hf_tools.runnables import HFTaskRunnable, runnable
from hf_tools.settings import HFSettings, refuse_unknown_settings
from hf_tools.tasks import TASKS
from hf_tools.tool_feedback import display_path, failure_line, invalid_arguments, media_roots, scrub_paths
from hf_tools.tool_output import find_media

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
    back as an error ToolMessage, with paths shown relative to their folder."""
    handle_validation_error: bool | str | Any = invalid_arguments
    """Arguments that fail the schema come back as an error ToolMessage naming each field and why."""
    handle_provider_errors: bool = True
    """A provider failure that outlives the retries (5xx, 429, timeout, 401, ...) comes back to the
    model as one line (task, model, status, whether retrying later may help); False raises the
    typed :mod:`hf_tools.errors` instead, for programs that handle them."""

    def _run(self, *, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any) -> tuple[str, Any]:
        try:
            output = self.runnable.run(kwargs)
        except HFError as exc:
            raise self._for_model(exc) from exc
        return self._content(output), output

    async def _arun(
        self, *, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> tuple[str, Any]:
        try:
            output = await self.runnable.arun(kwargs)
        except HFError as exc:
            raise self._for_model(exc) from exc
        return self._content(output), output

    def _content(self, output: Any) -> str:
        """The short text for the model, with saved media shown relative to its folder.

        Only the paths of saved media are rewritten: the rest is the task's output (a generated
        text may well hold a path of its own).
        """
        text = self.runnable.spec.render(output)
        for media in find_media(output):
            if media.path and media.path in text:
                text = text.replace(media.path, display_path(media.path, media_roots(self.runnable.settings)))
        return text

    def _for_model(self, exc: HFError) -> Exception:
        """What reaches the agent: a message it can act on, or the typed error for programs."""
        if isinstance(exc, HFInputError):
            if self.handle_tool_error is True:
                return ToolException(scrub_paths(str(exc), media_roots(self.runnable.settings)))
            return exc
        if self.handle_provider_errors:
            return ToolException(failure_line(exc, self.runnable.spec.name, self.runnable.target_model))
        return exc


def tool(
    task: str,
    *,
    model: str | None = None,
    name: str | None = None,
    description: str | None = None,
    handle_provider_errors: bool = True,
    **settings: Any,
) -> HFTaskTool:
    """A typed Tool for ``task``.

    Args:
        task: a Hub task name.
        model: a model id or endpoint URL; defaults to the task's default model.
        name: the tool's name (default: the task name in snake_case).
        description: what the LLM is told the tool does (default: the task's description).
        handle_provider_errors: a failure that outlives the retries comes back to the model as
            one line (default); False raises the typed error.
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
        handle_provider_errors=handle_provider_errors,
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
    handle_provider_errors: bool = True

    def __init__(
        self,
        tasks: Iterable[str] | None = None,
        models: Mapping[str, str] | None = None,
        *,
        handle_provider_errors: bool = True,
        **settings: Any,
    ) -> None:
        base = settings.pop("settings", None) or HFSettings()
        refuse_unknown_settings(settings)
        names = [TASKS[t].name for t in (tasks if tasks is not None else list(TASKS))]
        chosen = {TASKS[k].name: v for k, v in (models or {}).items()}
        super().__init__(  # type: ignore[call-arg]
            tasks=names,
            models=chosen,
            settings=base.merged(**settings),
            handle_provider_errors=handle_provider_errors,
        )

    def get_tools(self) -> list[BaseTool]:
        return [
            tool(
                task,
                model=self.models.get(task),
                settings=self.settings,
                handle_provider_errors=self.handle_provider_errors,
            )
            for task in self.tasks
        ]
