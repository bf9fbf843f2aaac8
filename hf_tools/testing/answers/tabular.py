"""The loopback server's answers for the tabular tasks, in hf-inference's wire shape.

The request is ``{"table": {column: [cell, ...]}}`` (huggingface_hub also sends an empty
``parameters``); the answer is a JSON list with one prediction per row, a deterministic
function of the row's cells. A ragged table is refused (the server answers 422).

Example:
    >>> from hf_tools.testing.answers.tabular import tabular_classification, tabular_regression
    >>> table = {"Length1": [23.2, 24.0], "Species": ["Bream", "Roach"]}
    >>> tabular_regression({"table": table})
    [232.0, 240.0]
    >>> len(tabular_classification({"table": table}))
    2

"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["tabular_classification", "tabular_regression"]

MAX_ROWS = 10_000  # answers never grow with the client's table beyond this
CLASSES = ("3", "4", "5", "6", "7", "8")


def _rows(body: dict[str, Any]) -> list[list[Any]]:
    table = body.get("table")
    if table is None and isinstance(body.get("inputs"), dict):
        table = body["inputs"].get("data") or body["inputs"].get("table")
    if not isinstance(table, dict) or not table:
        raise ValueError("the request holds no table")
    lengths = {name: len(cells) for name, cells in table.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"every column of the table must have the same number of cells (got {lengths})")
    columns = list(table.values())
    return [[column[i] for column in columns] for i in range(min(len(columns[0]), MAX_ROWS))]


def _number(cell: Any) -> float:
    if isinstance(cell, bool) or cell is None:
        return 0.0
    try:
        return float(cell)
    except (TypeError, ValueError):
        return 0.0


def tabular_classification(body: dict[str, Any]) -> list[str]:
    """One class label per row (a wine-quality-like score as text), picked from the row's cells."""
    return [CLASSES[hashlib.sha256(repr(row).encode()).digest()[0] % len(CLASSES)] for row in _rows(body)]


def tabular_regression(body: dict[str, Any]) -> list[float]:
    """One number per row: ten times the first numeric cell (a fish's weight from its length)."""
    out = []
    for row in _rows(body):
        numeric = [_number(cell) for cell in row if not isinstance(cell, str) or _number(cell)]
        out.append(round(10 * numeric[0], 3) if numeric else 0.0)
    return out
