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
from collections.abc import Callable
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


def _kind_check(annotation: Any) -> Callable[[Any], str | None] | None:
    """A check of a value against a simple ``annotation`` (text, number, list, nested output); None: anything fits."""
    origin = typing.get_origin(annotation) or annotation
    if annotation is str:
        return lambda value: None if isinstance(value, str) else f"should be text, not {type(value).__name__}"
    if annotation in (int, float):
        return lambda value: (
            None
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else f"should be a number, not {type(value).__name__}"
        )
    if annotation is bool:
        return lambda value: None if isinstance(value, bool) else f"should be true or false, not {type(value).__name__}"
    if origin is list:
        return lambda value: None if isinstance(value, list) else f"should be a list, not {type(value).__name__}"
    if dataclasses.is_dataclass(annotation):
        return lambda value: None if _is_output(value) else f"should be an object, not {type(value).__name__}"
    return None


def _is_output(value: Any) -> bool:
    """Whether ``value`` is a dataclass instance (a nested output), not a class."""
    return hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type)


# One rule per field of an output class: (name, None allowed, kind check or None).
_Rule = tuple[str, bool, Callable[[Any], str | None] | None]


@cache
def _rules(cls: type) -> tuple[_Rule, ...]:
    """The checks of ``cls``'s fields, worked out once per class."""
    hints = _hints(cls)
    rules = []
    for item in dataclasses.fields(cls):
        optional, annotation = _optional(hints.get(item.name, Any))
        rules.append((item.name, optional, _kind_check(annotation)))
    return tuple(rules)


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
    if not _is_output(value):
        return None
    kind: Any = type(value)
    for name, optional, check in _rules(kind):
        field_value = getattr(value, name, None)
        if field_value is None:
            if not optional and name not in may_lack:
                return f"{where}.{name} is missing" if where else f"{name} is missing"
            continue
        problem = None if check is None else check(field_value)
        if problem is not None:
            return f"{where}.{name} {problem}" if where else f"{name} {problem}"
        if isinstance(field_value, list) or _is_output(field_value):
            problem = shape_problem(field_value, f"{where}.{name}" if where else name, may_lack)
            if problem is not None:
                return problem
    return None
