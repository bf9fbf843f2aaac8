"""A tool's typed output as other agent runtimes take it: the media in it, and JSON without the bytes.

LangChain tools hand programs the typed output as the artifact. MCP clients and smolagents want
JSON described by a JSON schema whose root is an object, with images and audio sent their own way
(MCP image/audio content, smolagents ``AgentImage``/``AgentAudio``): :func:`structured_schema` and
:func:`structured_value` give that JSON (the media's bytes left out, its metadata kept, a
non-object output wrapped as ``{"result": ...}``), :func:`find_media` the media themselves.

Example:
    >>> from hf_tools import TASKS
    >>> schema = structured_schema(TASKS["text-classification"].output_type)
    >>> schema["type"], schema["required"]
    ('object', ['result'])
    >>> "data" in structured_schema(TASKS["text-to-image"].output_type)["properties"]
    False

"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from hf_tools.media import MediaArtifact
from hf_tools.tool_feedback import display_path

__all__ = ["find_media", "structured_schema", "structured_value"]

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


@lru_cache(maxsize=256)
def _schema(output_type: Any) -> tuple[dict[str, Any], bool]:
    """(the structured schema, whether the output is wrapped as ``{"result": ...}``)."""
    schema = _without_media_bytes(_adapter(output_type).json_schema(mode="serialization"))
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):  # a model referring to itself
        schema = {**schema["$defs"][ref.removeprefix("#/$defs/")], **{k: v for k, v in schema.items() if k != "$ref"}}
    if schema.get("type") == "object":
        return schema, False
    defs = schema.pop("$defs", None)
    wrapped: dict[str, Any] = {"type": "object", "properties": {_RESULT: schema}, "required": [_RESULT]}
    if defs:
        wrapped["$defs"] = defs
    return wrapped, True


def structured_schema(output_type: Any) -> dict[str, Any]:
    """The JSON schema of :func:`structured_value` for outputs of ``output_type`` (an object at the root)."""
    return copy.deepcopy(_schema(output_type)[0])


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
