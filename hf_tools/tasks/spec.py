"""What one task declaration holds, and the generic code every task shares."""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, model_validator

from hf_tools.errors import HFInputError, HFResponseError
from hf_tools.media.source import MediaSource
from hf_tools.prepared_call import CallHook, PreparedCall, RawBytes
from hf_tools.tasks.shape import shape_problem
from hf_tools.tasks.via_chat import ChatFallback

__all__ = ["CallHook", "PreparedCall", "TaskInput", "TaskSpec"]


class TaskInput(BaseModel):
    """Base of every task's input model: unknown fields are an error, not silently dropped.

    Every value must also be sendable as JSON: text with lone surrogates, NaN or infinite
    numbers, objects JSON cannot hold and data nested deeper than 64 levels are refused here,
    before any request (as :class:`~hf_tools.errors.HFInputError` from :meth:`TaskSpec.coerce_input`).

    Example:
        >>> from hf_tools import TASKS
        >>> TASKS["summarization"].coerce_input({"text": "Hi.", "generate_parameters": {"top_p": float("nan")}})
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hf_tools.errors.HFInputError: invalid input for task 'summarization': ...top_p: nan is not a finite number

    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _sendable_as_json(self) -> TaskInput:
        problem = json_problem(self, "", 0)
        if problem is not None:
            raise ValueError(problem)
        return self


_MAX_DEPTH = 64


def json_problem(value: Any, where: str = "", depth: int = 0) -> str | None:
    r"""Why ``value`` cannot be sent as JSON (``where`` names it), or None.

    Example:
        >>> json_problem({"text": "ok"}), json_problem({"text": "\ud800"})
        (None, 'text: holds lone surrogates, which are not valid Unicode text')

    """
    if _plainly_sendable(value) or isinstance(value, (bool, int)):
        return None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{where or 'text'}: holds lone surrogates, which are not valid Unicode text"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where or 'number'}: {value} is not a finite number"
    if depth >= _MAX_DEPTH:
        return f"{where or 'input'}: nested more than {_MAX_DEPTH} levels deep"
    items: Any
    if isinstance(value, BaseModel):  # its fields are in __dict__ (names are identifiers), extras beside
        fields = value.__dict__
        extra = value.model_extra
        if not extra and all(map(_plainly_sendable, fields.values())):
            return None
        items = [*fields.items(), *(extra or {}).items()]
    elif isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(enumerate(value))
    elif isinstance(value, MediaSource):  # the task's call hook reads and checks it
        return None
    else:
        return f"{where or 'input'}: a {type(value).__name__} cannot be sent as JSON"
    for key, item in items:
        if _plainly_sendable(key) and _plainly_sendable(item):
            continue
        name = f"{where}.{key}" if where else str(key)
        if not isinstance(key, (str, int)):
            return f"{name}: a {type(key).__name__} key cannot be sent as JSON"
        problem = json_problem(key, name, depth + 1) or json_problem(item, name, depth + 1)
        if problem is not None:
            return problem
    return None


def _plainly_sendable(value: Any) -> bool:
    """A quick yes for the common scalars (ASCII text, finite numbers, None); False: look closer."""
    kind = type(value)
    if kind is str:
        return bool(value.isascii())
    if kind is float:
        return math.isfinite(value)
    return value is None or kind is int or kind is bool


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class TaskSpec:
    """One Inference API task: everything the Runnable, Tool and CLI need.

    Attributes:
        name: the Hub's task name, e.g. ``"text-classification"``.
        description: what the task does, written for an LLM choosing a tool.
        input_model: pydantic model of the arguments; field names are the keyword names of
            the ``InferenceClient`` method, and the first field takes a plain input value.
        output_type: the type the task returns (huggingface_hub's typed outputs).
        method: the ``InferenceClient``/``AsyncInferenceClient`` method to call.
        defaults: the default model candidates, best first; the first is the documented
            default. With no model given, a routed call takes the first one an Inference
            Provider serves (see :mod:`hf_tools.routing`); with ``base_url`` the first one.
        render: turns an output into short text for an LLM.
        normalize: folds server quirks into ``output_type`` (e.g. a TEI flat list).
        streams: whether the method supports ``stream=True``.
        example: a valid input, as tool arguments (used by docs, the demo and tests).
        via_chat: how the task is answered through a chat model when no provider serves
            it directly (text-generation; image-to-text, visual and document QA), or None.
        hook: optional per-call work with the caller's settings (see :class:`CallHook`);
            without one, the validated fields are the call's keyword arguments.
        raw_bytes: the answer is the provider's own bytes (generated images and videos): the
            prepared call says so (:attr:`PreparedCall.raw`) and the client keeps the bytes the
            provider served instead of the hub method's decoded object.

    Example:
        >>> from hf_tools import TASKS
        >>> spec = TASKS["text-classification"]
        >>> spec.coerce_input("I love it").text
        'I love it'
        >>> spec.method
        'text_classification'

    """

    name: str
    description: str
    input_model: type[TaskInput]
    output_type: Any
    method: str
    defaults: tuple[str, ...]
    render: Callable[[Any], str]
    normalize: Callable[[Any], Any] = field(default=_identity)
    streams: bool = False
    example: dict[str, Any] = field(default_factory=dict)
    hook: CallHook | None = None
    via_chat: ChatFallback | None = None
    raw_bytes: bool = False

    def __post_init__(self) -> None:
        if not self.defaults:
            raise ValueError(f"task {self.name!r} declares no default model")
        object.__setattr__(self, "render", _never_raises(self.render, self.name))

    @property
    def default_model(self) -> str:
        """The documented default model (the first candidate)."""
        return self.defaults[0]

    @property
    def tool_name(self) -> str:
        """A tool name an LLM API accepts (``text_classification``)."""
        return self.name.replace("-", "_")

    @cached_property
    def primary_field(self) -> str:
        """The field a plain (non-dict) input value is assigned to."""
        return next(iter(self.input_model.model_fields))

    @cached_property
    def output_adapter(self) -> TypeAdapter[Any]:
        """A pydantic adapter for ``output_type`` (JSON schema, validation, dumping)."""
        return TypeAdapter(self.output_type)

    def with_options(self, value: Any, options: dict[str, Any]) -> Any:
        """``value`` with ``options`` (``.bind(...)`` or ``invoke`` keywords) filled into its fields.

        The input's own values win over the options; the result is validated later by
        :meth:`coerce_input`.

        Raises:
            HFInputError: an option is not a field of the task's input.

        Example:
            >>> from hf_tools import TASKS
            >>> TASKS["summarization"].with_options("Long text.", {"generate_parameters": {"max_new_tokens": 5}})
            {'generate_parameters': {'max_new_tokens': 5}, 'text': 'Long text.'}

        """
        if not options:
            return value
        fields = self.input_model.model_fields
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise HFInputError(
                f"task {self.name!r} has no input field {', '.join(map(repr, unknown))} (given to .bind or invoke);"
                f" its fields are: {', '.join(fields)}"
            )
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_none=True)
        elif not isinstance(value, dict):
            value = {self.primary_field: value}
        return {**options, **value}

    def coerce_input(self, value: Any) -> TaskInput:
        """Turn a plain value, a dict or an input model into a validated input model.

        Raises:
            HFInputError: the value does not fit the task's input model.

        """
        if isinstance(value, self.input_model):
            return value
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_none=True)
        if not isinstance(value, dict):
            value = {self.primary_field: value}
        try:
            return self.input_model.model_validate(value)
        except ValidationError as exc:
            raise HFInputError(f"invalid input for task {self.name!r}: {_short(exc)}") from exc
        except UnicodeError as exc:  # pydantic-core cannot even read a key with a lone surrogate
            raise HFInputError(
                f"invalid input for task {self.name!r}: it holds lone surrogates, which are not valid Unicode text"
            ) from exc

    def call_kwargs(self, data: TaskInput) -> dict[str, Any]:
        """Keyword arguments for the client method (unset options are left out)."""
        return data.model_dump(exclude_none=True)

    def prepare(self, data: TaskInput, settings: Any = None) -> PreparedCall:
        """The client call for validated ``data`` (``settings`` reach the task's hook)."""
        if self.hook is None:
            return self._answer_kind(PreparedCall(self.call_kwargs(data), self.finish))
        return self._answer_kind(self.hook.prepare(self, self.call_kwargs(data), settings))

    async def aprepare(self, data: TaskInput, settings: Any = None) -> PreparedCall:
        """Async :meth:`prepare` (a hook may do I/O, e.g. fetch a URL)."""
        if self.hook is None:
            return self._answer_kind(PreparedCall(self.call_kwargs(data), self.finish))
        return self._answer_kind(await self.hook.aprepare(self, self.call_kwargs(data), settings))

    def _answer_kind(self, call: PreparedCall) -> PreparedCall:
        """``call``, saying whether its answer is the provider's raw bytes (see ``raw_bytes``)."""
        if not self.raw_bytes or call.raw is not None:
            return call
        return dataclasses.replace(call, raw=RawBytes(task=self.name, inputs=self.primary_field))

    def finish(self, raw: Any) -> Any:
        """Normalize a raw client result into ``output_type`` and check its shape.

        Raises:
            HFResponseError: the answer cannot be normalized, or a required field is missing
                or of the wrong kind (see :mod:`hf_tools.tasks.shape`), e.g. ``{}`` from a server.

        """
        try:
            output = self.normalize(raw)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise HFResponseError(f"unexpected {self.name} response: {exc}") from exc
        problem = shape_problem(output, may_lack=self.via_chat.may_lack if self.via_chat else frozenset())
        if problem is not None:
            raise HFResponseError(f"unexpected {self.name} response: {problem}")
        return output


def _never_raises(render: Callable[[Any], str], task: str) -> Callable[[Any], str]:
    """``render``, but a failure gives a plain description (and a warning) instead of an exception.

    A tool's answer to the model must not crash the agent run over a formatting problem.
    """
    if getattr(render, "__wrapped__", None) is not None and getattr(render, "_hf_safe", False):
        return render

    @functools.wraps(render)
    def safe(output: Any) -> str:
        try:
            text = render(output)
        except Exception as exc:  # noqa: BLE001 - a renderer bug must not crash an agent run
            logging.getLogger("hf_tools").warning("hf_tools: cannot render a %s result: %r", task, exc)
            return f"a {task} result ({type(output).__name__}) that could not be shown as text"
        return text if isinstance(text, str) else str(text)

    safe._hf_safe = True  # type: ignore[attr-defined]
    return safe


def _short(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{'.'.join(str(p) for p in err['loc'])}: {message}" if err["loc"] else message)
    return "; ".join(parts)
