"""The structured output schema is flat: definitions in place, no titles, short descriptions."""

from __future__ import annotations

import json

import jsonschema
import pytest
from pydantic import BaseModel, Field

from hf_tools import TASKS
from hf_tools.tool_output import structured_schema, structured_value


class _Heading(BaseModel):
    """A heading.

    Example:
        >>> _Heading(title="x")
        _Heading(title='x')

    """

    title: str = Field(description="Its text.")


class _Page(BaseModel):
    headings: list[_Heading]
    first: _Heading | None = None


class _Node(BaseModel):
    name: str
    children: list[_Node] = []


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_task_schema_has_no_refs_or_titles(task: str) -> None:
    schema = structured_schema(TASKS[task].output_type)
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text and '"title"' not in text, task
    assert ">>>" not in text, task  # docstring examples are not for clients
    jsonschema.Draft202012Validator.check_schema(schema)


def test_definitions_are_written_in_place_and_a_property_named_title_stays() -> None:
    schema = structured_schema(_Page)
    heading = schema["properties"]["headings"]["items"]
    assert heading["properties"] == {"title": {"description": "Its text.", "type": "string"}}
    assert heading["description"] == "A heading."
    assert {"type": "null"} in schema["properties"]["first"]["anyOf"]
    value = structured_value(_Page(headings=[_Heading(title="a")]), _Page)
    jsonschema.validate(value, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"headings": [{"title": 3}]}, schema)


def test_a_recursive_type_keeps_its_definitions() -> None:
    schema = structured_schema(list[_Node])
    assert "$defs" in schema and '"title"' not in json.dumps(schema)
    value = structured_value([_Node(name="a", children=[_Node(name="b")])], list[_Node])
    jsonschema.validate(value, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"result": [{"name": "a", "children": [{"name": 1}]}]}, schema)
