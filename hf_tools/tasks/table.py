"""The table inputs of the table tasks: columns of cells, every column as long as the others.

One validation for every task that takes a table (table-question-answering, tabular-classification,
tabular-regression): a ragged table is refused before any request, naming each column's length.

Example:
    >>> from pydantic import TypeAdapter
    >>> from hf_tools.tasks.table import DataTable, rows
    >>> table = TypeAdapter(DataTable).validate_python({"length": [23.2, 24.0], "species": ["Bream", "Bream"]})
    >>> rows(table)
    2
    >>> TypeAdapter(DataTable).validate_python({"a": [1, 2], "b": [3]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for ...
      Value error, every column of the table must have the same number of cells (got {'a': 2, 'b': 1}) ...

"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator

__all__ = ["Cell", "DataTable", "TextTable", "columns_of_equal_length", "rows"]


def columns_of_equal_length(table: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """``table`` itself if every column has as many cells as the others.

    Raises:
        ValueError: the columns differ in length (each column's length is named).

    """
    lengths = {name: len(cells) for name, cells in table.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"every column of the table must have the same number of cells (got {lengths})")
    return table


def rows(table: dict[str, list[Any]]) -> int:
    """The number of rows of a checked table (0 for a table without columns)."""
    return len(next(iter(table.values()), []))


TextTable = Annotated[dict[str, list[str]], AfterValidator(columns_of_equal_length)]
"""A table of text cells, ``{column name: [cell, ...]}`` (table-question-answering)."""

Cell = str | int | float | None
"""One cell of a data table: text, a number, or None for a missing value."""

DataTable = Annotated[dict[str, list[Cell]], AfterValidator(columns_of_equal_length)]
"""A table of feature cells, ``{column name: [cell, ...]}`` (tabular-classification and -regression)."""
