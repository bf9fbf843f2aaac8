"""Small shared helpers that turn task outputs into short text for an LLM, or normalize them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def as_list(raw: Any) -> list[Any]:
    """One element or a list of them → a list (servers differ on single results)."""
    if isinstance(raw, list):
        if len(raw) == 1 and isinstance(raw[0], list):
            return raw[0]
        return raw
    return [raw]


def labels(items: list[Any]) -> str:
    """``POSITIVE (0.98), NEGATIVE (0.02)``."""
    return ", ".join(f"{item.label} ({item.score:.2f})" for item in items) or "no labels"


def text_of(field: str) -> Callable[[Any], str]:
    """Render the one text field of an output."""

    def render(output: Any) -> str:
        return str(getattr(output, field))

    return render


def pairs(*fields: str) -> Callable[[Any], str]:
    """Render the named fields that are set, as ``field: value`` pairs."""

    def render(output: Any) -> str:
        return "; ".join(f"{name}: {getattr(output, name)}" for name in fields if getattr(output, name, None))

    return render
