"""A tool's typed output as other agent runtimes take it: the media in it, and JSON without the bytes.

LangChain tools hand programs the typed output as the artifact. MCP clients and smolagents want
JSON described by a JSON schema whose root is an object, with images and audio sent their own way
(MCP image/audio content, smolagents ``AgentImage``/``AgentAudio``): :func:`structured_schema` and
:func:`structured_value` give that JSON (the media's bytes left out, its metadata kept, a
non-object output wrapped as ``{"result": ...}``), :func:`find_media` the media themselves.

The schema is flat: definitions are written in place (no ``$defs``/``$ref`` chains unless the type is
recursive), the ``title`` keywords pydantic adds are left out, descriptions keep their first
paragraph (a class docstring's examples are not for clients) and an optional value is one
subschema (``{"type": ["string", "null"]}``, not an ``anyOf`` of two). A client that checks each
result against the schema (the MCP SDK's does, per call, schema included) has fewer subschemas to
walk; :func:`dialect_schema` also names the draft-07 dialect, whose metaschema such a client checks
about four times faster than 2020-12's.

Example:
    >>> from hf_tools import TASKS
    >>> schema = structured_schema(TASKS["text-classification"].output_type)
    >>> schema["type"], schema["required"]
    ('object', ['result'])
    >>> "data" in structured_schema(TASKS["text-to-image"].output_type)["properties"]
    False
    >>> schema["properties"]["result"]["items"]["properties"]
    {'label': {'type': 'string'}, 'score': {'type': 'number'}}

"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from hf_tools.media import MediaArtifact
from hf_tools.tool_feedback import display_path

__all__ = ["DRAFT_07", "dialect_schema", "find_media", "structured_schema", "structured_value"]

_RESULT = "result"


def find_media(artifact: Any, _depth: int = 0) -> list[MediaArtifact]:
    """The image/audio/video artifacts in a tool's artifact (itself, its fields, list items).

    Example:
        >>> from hf_tools.media import ImageArtifact
        >>> from hf_tools.testing.answers import png_bytes
        >>> image = ImageArtifact.from_bytes(png_bytes(4, 4))
        >>> [m.mime_type for m in find_media({"picture": image, "text": "x"})]
        ['image/png']

    """
    if _depth > 3 or artifact is None or isinstance(artifact, (str, bytes, int, float, bool)):
        return []
    if isinstance(artifact, MediaArtifact):
        return [artifact]
    if isinstance(artifact, BaseModel):
        values: Iterable[Any] = (getattr(artifact, name) for name in type(artifact).model_fields)
    elif isinstance(artifact, dict):
        values = artifact.values()
    elif isinstance(artifact, (list, tuple)):
        values = artifact
    else:
        return []
    return [found for value in values for found in find_media(value, _depth + 1)]


def _is_media_schema(node: dict[str, Any]) -> bool:
    properties = node.get("properties")
    return isinstance(properties, dict) and "data" in properties and "mime_type" in properties


def _without_media_bytes(node: Any) -> Any:
    """A copy of a JSON schema in which media objects lose their ``data`` (bytes) property."""
    if isinstance(node, list):
        return [_without_media_bytes(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _without_media_bytes(value) for key, value in node.items()}
    if _is_media_schema(out):
        out["properties"] = {k: v for k, v in out["properties"].items() if k != "data"}
        if "required" in out:
            out["required"] = [name for name in out["required"] if name != "data"]
    return out


@lru_cache(maxsize=256)
def _adapter(output_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(output_type)


# keywords whose value is a schema / a list of schemas / a map of names to schemas
_SUBSCHEMA = frozenset(
    {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"}
    | {"unevaluatedItems", "unevaluatedProperties"}
)
_SUBSCHEMA_LISTS = frozenset({"anyOf", "allOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
_DEFS = "#/$defs/"
_NULL = {"type": "null"}

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
"""The JSON Schema dialect :func:`dialect_schema` declares."""


def _walk(node: Any, visit: Any) -> Any:
    """``node`` (a schema) rebuilt bottom-up: every subschema passed through ``visit`` (schema -> schema)."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SUBSCHEMA:
            out[key] = _walk(value, visit)
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [_walk(item, visit) for item in value]
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _walk(item, visit) for name, item in value.items()}
        else:  # data (enum, const, default, required, ...) or a keyword that holds no schema
            out[key] = value
    return visit(out)


def _refs(node: Any) -> set[str]:
    """The ``$defs`` names ``node`` refers to (anywhere inside)."""
    if isinstance(node, list):
        return {name for item in node for name in _refs(item)}
    if not isinstance(node, dict):
        return set()
    found = {name for value in node.values() for name in _refs(value)}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_DEFS):
        found.add(ref.removeprefix(_DEFS))
    return found


def _recursive(defs: dict[str, Any]) -> bool:
    """Whether a definition refers to itself, directly or through others."""
    edges = {name: _refs(body) for name, body in defs.items()}

    def reaches(start: str) -> bool:
        seen, todo = set(), list(edges.get(start, ()))
        while todo:
            name = todo.pop()
            if name == start:
                return True
            if name not in seen:
                seen.add(name)
                todo.extend(edges.get(name, ()))
        return False

    return any(reaches(name) for name in edges)


def _one_nullable(node: dict[str, Any]) -> dict[str, Any]:
    """``{"anyOf": [{"type": T, ...}, {"type": "null"}], ...}`` as ``{"type": [T, "null"], ...}``; else ``node``.

    The same values validate: an object's ``properties``/``required`` and an array's ``items`` apply to
    values of their own type only, so ``null`` passes them.
    """
    options = node.get("anyOf")
    if not (isinstance(options, list) and len(options) == 2 and _NULL in options):
        return node
    other = options[1] if options[0] == _NULL else options[0]
    if not isinstance(other, dict) or not isinstance(other.get("type"), str) or "anyOf" in other:
        return node
    return {**other, **{key: value for key, value in node.items() if key != "anyOf"}, "type": [other["type"], "null"]}


# huggingface_hub's generated docstring of an output class ("Outputs of inference for the Object
# Detection task"): it tells a client nothing the tool does not
_BOILERPLATE = re.compile(r"(Inputs|Outputs) of inference for the [\w -]+ task\.?")
_SPHINX_ROLE = re.compile(r":(?:meth|func|class|attr|mod|obj|data|exc|ref):`~?([^`]+)`")


def _client_text(description: str) -> str:
    """A description as a client reads it: the first paragraph of a docstring (not its examples),
    Sphinx roles as plain code (``:meth:`annotated``` → ```annotated```), nothing for the hub's boilerplate.
    """
    text = _SPHINX_ROLE.sub(r"`\1`", description.split("\n\n", 1)[0])
    return "" if _BOILERPLATE.fullmatch(text.strip()) else text


def _flat(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` written in place (unless recursive), no ``title`` keywords,
    descriptions as :func:`_client_text` gives them and optional values as one subschema.
    """
    defs = schema.get("$defs", {})
    inline = isinstance(defs, dict) and bool(defs) and not _recursive(defs)

    def visit(node: dict[str, Any]) -> dict[str, Any]:
        node.pop("title", None)
        if isinstance(node.get("description"), str):
            text = _client_text(node["description"])
            if text:
                node["description"] = text
            else:
                del node["description"]
        ref = node.get("$ref")
        target = resolved.get(ref.removeprefix(_DEFS)) if isinstance(ref, str) and ref.startswith(_DEFS) else None
        if target is not None:  # siblings of $ref (a description) win
            node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
        return _one_nullable(node)

    resolved: dict[str, Any] = {}
    if inline:
        remaining = dict(defs)
        while remaining:  # definitions that refer to nothing unresolved first (there is no cycle)
            for name, body in list(remaining.items()):
                if not _refs(body) & remaining.keys():
                    resolved[name] = _walk(body, visit)
                    del remaining[name]
        schema = {key: value for key, value in schema.items() if key != "$defs"}
    flat: dict[str, Any] = _walk(schema, visit)
    return flat


@lru_cache(maxsize=256)
def _schema(output_type: Any) -> tuple[dict[str, Any], bool]:
    """(the structured schema, whether the output is wrapped as ``{"result": ...}``)."""
    schema = _without_media_bytes(_adapter(output_type).json_schema(mode="serialization"))
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_DEFS):  # a model referring to itself
        schema = {**schema["$defs"][ref.removeprefix(_DEFS)], **{k: v for k, v in schema.items() if k != "$ref"}}
    if schema.get("type") != "object":
        defs = schema.pop("$defs", None)
        schema = {"type": "object", "properties": {_RESULT: schema}, "required": [_RESULT]}
        if defs:
            schema["$defs"] = defs
        return _flat(schema), True
    return _flat(schema), False


def structured_schema(output_type: Any) -> dict[str, Any]:
    """The JSON schema of :func:`structured_value` for outputs of ``output_type`` (an object at the root)."""
    return copy.deepcopy(_schema(output_type)[0])


def dialect_schema(output_type: Any) -> dict[str, Any]:
    """:func:`structured_schema` naming its dialect: draft-07 (``$schema``) unless it keeps ``$defs``.

    Every keyword the flat schema uses means the same in draft-07 as in 2020-12, and a validator that
    checks the schema itself on every call (``jsonschema.validate``, as the MCP SDK's client does)
    checks it against draft-07's metaschema about four times faster. A recursive type keeps its
    ``$defs`` and the default dialect, 2020-12.

    Example:
        >>> from hf_tools import TASKS
        >>> dialect_schema(TASKS["text-classification"].output_type)["$schema"]
        'http://json-schema.org/draft-07/schema#'

    """
    schema = structured_schema(output_type)
    return schema if "$defs" in schema else {"$schema": DRAFT_07, **schema}


def _strip(value: Any, roots: Sequence[str | os.PathLike[str]]) -> Any:
    if isinstance(value, list):
        return [_strip(item, roots) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _strip(item, roots) for key, item in value.items()}
    if "mime_type" in out and "data" in out:
        del out["data"]
        if isinstance(out.get("path"), str):
            out["path"] = display_path(out["path"], roots)
    return out


def structured_value(output: Any, output_type: Any, roots: Sequence[str | os.PathLike[str]] = ()) -> dict[str, Any]:
    """``output`` as JSON matching :func:`structured_schema`: media bytes left out, saved paths shown
    relative to their folder (see :func:`~hf_tools.tool_feedback.display_path`).

    Example:
        >>> from hf_tools import TASKS
        >>> from hf_tools.media import ImageArtifact
        >>> from hf_tools.testing.answers import png_bytes
        >>> structured_value(ImageArtifact.from_bytes(png_bytes(4, 2)), TASKS["text-to-image"].output_type)
        {'mime_type': 'image/png', 'path': None, 'width': 4, 'height': 2}
        >>> structured_value("Once upon a time", str)
        {'result': 'Once upon a time'}

    """
    dumped = _strip(_adapter(output_type).dump_python(output, mode="json"), roots)
    if _schema(output_type)[1]:
        return {_RESULT: dumped}
    return dumped  # type: ignore[no-any-return]
