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

__all__ = ["AnswerHook", "CallHook", "PreparedCall", "RawBytes", "check_count"]


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


class AnswerHook:
    """Base of the hooks that only work on the answer (nothing to read or await before the call).

    A subclass implements :meth:`finisher`; :meth:`prepare` and :meth:`aprepare` follow from it.

    Example:
        >>> from hf_tools import TASKS
        >>> class TwoGuesses(AnswerHook):
        ...     def finisher(self, spec, kwargs):
        ...         return lambda output: check_count(spec.name, output, 2, "guess", "request")
        >>> call = TwoGuesses().prepare(TASKS["fill-mask"], {"text": "a [MASK]"}, None)
        >>> call.finish([{"score": 0.9, "token": 1, "token_str": "cat", "sequence": "a cat"}])
        Traceback (most recent call last):
        ...
        hf_tools.errors.HFResponseError: unexpected fill-mask response: 1 guess(s) for 2 request(s)

    """

    def finisher(self, spec: TaskSpec, kwargs: dict[str, Any]) -> Callable[[Any], Any]:
        """What turns the task's parsed answer into the output (``kwargs`` may be edited: e.g. drop a local option)."""
        raise NotImplementedError

    def prepare(self, spec: TaskSpec, kwargs: dict[str, Any], settings: Any) -> PreparedCall:
        check = self.finisher(spec, kwargs)
        return PreparedCall(kwargs, lambda raw: check(spec.finish(raw)))

    async def aprepare(self, spec: TaskSpec, kwargs: dict[str, Any], settings: Any) -> PreparedCall:
        return self.prepare(spec, kwargs, settings)


def check_count(task: str, output: Any, expected: int, items: str, per: str) -> Any:
    """``output`` if it holds ``expected`` items, else :class:`~hf_tools.errors.HFResponseError` naming both counts."""
    if len(output) != expected:
        from hf_tools.errors import HFResponseError

        raise HFResponseError(f"unexpected {task} response: {len(output)} {items}(s) for {expected} {per}(s)")
    return output
