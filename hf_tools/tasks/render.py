"""Small shared helpers that turn task outputs into short text for an LLM, or normalize them.

Renderers never raise: a field that is None, text where a number was expected, an empty
list or a NaN score still give readable text (:func:`number` formats what it can).

Example:
    >>> from hf_tools.tasks.render import number, answers
    >>> number(0.98765), number(None), number("high")
    ('0.99', '?', 'high')
    >>> answers([])
    'no answer'

"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def number(value: Any, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals if it is a number, ``?`` if missing, else as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.{digits}f}"
    return "?" if value is None else str(value)


def _items(output: Any) -> Iterable[Any]:
    return output if isinstance(output, (list, tuple)) else [output]


def answers(output: Any) -> str:
    """``'Paris' (score 0.91); ...`` for question-answering style outputs (no score when none is given)."""

    def one(item: Any) -> str:
        score = getattr(item, "score", None)
        return repr(getattr(item, "answer", None)) + ("" if score is None else f" (score {number(score)})")

    return "; ".join(one(item) for item in _items(output)) or "no answer"


def as_list(raw: Any) -> list[Any]:
    """One element or a list of them → a list (servers differ on single results)."""
    if isinstance(raw, list):
        if len(raw) == 1 and isinstance(raw[0], list):
            return raw[0]
        return raw
    return [raw]


def labels(items: list[Any]) -> str:
    """``POSITIVE (0.98), NEGATIVE (0.02)``."""
    return (
        ", ".join(f"{getattr(item, 'label', None)} ({number(getattr(item, 'score', None))})" for item in _items(items))
        or "no labels"
    )


def plain(output: Any) -> str:
    """A text output as is (``(empty)`` when it is blank)."""
    text = "" if output is None else str(output)
    return text if text.strip() else "(empty)"


def text_of(field: str) -> Callable[[Any], str]:
    """Render the one text field of an output (``(empty)`` when it is blank or missing)."""

    def render(output: Any) -> str:
        return plain(getattr(output, field, None))

    return render


def pairs(*fields: str) -> Callable[[Any], str]:
    """Render the named fields that are set, as ``field: value`` pairs."""

    def render(output: Any) -> str:
        found = "; ".join(f"{name}: {getattr(output, name)}" for name in fields if getattr(output, name, None))
        return found or "(empty)"

    return render
