"""The structured output schema is flat: definitions in place, no titles, short descriptions."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, Field

from hf_tools import TASKS, runnable
from hf_tools.testing import LoopbackServer
from hf_tools.tool_output import DRAFT_07, dialect_schema, structured_schema, structured_value


class _Heading(BaseModel):
    """A heading.

    Example:
        >>> _Heading(title="x")
        _Heading(title='x')

    """

    title: str = Field(description="Its text.")


class _Page(BaseModel):
    """A page; :meth:`render` shows it, see :class:`~docs.Site`.

    More that a client does not need.
    """

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
    assert not re.search(r":\w+:`", text), task  # Sphinx roles read as plain code
    assert "of inference for the" not in text, task  # huggingface_hub's generated class docstrings say nothing
    jsonschema.Draft202012Validator.check_schema(schema)


def test_definitions_are_written_in_place_and_a_property_named_title_stays() -> None:
    schema = structured_schema(_Page)
    heading = schema["properties"]["headings"]["items"]
    assert heading["properties"] == {"title": {"description": "Its text.", "type": "string"}}
    assert heading["description"] == "A heading."
    assert schema["description"] == "A page; `render` shows it, see `docs.Site`."
    first = schema["properties"]["first"]
    assert first["type"] == ["object", "null"] and "anyOf" not in first  # one subschema, not two
    for page in (_Page(headings=[_Heading(title="a")]), _Page(headings=[], first=_Heading(title="b"))):
        jsonschema.validate(structured_value(page, _Page), schema)
    for wrong in ({"headings": [{"title": 3}]}, {"headings": [], "first": {"title": 3}}, {"headings": [], "first": 3}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, schema)


def _leaves(value: object, path: tuple[object, ...] = ()) -> list[tuple[tuple[object, ...], object]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [(path, value)]


def _replaced(value: Any, path: tuple[object, ...], new: object) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)  # type: ignore[index]
    return copy


@pytest.mark.parametrize("task", sorted(TASKS))
def test_the_draft_07_schema_served_to_mcp_clients_accepts_and_refuses_what_the_2020_12_one_does(task: str) -> None:
    spec = TASKS[task]
    served = dialect_schema(spec.output_type)
    assert served["$schema"] == DRAFT_07
    jsonschema.Draft7Validator.check_schema(served)
    plain = structured_schema(spec.output_type)
    with LoopbackServer() as server:
        value = structured_value(runnable(task, base_url=server.base_url).invoke(spec.example), spec.output_type)
    jsonschema.validate(value, served)  # picks draft-07 from $schema, as the MCP client does
    jsonschema.Draft202012Validator(plain).validate(value)
    refused = 0
    for path, _leaf in _leaves(value)[:12]:
        wrong = _replaced(value, path, {"not": "a leaf"})
        refused_07 = not jsonschema.Draft7Validator(served).is_valid(wrong)
        assert refused_07 == (not jsonschema.Draft202012Validator(plain).is_valid(wrong)), (task, path)
        refused += refused_07
    assert refused, task  # a wrong leaf is caught


def test_a_recursive_type_keeps_its_definitions() -> None:
    schema = structured_schema(list[_Node])
    assert "$defs" in schema and '"title"' not in json.dumps(schema)
    value = structured_value([_Node(name="a", children=[_Node(name="b")])], list[_Node])
    jsonschema.validate(value, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"result": [{"name": "a", "children": [{"name": 1}]}]}, schema)
