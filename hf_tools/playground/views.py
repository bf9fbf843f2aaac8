"""How a task's typed output is shown to a person: which views a task needs, and their values.

The views of a task follow from its declared ``output_type`` alone (no per-task code): images
(detections drawn on theirs), segmentation masks over the input image, audio and video players,
labels with their scores as bars, entities highlighted in the text, tables, the short text
every task renders, and the raw typed output.

Example:
    >>> from hf_tools import TASKS
    >>> sorted(output_views(TASKS["object-detection"]))
    ['image', 'table']
    >>> sorted(output_views(TASKS["text-classification"]))
    ['label']
    >>> sorted(output_views(TASKS["token-classification"]))
    ['highlight', 'table']

"""

from __future__ import annotations

import io
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter

from hf_tools.media.artifacts import AudioArtifact, ImageArtifact, MediaArtifact, VideoArtifact
from hf_tools.media.results import Detections, Segment
from hf_tools.tasks import TaskSpec

__all__ = ["View", "output_views", "raw_output", "view_values"]

View = Literal["label", "highlight", "image", "segments", "audio", "video", "table"]
"""A way of showing an output, besides its text and raw form (which every task has)."""

_LABEL_NAMES = ("label", "token_str", "answer")
_ELIDE_AT = 160


def _element_type(output_type: Any) -> Any:
    return typing.get_args(output_type)[0] if typing.get_origin(output_type) is list else None


def _fields(cls: Any) -> set[str]:
    names = getattr(cls, "model_fields", None) or getattr(cls, "__dataclass_fields__", None) or {}
    return set(names)


def output_views(spec: TaskSpec) -> frozenset[View]:
    """The views ``spec``'s output needs."""
    out = spec.output_type
    element = _element_type(out)
    views: set[View] = set()
    if out is ImageArtifact:
        views.add("image")
    elif out is Detections:
        views |= {"image", "table"}
    elif out is AudioArtifact:
        views.add("audio")
    elif out is VideoArtifact:
        views.add("video")
    elif element is Segment:
        views |= {"segments", "table"}
    elif isinstance(element, type) and issubclass(element, AudioArtifact):
        views |= {"audio", "table"}
    elif element in (float, str, int):
        views.add("table")
    elif element is not None:
        names = _fields(element)
        if {"entity_group", "start", "end"} <= names or {"entity", "start", "end"} <= names:
            views |= {"highlight", "table"}
        elif "score" in names and names & set(_LABEL_NAMES):
            views.add("label")
    return frozenset(views)


def _saved(artifact: MediaArtifact, folder: Path) -> str:
    """The artifact's bytes written into ``folder`` (named after the bytes' hash); its path."""
    path = folder / artifact.default_name
    if not path.exists():
        path.write_bytes(artifact.data)
    return str(path)


def _name_of(item: Any) -> str:
    for name in _LABEL_NAMES:
        value = getattr(item, name, None)
        if isinstance(value, str):
            return value
    return str(item)


def _labels(output: list[Any]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for item in output:
        name = _name_of(item)
        score = float(getattr(item, "score", 0.0) or 0.0)
        scores[name] = max(score, scores.get(name, score))
    return scores


def _highlight(output: list[Any], text: str) -> list[tuple[str, str | None]]:
    parts: list[tuple[str, str | None]] = []
    at = 0
    for item in sorted(output, key=lambda e: e.start or 0):
        start, end = item.start, item.end
        label = getattr(item, "entity_group", None) or getattr(item, "entity", None)
        if start is None or end is None or start < at or end > len(text):
            continue
        if start > at:
            parts.append((text[at:start], None))
        parts.append((text[start:end], label))
        at = end
    if at < len(text):
        parts.append((text[at:], None))
    return parts


def _table(headers: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"headers": headers, "data": rows or [["" for _ in headers]]}


def _scalars_table(output: list[Any], data: dict[str, Any]) -> dict[str, Any]:
    """Predictions next to what they are for: the input's list of the same length, or its table's rows."""
    for name, value in data.items():
        if isinstance(value, list) and len(value) == len(output) and all(isinstance(v, str) for v in value):
            return _table([name, "value"], [[v, o] for v, o in zip(value, output, strict=True)])
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(c, list) and len(c) == len(output) for c in value.values())
        ):
            headers = [str(h) for h in value]
            rows = [[value[h][i] for h in value] + [o] for i, o in enumerate(output)]
            return _table([*headers, "prediction"], rows)
    return _table(["index", "value"], [[i, o] for i, o in enumerate(output)])


def _mask(artifact: ImageArtifact) -> Any:
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(artifact.data)) as image:
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def _segments(output: list[Segment], base: bytes | None, folder: Path) -> tuple[str, list[tuple[Any, str]]]:
    from PIL import Image

    masks = [(_mask(s.mask), s.label) for s in output]
    image: ImageArtifact | None = None
    if base is not None:
        try:
            image = ImageArtifact.from_bytes(base)
        except ValueError:
            image = None
    if image is None:  # a plain canvas the size of the masks
        height, width = masks[0][0].shape if masks else (64, 64)
        canvas = Image.new("RGB", (width, height), (235, 235, 235))
        buffer = io.BytesIO()
        canvas.save(buffer, format="PNG")
        image = ImageArtifact.from_bytes(buffer.getvalue())
    return _saved(image, folder), masks


def view_values(
    spec: TaskSpec, output: Any, data: dict[str, Any], folder: Path, *, image_input: bytes | None = None
) -> dict[View, Any]:
    """The value of each of ``spec``'s views for ``output`` (media written into ``folder``).

    Args:
        spec: the task.
        output: its typed output.
        data: the input it was called with (entities are highlighted in its text, predictions
            set beside its rows).
        folder: where generated media files are written for the page to serve.
        image_input: the input image's bytes, for masks to be laid over.

    """
    views = output_views(spec)
    values: dict[View, Any] = {}
    if isinstance(output, Detections):
        values["image"] = _saved(output.annotated(), folder) if output.image is not None else None
        rows = [[o.label, round(o.score, 4), o.box.xmin, o.box.ymin, o.box.xmax, o.box.ymax] for o in output.objects]
        values["table"] = _table(["label", "score", "xmin", "ymin", "xmax", "ymax"], rows)
    elif isinstance(output, ImageArtifact):
        values["image"] = _saved(output, folder)
    elif isinstance(output, VideoArtifact):
        values["video"] = _saved(output, folder)
    elif isinstance(output, AudioArtifact):
        values["audio"] = _saved(output, folder)
    elif isinstance(output, list) and "segments" in views:
        values["segments"] = _segments(output, image_input, folder)
        values["table"] = _table(["label", "score"], [[s.label, s.score] for s in output])
    elif isinstance(output, list) and "audio" in views:
        values["audio"] = _saved(output[0], folder) if output else None
        values["table"] = _table(
            ["label", "file", "size"], [[getattr(t, "label", ""), _saved(t, folder), t.size] for t in output]
        )
    elif isinstance(output, list) and "label" in views:
        values["label"] = _labels(output)
    elif isinstance(output, list) and "highlight" in views:
        text = next((v for v in data.values() if isinstance(v, str)), "")
        values["highlight"] = _highlight(output, text)
        rows = [
            [getattr(e, "entity_group", None) or getattr(e, "entity", None), e.word, round(e.score, 4), e.start, e.end]
            for e in output
        ]
        values["table"] = _table(["entity", "word", "score", "start", "end"], rows)
    elif isinstance(output, list) and "table" in views:
        values["table"] = _scalars_table(output, data)
    return values


def _elide(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _ELIDE_AT:
        return f"{value[:60]}… ({len(value)} characters)"
    if isinstance(value, list):
        return [_elide(v) for v in value]
    if isinstance(value, dict):
        if "data" in value and "mime_type" in value and isinstance(value["data"], str):
            size = len(value["data"]) * 3 // 4
            return {**{k: _elide(v) for k, v in value.items() if k != "data"}, "data": f"<about {size} bytes>"}
        return {k: _elide(v) for k, v in value.items()}
    return value


def raw_output(output: Any) -> dict[str, Any]:
    """The typed output as JSON for the page: its type and its fields (file bytes and long text elided).

    Example:
        >>> from huggingface_hub import SummarizationOutput
        >>> raw_output(SummarizationOutput(summary_text="Short."))
        {'type': 'SummarizationOutput', 'value': {'summary_text': 'Short.'}}

    """
    if isinstance(output, list):
        name = f"list[{type(output[0]).__name__}]" if output else "list"
    else:
        name = type(output).__name__
    return {"type": name, "value": _elide(TypeAdapter(Any).dump_python(output, mode="json"))}
