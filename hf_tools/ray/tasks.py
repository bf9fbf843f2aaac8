"""Any Inference API task over a Ray Dataset: :func:`map_task`.

Each worker is a Ray actor holding one task Runnable and one event loop; every block of rows
goes through the Runnable's ``abatch`` (native async, the usual retries and deadline), with at
most ``max_concurrency`` requests in flight per worker and at most ``concurrency`` workers: so
never more than ``concurrency * max_concurrency`` requests in flight for the whole job,
however large the cluster.

Typed outputs become columns: the scalar fields of the task's output type (for a list output,
of its first, best element: ``label``/``score`` for classification), plus ``output`` with the
whole result as JSON. A row whose call failed keeps its input, gets ``None`` outputs and the
error text (``HFServerError: ...``) in the error column; ``fail_fast=True`` fails the job instead.

Example (not run here: it starts Ray)::

    import ray
    from hf_tools.ray import map_task

    ds = ray.data.from_items([{"text": "I love it"}, {"text": "I hate it"}])
    out = map_task(ds, "text-classification", concurrency=2, max_concurrency=8)
    out.take_all()  # [{"text": ..., "label": "POSITIVE", "score": 0.99, "output": "[...]", "error": None}, ...]
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import typing
from collections.abc import Mapping
from typing import Any

from hf_tools.errors import HFInputError
from hf_tools.ray.runtime import init_ray, ray_data

__all__ = ["TaskWorker", "map_task", "output_columns", "to_plain"]

_SCALARS = (str, int, float, bool)


def _element_type(output_type: Any) -> Any:
    """``X`` for ``list[X]``, else the type itself."""
    if typing.get_origin(output_type) is list:
        args = typing.get_args(output_type)
        return args[0] if args else Any
    return output_type


def _is_scalar_annotation(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return any(name in annotation for name in ("str", "int", "float", "bool")) and "list" not in annotation.lower()
    if annotation in _SCALARS:
        return True
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return bool(args) and all(a in _SCALARS for a in args)


def output_columns(task: str) -> list[str]:
    """The typed columns :func:`map_task` adds for ``task`` (besides ``output`` and the error column).

    Example:
        >>> output_columns("text-classification"), output_columns("summarization")
        (['label', 'score'], ['summary_text'])

    """
    from hf_tools.tasks import TASKS

    element = _element_type(TASKS[task].output_type)
    if dataclasses.is_dataclass(element):
        return [f.name for f in dataclasses.fields(element) if _is_scalar_annotation(f.type)]
    fields = getattr(element, "model_fields", None)
    if isinstance(fields, dict):
        return [name for name, info in fields.items() if _is_scalar_annotation(info.annotation)]
    return []


def to_plain(value: Any) -> Any:
    """A task result as JSON-ready data (dataclasses and pydantic models as dicts, bytes dropped)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return to_plain(value.model_dump(exclude={"data"}))
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _row_columns(value: Any, columns: list[str]) -> dict[str, Any]:
    plain = to_plain(value)
    head = plain[0] if isinstance(plain, list) and plain and isinstance(plain[0], dict) else plain
    out = {name: (head.get(name) if isinstance(head, dict) else None) for name in columns}
    out["output"] = json.dumps(plain, ensure_ascii=False)
    return out


class TaskWorker:
    """A Ray Data callable class: one task Runnable and one event loop per worker.

    Args:
        task: the task name.
        model: model id or endpoint URL (the task's default model otherwise).
        column: the input column (its value fills the task's first field), or a mapping of task
            field → column for tasks with several fields (question-answering).
        parameters: task parameters added to every input (``{"top_k": 3}``).
        max_concurrency: requests in flight in this worker.
        fail_fast: raise the first failure instead of keeping it in the error column.
        error_column / prefix: names of the error column and a prefix for the output columns.
        settings: :class:`~hf_tools.settings.HFSettings` fields (``base_url``, ``max_retries``, ...).

    """

    def __init__(
        self,
        task: str,
        *,
        model: str | None = None,
        column: str | Mapping[str, str] = "text",
        parameters: Mapping[str, Any] | None = None,
        max_concurrency: int = 8,
        fail_fast: bool = False,
        error_column: str = "error",
        prefix: str = "",
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        import numpy  # noqa: F401 - import before fanning out (huggingface_hub 1.x lazy-import race)

        from hf_tools.runnables import runnable

        self.runnable = runnable(task, model=model, **dict(settings or {}))
        self.column = column
        self.parameters = dict(parameters or {})
        self.max_concurrency = max_concurrency
        self.fail_fast = fail_fast
        self.error_column = error_column
        self.prefix = prefix
        self.columns = output_columns(task)
        self.loop = asyncio.new_event_loop()

    def _inputs(self, batch: Mapping[str, Any], size: int) -> list[Any]:
        def value(v: Any) -> Any:
            return v.item() if hasattr(v, "item") and getattr(v, "ndim", 1) == 0 else v

        if isinstance(self.column, str):
            values = [value(v) for v in batch[self.column]]
            if not self.parameters:
                return values
            first = next(iter(self.runnable.spec.input_model.model_fields))
            return [{first: v, **self.parameters} for v in values]
        return [
            {field: value(batch[col][i]) for field, col in self.column.items()} | self.parameters for i in range(size)
        ]

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        """Run the task over one block of rows; returns the block with the output columns added."""
        size = len(next(iter(batch.values()))) if batch else 0
        inputs = self._inputs(batch, size)
        results = self.loop.run_until_complete(
            self.runnable.abatch(
                inputs, {"max_concurrency": self.max_concurrency}, return_exceptions=not self.fail_fast
            )
        )
        new: dict[str, list[Any]] = {f"{self.prefix}{c}": [] for c in [*self.columns, "output"]}
        errors: list[str | None] = []
        for result in results:
            if isinstance(result, BaseException):
                errors.append(f"{type(result).__name__}: {result}")
                for values in new.values():
                    values.append(None)
                continue
            errors.append(None)
            for name, item in _row_columns(result, self.columns).items():
                new[f"{self.prefix}{name}"].append(item)
        return {**batch, **new, self.error_column: errors}

    def __del__(self) -> None:
        loop = getattr(self, "loop", None)
        if loop is not None and not loop.is_closed():
            loop.close()


def map_task(
    ds: Any,
    task: str,
    *,
    model: str | None = None,
    column: str | Mapping[str, str] = "text",
    parameters: Mapping[str, Any] | None = None,
    concurrency: int = 2,
    max_concurrency: int = 8,
    batch_size: int = 64,
    fail_fast: bool = False,
    error_column: str = "error",
    prefix: str = "",
    num_cpus: float = 0.25,
    **settings: Any,
) -> Any:
    """Run ``task`` over every row of the Ray Dataset ``ds``; returns a new (lazy) Dataset.

    Args:
        ds: a ``ray.data.Dataset``.
        task: an Inference API task name (``"text-classification"``).
        model: model id or endpoint URL; the task's default model otherwise.
        column: the input column, or ``{task field: column}`` for several fields.
        parameters: task parameters added to every input.
        concurrency: workers (Ray actors): the global cap, whatever the cluster's size.
        max_concurrency: requests in flight per worker (so at most ``concurrency *
            max_concurrency`` for the job).
        batch_size: rows handed to a worker at once.
        fail_fast: fail the job on the first row that fails (after its retries); by default the
            row is kept with its error text in ``error_column`` and ``None`` outputs.
        error_column: name of the error column (``None`` where the call succeeded).
        prefix: prefix of the output columns (when they would clash with input columns).
        num_cpus: CPUs reserved per worker (calls are I/O-bound: a fraction is enough).
        **settings: :class:`~hf_tools.settings.HFSettings` fields for the workers (``base_url``,
            ``max_retries``, ``deadline``, ``timeout``...). A token given here is shipped to the
            workers; otherwise each worker reads ``HF_TOKEN`` on its node.

    Output columns: the scalar fields of the task's output (:func:`output_columns`), ``output``
    (the whole typed result as JSON) and ``error_column``.

    """
    if concurrency < 1 or max_concurrency < 1 or batch_size < 1:
        raise HFInputError("concurrency, max_concurrency and batch_size must be at least 1")
    from hf_tools.tasks import TASKS

    spec = TASKS[task]
    if isinstance(column, str) and column not in (ds.columns(fetch_if_missing=False) or [column]):
        raise HFInputError(f"the dataset has no column {column!r}")
    init_ray()
    return ds.map_batches(
        TaskWorker,
        fn_constructor_args=(spec.name,),
        fn_constructor_kwargs={
            "model": model,
            "column": column,
            "parameters": parameters,
            "max_concurrency": max_concurrency,
            "fail_fast": fail_fast,
            "error_column": error_column,
            "prefix": prefix,
            "settings": settings,
        },
        batch_size=batch_size,
        # a fixed pool: the global cap on workers (a worker that dies is restarted, its block re-run)
        compute=ray_data().ActorPoolStrategy(size=concurrency),
        num_cpus=num_cpus,
    )
