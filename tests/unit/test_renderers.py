"""Every task's renderer gives text for odd-but-valid outputs, and a tool's renderer never raises."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import pytest

from hf_tools.media import AudioArtifact, AudioTrack, Detections, ImageArtifact, Segment, VideoArtifact
from hf_tools.tasks import TASKS
from hf_tools.tasks.shape import shape_problem
from hf_tools.testing.answers import png_bytes, wav_bytes
from hf_tools.testing.answers.media import mp4_bytes

VARIANTS = range(4)
TINY_PNG = ImageArtifact.from_bytes(png_bytes(1, 1))


def _optional(annotation: Any) -> tuple[bool, Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(rest) < len(typing.get_args(annotation)), (rest[0] if len(rest) == 1 else Any)
    return False, annotation


def odd(annotation: Any, variant: int) -> Any:
    """An unusual value that still fits ``annotation``: empty, NaN, infinite, huge, non-ASCII, None if allowed."""
    optional, base = _optional(annotation)
    if optional and variant % 2 == 0:
        return None
    if base is Any and typing.get_origin(annotation) in (typing.Union, types.UnionType):  # one of its kinds
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        return odd(kinds[variant % len(kinds)], variant)
    if base is str or base is Any:
        return ["", "ünï\ncodé ✓ 'quoted' {braces}", "x" * 5000, " "][variant]
    if base is float:
        return [float("nan"), float("inf"), -0.0, 1e308][variant]
    if base is int:
        return [0, -1, 10**30, 7][variant]
    if base is bool:
        return variant % 2 == 0
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base) or (Any,)
        return [] if variant == 0 else [odd(item, variant)] * variant
    if base is ImageArtifact:
        return TINY_PNG
    if base is AudioArtifact:
        return [AudioArtifact.from_bytes(wav_bytes(0.001)), AudioArtifact(data=b"fLaC", mime_type="audio/flac")][
            variant % 2
        ]
    if base is VideoArtifact:  # a measured MP4, or a WebM whose size and length are unknown
        return [
            VideoArtifact.from_bytes(mp4_bytes(16, 16, 0.0)),
            VideoArtifact(data=b"\x1aE\xdf\xa3", mime_type="video/webm"),
        ][variant % 2]
    if base is AudioTrack:
        return AudioTrack(label=odd(str, variant), data=b"fLaC", mime_type="audio/flac")
    if base is Detections:
        return Detections(objects=odd(base.model_fields["objects"].annotation, variant), image=None)
    if base is Segment:
        return Segment(label=odd(str, variant), score=odd(float | None, variant + 1), mask=TINY_PNG)
    if dataclasses.is_dataclass(base):
        hints = typing.get_type_hints(base)
        return base(**{f.name: odd(hints[f.name], variant) for f in dataclasses.fields(base)})
    raise AssertionError(f"no odd value for {annotation!r}")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_renderer_handles_odd_but_valid_outputs(task: str, variant: int) -> None:
    spec = TASKS[task]
    output = odd(spec.output_type, variant)
    assert shape_problem(output) is None  # valid: it would pass the task's own check
    text = spec.render.__wrapped__(output)  # type: ignore[attr-defined]  # the renderer itself, no safety net
    assert isinstance(text, str) and text.strip()


@pytest.mark.parametrize("task", sorted(TASKS))
@pytest.mark.parametrize("broken", [None, 42, object(), [None], {"label": 1}])
def test_a_task_renderer_never_raises_even_on_broken_outputs(task: str, broken: Any) -> None:
    text = TASKS[task].render(broken)
    assert isinstance(text, str) and text
