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

__all__ = ["CallHook", "PreparedCall", "RawBytes"]


@dataclass(frozen=True)
class RawBytes:
    """A call whose answer is the provider's own bytes (generated media), not a parsed object.

    The client builds the request with huggingface_hub's provider helper for ``task`` and keeps
    the bytes the provider served (driving a provider's job queue itself, see
    :mod:`hf_tools.jobs`), instead of the hub method's decoded object (e.g. a re-encoded PIL image).

    Attributes:
        task: the Hub task name the provider helpers know (``"text-to-video"``).
        inputs: the keyword argument that holds the task's inputs (``"prompt"``); every other
            keyword is a parameter, as in huggingface_hub's methods.

    Example:
        >>> from hf_tools import TASKS
        >>> spec = TASKS["text-to-image"]
        >>> spec.prepare(spec.coerce_input("a cat")).raw
        RawBytes(task='text-to-image', inputs='prompt')

    """

    task: str
    inputs: str


@dataclass(frozen=True)
class PreparedCall:
    """One ready client call: its keyword arguments, how to finish its raw result, and whether
    the answer is the provider's raw bytes (:class:`RawBytes`, from the task declaration).

    Example:
        >>> from hf_tools import TASKS
        >>> spec = TASKS["summarization"]
        >>> call = spec.prepare(spec.coerce_input("Some text."))
        >>> call.kwargs, call.raw
        ({'text': 'Some text.'}, None)

    """

    kwargs: dict[str, Any]
    finish: Callable[[Any], Any]
    raw: RawBytes | None = None


class CallHook(Protocol):
    """Per-call work beyond validation (e.g. reading media inputs, saving media outputs)."""

    def prepare(self, spec: TaskSpec, kwargs: dict[str, Any], settings: Any) -> PreparedCall: ...

    async def aprepare(self, spec: TaskSpec, kwargs: dict[str, Any], settings: Any) -> PreparedCall: ...
