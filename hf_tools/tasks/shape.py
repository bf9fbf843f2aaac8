"""Check that a task's normalized output has the shape its types promise.

huggingface_hub parses answers into its typed output dataclasses without checking them: a
``{}`` answer becomes an object whose every field is None. :func:`shape_problem` walks an
output (lists, nested dataclasses) and names the first required field that is missing or of
the wrong kind, so such an answer is refused as an ``HFResponseError`` instead of reaching a
program or a renderer.

Example:
    >>> from huggingface_hub import QuestionAnsweringOutputElement
    >>> from hf_tools.tasks.shape import shape_problem
    >>> shape_problem([QuestionAnsweringOutputElement(answer="Paris", score=0.9, start=0, end=5)]) is None
    True
    >>> shape_problem([QuestionAnsweringOutputElement.parse_obj_as_instance({"answer": "Paris"})])
    '[0].end is missing'
    >>> odd = {"answer": 3, "score": 1, "start": 0, "end": 1}
    >>> shape_problem(QuestionAnsweringOutputElement.parse_obj_as_instance(odd))
    'answer should be text, not int'

"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any

__all__ = ["shape_problem"]


@cache
def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 - unresolvable annotations: check presence only
        return {f.name: Any for f in dataclasses.fields(cls)}


def _optional(annotation: Any) -> tuple[bool, Any]:
    """(whether None is allowed, the annotation without None)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        return len(rest) < len(args), (rest[0] if len(rest) == 1 else Any)
    return False, annotation


def _kind_problem(value: Any, annotation: Any) -> str | None:
    """Why ``value`` does not fit a simple ``annotation`` (text, number, list, nested output), or None."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    origin = typing.get_origin(annotation) or annotation
    if annotation is str and not isinstance(value, str):
        return f"should be text, not {type(value).__name__}"
    if annotation in (int, float) and not number:
        return f"should be a number, not {type(value).__name__}"
    if annotation is bool and not isinstance(value, bool):
        return f"should be true or false, not {type(value).__name__}"
    if origin is list and not isinstance(value, list):
        return f"should be a list, not {type(value).__name__}"
    if dataclasses.is_dataclass(annotation) and not dataclasses.is_dataclass(value):
        return f"should be an object, not {type(value).__name__}"
    return None


def shape_problem(value: Any, where: str = "", may_lack: frozenset[str] = frozenset()) -> str | None:
    """The first required field missing or of the wrong kind in ``value``, or None if it is whole.

    Fields named in ``may_lack`` may be None (e.g. the scores a chat model cannot give).
    """
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = shape_problem(item, f"{where}[{index}]", may_lack)
            if problem is not None:
                return problem
        return None
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return None
    hints = _hints(type(value))
    for item in dataclasses.fields(value):
        name = f"{where}.{item.name}" if where else item.name
        field_value = getattr(value, item.name, None)
        optional, annotation = _optional(hints.get(item.name, Any))
        if field_value is None:
            if not optional and item.name not in may_lack:
                return f"{name} is missing"
            continue
        problem = _kind_problem(field_value, annotation)
        if problem is not None:
            return f"{name} {problem}"
        problem = shape_problem(field_value, name, may_lack)
        if problem is not None:
            return problem
    return None
