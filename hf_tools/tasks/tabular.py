"""Declarations of the tabular tasks: one ``register(TaskSpec(...))`` per task.

A table is columns of cells (``{column name: [cell, ...]}``), checked as table-question-answering's
is (:mod:`hf_tools.tasks.table`): a ragged table is an ``HFInputError`` before any request. The
answer holds one prediction per row; any other count is an ``HFResponseError``.

tabular-regression has no provider helper in huggingface_hub (1.x and 2.x), so the Hugging Face
router cannot be asked for it: a call without ``base_url`` is refused before any request (see
:mod:`hf_tools.routing.plan`). Its ``InferenceClient`` method refuses even an endpoint URL (no
helper, not even hf-inference's), while the request it would send, ``{"table": ...}`` POSTed to the
endpoint with a JSON list back, is exactly the one ``tabular_classification`` sends: the endpoint
call goes through that method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from hf_tools.prepared_call import AnswerHook, check_count
from hf_tools.tasks.registry import TaskRegistry
from hf_tools.tasks.render import number
from hf_tools.tasks.spec import TaskInput, TaskSpec
from hf_tools.tasks.table import DataTable, rows

TABLE = (
    "The rows to predict, as {column name: [cell, ...]}: one column per feature the model was trained on,"
    " every column as long as the others; cells are text or numbers (null for a missing value)."
)
_SHOWN_ROWS = 20  # rows an LLM is shown; the artifact holds them all


class TabularInput(TaskInput):
    table: DataTable = Field(min_length=1, description=TABLE)


def _labels(raw: Any) -> list[str]:
    """One label per row (a numeric class such as ``5`` becomes ``"5"``)."""
    if not isinstance(raw, list):
        raise ValueError(f"expected a list of labels, got {type(raw).__name__}")
    out = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            out.append(str(item))
        else:
            raise ValueError(f"row {index}: a label should be text or a number, not {type(item).__name__}")
    return out


def _numbers(raw: Any) -> list[float]:
    """One number per row."""
    if not isinstance(raw, list):
        raise ValueError(f"expected a list of numbers, got {type(raw).__name__}")
    out = []
    for index, item in enumerate(raw):
        if not isinstance(item, (int, float)) or isinstance(item, bool):
            raise ValueError(f"row {index}: a prediction should be a number, not {type(item).__name__}")
        out.append(float(item))
    return out


def _per_row(render_one: Any) -> Any:
    def render(output: list[Any]) -> str:
        if not output:
            return "no predictions"
        shown = "; ".join(f"row {i + 1}: {render_one(v)}" for i, v in enumerate(output[:_SHOWN_ROWS]))
        more = len(output) - _SHOWN_ROWS
        return shown + (f"; ... ({more} more rows)" if more > 0 else "")

    return render


class OnePerRow(AnswerHook):
    """A :class:`~hf_tools.tasks.spec.CallHook`: the answer must hold one prediction per row of the table.

    Example:
        >>> from hf_tools import TASKS
        >>> spec = TASKS["tabular-regression"]
        >>> call = spec.prepare(spec.coerce_input({"table": {"Length1": [23.2, 24.0]}}))
        >>> call.finish([242.0, 290])
        [242.0, 290.0]
        >>> call.finish([242.0])
        Traceback (most recent call last):
        ...
        hf_tools.errors.HFResponseError: unexpected tabular-regression response: 1 prediction(s) for 2 row(s)

    """

    def finisher(self, spec: TaskSpec, kwargs: dict[str, Any]) -> Callable[[Any], Any]:
        expected = rows(kwargs["table"])
        return lambda output: check_count(spec.name, output, expected, "prediction", "row")


_FISH = {
    "Species": ["Bream", "Bream", "Roach"],
    "Length1": [23.2, 24.0, 20.5],
    "Length2": [25.4, 26.3, 22.5],
    "Length3": [30.0, 31.2, 24.0],
    "Height": [11.52, 12.48, 6.792],
    "Width": [4.02, 4.3056, 3.624],
}
_WINE = {
    "fixed_acidity": ["7.4", "7.8", "10.3"],
    "volatile_acidity": ["0.7", "0.88", "0.32"],
    "citric_acid": ["0", "0", "0.45"],
    "residual_sugar": ["1.9", "2.6", "6.4"],
    "alcohol": ["9.4", "9.8", "12.6"],
}


def register_tabular_tasks(registry: TaskRegistry) -> None:
    """Declare every tabular task in ``registry``."""
    registry.register(
        TaskSpec(
            name="tabular-classification",
            description="Predict a class for each row of a table of features; returns one label per row.",
            input_model=TabularInput,
            output_type=list[str],
            method="tabular_classification",
            defaults=("julien-c/wine-quality",),
            render=_per_row(str),
            normalize=_labels,
            example={"table": _WINE},
            hook=OnePerRow(),
        )
    )
    registry.register(
        TaskSpec(
            name="tabular-regression",
            description="Predict a number for each row of a table of features; returns one number per row.",
            input_model=TabularInput,
            output_type=list[float],
            method="tabular_classification",  # the same request; huggingface_hub's tabular_regression has no helper
            defaults=("scikit-learn/Fish-Weight",),
            render=_per_row(lambda value: number(value, 3)),
            normalize=_numbers,
            example={"table": _FISH},
            hook=OnePerRow(),
        )
    )
