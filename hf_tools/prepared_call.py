"""One ready client call, and the protocol of a task's per-call hook.

Kept apart from the task registry so that hooks (e.g. :mod:`hf_tools.media.hook`) can build
calls without importing the registry that imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from hf_tools.tasks.spec import TaskSpec

__all__ = ["CallHook", "PreparedCall"]


@dataclass(frozen=True)
class PreparedCall:
    """One ready client call: its keyword arguments and how to finish its raw result.

    Example:
        >>> from hf_tools import TASKS
        >>> spec = TASKS["summarization"]
        >>> spec.prepare(spec.coerce_input("Some text.")).kwargs
        {'text': 'Some text.'}

    """

    kwargs: dict[str, Any]
    finish: Callable[[Any], Any]


class CallHook(Protocol):
    """Per-call work beyond validation (e.g. reading media inputs, saving media outputs)."""

    def prepare(self, spec: TaskSpec, kwargs: dict[str, Any], settings: Any) -> PreparedCall: ...

    async def aprepare(self, spec: TaskSpec, kwargs: dict[str, Any], settings: Any) -> PreparedCall: ...
