"""The task registry: a read-only mapping from task name to :class:`TaskSpec`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from hf_tools.errors import HFInputError
from hf_tools.tasks.spec import TaskSpec

__all__ = ["TaskRegistry", "UnknownTaskError"]


class UnknownTaskError(HFInputError, KeyError):
    """No task of that name is registered."""

    def __str__(self) -> str:
        return self.message


class TaskRegistry(Mapping[str, TaskSpec]):
    """Tasks keyed by the Hub's names; ``snake_case`` and any letter case are accepted too.

    Example:
        >>> from hf_tools import TASKS
        >>> TASKS["text_classification"] is TASKS["text-classification"]
        True
        >>> "summarization" in TASKS
        True

    """

    def __init__(self) -> None:
        self._tasks: dict[str, TaskSpec] = {}

    @staticmethod
    def canonical(name: str) -> str:
        """The Hub spelling of a task name (``Text_Classification`` → ``text-classification``)."""
        return name.strip().lower().replace("_", "-")

    def register(self, spec: TaskSpec) -> TaskSpec:
        """Add a task; its name must be new."""
        key = self.canonical(spec.name)
        if key != spec.name:
            raise ValueError(f"task names use the Hub's spelling: {key!r}, not {spec.name!r}")
        if key in self._tasks:
            raise ValueError(f"task {key!r} is already registered")
        self._tasks[key] = spec
        return spec

    def __getitem__(self, name: str) -> TaskSpec:
        spec = self._tasks.get(name) if type(name) is str else None  # the Hub spelling, as runnables hold it
        if spec is not None:
            return spec
        try:
            return self._tasks[self.canonical(name)]
        except (KeyError, AttributeError):
            known = ", ".join(sorted(self._tasks))
            raise UnknownTaskError(f"unknown task {name!r}; known tasks: {known}") from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.canonical(name) in self._tasks

    def __iter__(self) -> Iterator[str]:
        return iter(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def __repr__(self) -> str:
        return f"TaskRegistry({sorted(self._tasks)})"
