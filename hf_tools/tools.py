"""One generic Tool built from a task declaration, :class:`HFToolkit`, and the base of every hf_tools tool."""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, BaseToolkit, ToolException
from langchain_core.tools.base import FILTERED_ARGS
from pydantic import ConfigDict, Field

from hf_tools.errors import HFError, HFInputError
from hf_tools.runnables import HFTaskRunnable, runnable
from hf_tools.settings import HFSettings, refuse_unknown_settings
from hf_tools.tasks import TASKS
from hf_tools.tool_feedback import display_path, failure_line, invalid_arguments, media_roots, scrub_paths
from hf_tools.tool_output import find_media

__all__ = ["MAX_ARGUMENT_DEPTH", "HFBaseTool", "HFTaskTool", "HFToolkit", "tool"]

MAX_ARGUMENT_DEPTH = 64
"""Tool arguments nested deeper than this are refused (no task takes more than a few levels)."""


class _Refused(dict[str, Any]):
    """Arguments refused before LangChain reads them; the reason is given back as an error message."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def copy(self) -> _Refused:  # type: ignore[override]  # LangChain copies a tool call's args
        return self


def _too_deep(value: Any, limit: int = MAX_ARGUMENT_DEPTH) -> str | None:
    """The top-level argument nested more than ``limit`` levels deep in ``value``, or None.

    Walked without recursion: the point is to refuse what recursive code cannot even print.
    """
    pending: list[tuple[Any, int, str]] = [(value, 0, "")]
    seen: set[int] = set()
    while pending:
        current, depth, where = pending.pop()
        if isinstance(current, dict):
            items: Iterable[tuple[Any, Any]] = current.items()
        elif isinstance(current, (list, tuple, set, frozenset)):
            items = enumerate(current)
        else:
            continue
        if depth >= limit:
            return where or "arguments"
        if id(current) in seen:
            continue
        seen.add(id(current))
        for key, item in items:
            pending.append((item, depth + 1, where or str(key)[:40]))
    return None


def _resolve_annotations(cls: type) -> None:
    """Write the annotations of ``cls``'s own ``_run``/``_arun`` as the objects they name.

    LangChain reads them on every call (``get_type_hints``, looking for a ``RunnableConfig``
    parameter); as written (strings, this package uses postponed evaluation) each read compiles
    and evaluates them anew. Resolved once here, a read is a dictionary walk.
    """
    for name in ("_run", "_arun"):
        function = cls.__dict__.get(name)
        if callable(function) and hasattr(function, "__annotations__"):
            with contextlib.suppress(NameError, TypeError):  # a name only a type checker sees: left as written
                function.__annotations__ = typing.get_type_hints(function, include_extras=True)


_LEFT_OUT: dict[tuple[type, type], frozenset[str]] = {}
"""{(tool class, argument schema): the names LangChain's injected-argument filter leaves out}."""


class HFBaseTool(BaseTool):
    """The base of every hf_tools tool: any call ends as a result, an error message or a typed error.

    LangChain's own tool code fails with untyped errors on some malformed calls before a
    tool's code runs; here every call is checked first:

    * a plain string fills the first argument (as for the task's Runnable), also as a tool
      call's ``args``;
    * a tool call without ``args`` (or with ``None``) has no arguments, one without an ``id``
      answers without a ToolMessage (as LangChain does for ``id: None``), a numeric ``id`` is
      taken as text;
    * arguments that are not an object, or nested more than :data:`MAX_ARGUMENT_DEPTH` levels
      deep, come back as an ``Invalid arguments: ...`` error message, as schema errors do;
    * a tool call whose ``id`` is neither text nor a number raises
      :class:`~hf_tools.errors.HFInputError` (it is the program's mistake, not the model's).

    Example:
        >>> from hf_tools import tool
        >>> classify = tool("text-classification")
        >>> msg = classify.invoke({"type": "tool_call", "id": "1", "name": classify.name, "args": 3})
        >>> msg.status, msg.content.removesuffix(" Fix them and try again.")
        ('error', 'Invalid arguments: arguments: should be an object of named arguments, not int.')
        >>> deep: Any = "x"
        >>> for _ in range(3000):
        ...     deep = {"a": deep}
        >>> msg = classify.invoke({"type": "tool_call", "id": "2", "name": classify.name, "args": {"text": deep}})
        >>> msg.status, msg.content
        ('error', 'Invalid arguments: text: nested more than 64 levels deep. Fix them and try again.')

    """

    handle_validation_error: bool | str | Any = invalid_arguments
    """Arguments that fail the schema come back as an error ToolMessage naming each field and why."""

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return super().invoke(self._checked_call(input), config, **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return await super().ainvoke(self._checked_call(input), config, **kwargs)

    def run(self, tool_input: Any, *args: Any, **kwargs: Any) -> Any:
        return super().run(self._checked_input(tool_input), *args, **kwargs)

    async def arun(self, tool_input: Any, *args: Any, **kwargs: Any) -> Any:
        return await super().arun(self._checked_input(tool_input), *args, **kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _resolve_annotations(cls)

    def _filter_injected_args(self, tool_input: dict[str, Any]) -> dict[str, Any]:
        """LangChain's filter of injected arguments, with the names it leaves out found once per schema.

        LangChain reads every annotation of the argument schema on each call to find them; they
        depend only on the tool's class and schema.
        """
        schema = self.args_schema
        if not isinstance(schema, type):
            return super()._filter_injected_args(tool_input)
        key = (type(self), schema)
        left_out = _LEFT_OUT.get(key)
        if left_out is None:
            fields = getattr(schema, "model_fields", None) or getattr(schema, "__fields__", {})
            probe = dict.fromkeys([*FILTERED_ARGS, *self._injected_args_keys, *fields])
            left_out = frozenset(probe.keys() - super()._filter_injected_args(probe).keys())
            if len(_LEFT_OUT) > 1024:  # tools made from many throw-away schemas
                _LEFT_OUT.clear()
            _LEFT_OUT[key] = left_out
        return {name: value for name, value in tool_input.items() if name not in left_out}

    def _checked_call(self, value: Any) -> Any:
        """A tool call LangChain can read (the input unchanged if it is not a tool call)."""
        if not (isinstance(value, dict) and value.get("type") == "tool_call"):
            return value
        call_id = value.get("id")
        if isinstance(call_id, (int, float, UUID)):
            call_id = str(call_id)
        elif call_id is not None and not isinstance(call_id, str):
            raise HFInputError(f"a tool call's id must be text, not {type(call_id).__name__}")
        args = value.get("args")
        if args is None:
            args = {}
        elif isinstance(args, str):
            args = self._first_field(args)
        elif not isinstance(args, dict):
            args = _Refused(f"arguments: should be an object of named arguments, not {type(args).__name__}")
        return {**value, "id": call_id, "args": args}

    def _checked_input(self, value: Any) -> Any:
        """The arguments, or a refusal for arguments LangChain's own code cannot even print."""
        if isinstance(value, _Refused):
            return value
        if isinstance(value, str):
            return self._first_field(value)
        where = _too_deep(value)
        if where is not None:
            return _Refused(f"{where}: nested more than {MAX_ARGUMENT_DEPTH} levels deep")
        return value

    def _first_field(self, text: str) -> str | dict[str, Any]:
        schema = self.args_schema
        fields = getattr(schema, "model_fields", None)
        if not isinstance(schema, type) or not fields:
            return text
        return {next(iter(fields)): text}

    def _parse_input(self, tool_input: str | dict[str, Any], tool_call_id: str | None) -> str | dict[str, Any]:
        if isinstance(tool_input, _Refused):
            raise HFInputError(f"Invalid arguments: {tool_input.reason}. Fix them and try again.")
        try:
            return super()._parse_input(tool_input, tool_call_id)
        except UnicodeError:  # pydantic-core cannot even read a key with a lone surrogate
            raise HFInputError(
                "Invalid arguments: arguments: hold lone surrogates, which are not valid Unicode text."
                " Fix them and try again."
            ) from None


class HFTaskTool(HFBaseTool):
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
        merged = base.merged(**settings)
        merged.refuse_provider_ordering("HFToolkit")
        super().__init__(  # type: ignore[call-arg]
            tasks=names,
            models=chosen,
            settings=merged,
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
