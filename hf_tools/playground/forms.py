r"""The input form of a task, read from its input model: one :class:`FormField` per field.

Nothing here imports Gradio: a field says what kind of widget it needs (text, a number with its
bounds, a choice, lines, a table, JSON, an uploaded file) and turns what the widget holds back
into the value the task's input model validates. Validation itself stays the task's own
(:meth:`~hf_tools.tasks.TaskSpec.coerce_input`), so a bad value in the page is the same typed
error as in Python.

Example:
    >>> from hf_tools import TASKS
    >>> fields = form_fields(TASKS["zero-shot-classification"])
    >>> [(f.name, f.kind, f.required) for f in fields][:2]
    [('text', 'text', True), ('candidate_labels', 'lines', True)]
    >>> fields[1].initial
    'politics\nsport\ncooking'
    >>> fields[1].to_value("a\n b \n\n")
    ['a', 'b']

"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from hf_tools.errors import HFInputError
from hf_tools.media.source import MediaSource
from hf_tools.tasks import TaskSpec

__all__ = ["FieldKind", "FormField", "form_fields", "input_from_form", "media_kind_of"]

FieldKind = Literal["text", "int", "float", "bool", "choice", "lines", "table", "json", "image", "audio"]
"""What widget a field needs."""

_LONG_TEXT = frozenset({"text", "prompt", "context", "sentence"})


@dataclass(frozen=True)
class FormField:
    """One input field of a task, as a form shows it.

    Attributes:
        name: the input model's field name.
        kind: the widget it needs (see :data:`FieldKind`).
        required: whether the input model requires it.
        description: the field's description (the form's help text).
        initial: what the widget starts with (from the task's example), in the widget's own terms.
        choices: the allowed values of a ``choice`` field.
        minimum: the lower bound of a number, if any.
        maximum: the upper bound of a number, if any.
        text_cells: a table whose cells must all be text.

    Example:
        >>> from hf_tools import TASKS
        >>> top_k = [f for f in form_fields(TASKS["text-classification"]) if f.name == "top_k"][0]
        >>> top_k.kind, top_k.minimum, top_k.to_value(3.0)
        ('int', 1, 3)

    """

    name: str
    kind: FieldKind
    required: bool
    description: str
    initial: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    text_cells: bool = False

    @property
    def long(self) -> bool:
        """A text field worth several lines (the task's text or prompt)."""
        return self.kind == "text" and self.name in _LONG_TEXT

    def to_value(self, raw: Any) -> Any:
        """What the widget holds → the value for the input model (None: leave the field out).

        A required field left empty is passed on as empty, so the task's own validation names it.

        Raises:
            HFInputError: a JSON field does not hold JSON, a number is not finite.

        """
        value = self._convert(raw)
        if value is None and self.required:
            return "" if self.kind in ("text", "image", "audio") else value
        return value

    def _convert(self, raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip() and self.kind != "text"):
            return None
        if self.kind == "text":
            return raw if raw != "" else None
        if self.kind in ("int", "float"):
            number = float(raw)
            if not math.isfinite(number):
                raise HFInputError(f"{self.name}: {raw} is not a finite number")
            return int(number) if self.kind == "int" and number.is_integer() else number
        if self.kind == "bool":
            return {"true": True, "false": False}.get(str(raw).strip().lower())
        if self.kind == "choice":
            return str(raw)
        if self.kind == "lines":
            return [line.strip() for line in str(raw).splitlines() if line.strip()] or None
        if self.kind == "table":
            return _table_value(raw, text_cells=self.text_cells)
        if self.kind == "json":
            try:
                return json.loads(raw)
            except ValueError as exc:
                raise HFInputError(f"{self.name}: not valid JSON ({exc})") from None
        return _media_value(raw)


def _table_value(raw: Any, *, text_cells: bool) -> dict[str, list[Any]] | None:
    """A table widget's value (a pandas DataFrame or ``{"headers", "data"}``) → ``{column: [cell, ...]}``."""
    if hasattr(raw, "to_dict"):  # a pandas DataFrame
        columns: dict[str, list[Any]] = {str(k): list(v) for k, v in raw.to_dict(orient="list").items()}
    elif isinstance(raw, dict) and "headers" in raw:
        headers = [str(h) for h in raw["headers"]]
        rows = raw.get("data") or []
        columns = {h: [row[i] for row in rows] for i, h in enumerate(headers)}
    else:
        return typing.cast("dict[str, list[Any]] | None", raw)
    columns = {name: [_cell(c, text_cells) for c in cells] for name, cells in columns.items() if name.strip()}
    return columns or None


def _cell(value: Any, text: bool) -> Any:
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return "" if text else None
    if text:
        return value if isinstance(value, str) else str(value)
    return value


def _media_value(raw: Any) -> Any:
    """An uploaded file (a path, or a dict holding one) → its bytes; text (URL, path, data URI) as it is."""
    if isinstance(raw, dict):
        raw = raw.get("path") or raw.get("name")
    if hasattr(raw, "path"):
        raw = raw.path
    if isinstance(raw, Path):
        return raw.read_bytes()
    return raw


def media_kind_of(info: FieldInfo) -> Literal["image", "audio"] | None:
    """``"image"``/``"audio"`` for a media input field, else None."""
    if info.annotation is not MediaSource:
        return None
    params = (MediaSource, *info.metadata)
    annotated: Any = typing.Annotated[params]  # type: ignore[valid-type]
    source = TypeAdapter(annotated).validate_python(b"-")
    return "audio" if source.kind == "audio" else "image"


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    low: float | None = None
    high: float | None = None
    for item in info.metadata:
        if isinstance(item, (Ge, Gt)):
            low = float(item.ge if isinstance(item, Ge) else item.gt)  # type: ignore[arg-type]
        elif isinstance(item, (Le, Lt)):
            high = float(item.le if isinstance(item, Le) else item.lt)  # type: ignore[arg-type]
    return low, high


def _kind(name: str, info: FieldInfo) -> tuple[FieldKind, tuple[str, ...], bool]:
    media = media_kind_of(info)
    if media is not None:
        return media, (), False
    annotation = _unwrap_optional(info.annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is str:
        return "text", (), False
    if annotation is bool:
        return "bool", (), False
    if annotation is int:
        return "int", (), False
    if annotation is float:
        return "float", (), False
    if origin is Literal and all(isinstance(a, str) for a in args):
        return "choice", tuple(args), False
    if origin is list and args == (str,):
        return "lines", (), False
    if origin is dict and args and args[0] is str and typing.get_origin(args[1]) is list:
        return "table", (), typing.get_args(args[1]) == (str,)
    return "json", (), False


def _initial(kind: FieldKind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "lines":
        return "\n".join(str(v) for v in value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "json":
        return json.dumps(value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value)
    return value


def form_fields(spec: TaskSpec) -> list[FormField]:
    """The form of ``spec``'s input model, required fields first, each started from the task's example."""
    fields = []
    for name, info in spec.input_model.model_fields.items():
        kind, choices, text_cells = _kind(name, info)
        low, high = _bounds(info) if kind in ("int", "float") else (None, None)
        fields.append(
            FormField(
                name=name,
                kind=kind,
                required=info.is_required(),
                description=info.description or "",
                initial=_initial(kind, spec.example.get(name)),
                choices=choices,
                minimum=int(low) if low is not None and kind == "int" else low,
                maximum=int(high) if high is not None and kind == "int" else high,
                text_cells=text_cells,
            )
        )
    return sorted(fields, key=lambda f: not f.required)


def input_from_form(fields: list[FormField], values: list[Any]) -> dict[str, Any]:
    """The task input from the widgets' values (in ``fields`` order); unset options are left out.

    Example:
        >>> from hf_tools import TASKS
        >>> fields = form_fields(TASKS["text-classification"])
        >>> input_from_form(fields, ["Great!", None, ""])
        {'text': 'Great!'}

    """
    data: dict[str, Any] = {}
    for form_field, raw in zip(fields, values, strict=True):
        value = form_field.to_value(raw)
        if value is not None:
            data[form_field.name] = value
    return data
