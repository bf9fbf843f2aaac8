"""Typed results of the image tasks that are more than a list: detections and segments.

Example:
    >>> from huggingface_hub import ObjectDetectionOutputElement, ObjectDetectionBoundingBox
    >>> from hf_tools.media import Detections, ImageArtifact
    >>> from hf_tools.testing.answers import png_bytes
    >>> box = ObjectDetectionBoundingBox(xmin=2, ymin=2, xmax=20, ymax=20)
    >>> found = [ObjectDetectionOutputElement(box=box, label="cat", score=0.9)]
    >>> result = Detections(objects=found, image=ImageArtifact.from_bytes(png_bytes(32, 32)))
    >>> result.describe()
    '1 object: cat (0.90) at [2, 2, 20, 20]'
    >>> result.annotated().width
    32

"""

from __future__ import annotations

import io
from typing import Any

from huggingface_hub import ObjectDetectionOutputElement
from pydantic import BaseModel, ConfigDict, Field

from hf_tools.media.artifacts import ImageArtifact

__all__ = ["Detections", "Segment", "annotate"]


class Detections(BaseModel):
    """Objects found in an image; :meth:`annotated` draws their boxes on a copy of it, on request.

    Example:
        >>> from hf_tools.media.results import Detections
        >>> Detections(objects=[]).describe()
        'no objects found'

    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    objects: list[ObjectDetectionOutputElement] = Field(description="Each object: label, score and box.")
    image: ImageArtifact | None = Field(default=None, description="The image the objects were found in.")

    def describe(self) -> str:
        """Short text for an LLM."""
        if not self.objects:
            text = "no objects found"
        else:
            found = ", ".join(f"{o.label} ({_number(o.score)}) at {_corners(o.box)}" for o in self.objects)
            text = f"{len(self.objects)} object{'s' if len(self.objects) != 1 else ''}: {found}"
        return text

    def annotated(self) -> ImageArtifact:
        """A PNG copy of the image with every box and label drawn.

        Raises:
            ValueError: the result does not hold the image.

        """
        if self.image is None:
            raise ValueError("these detections do not hold their image; use annotate(image, objects)")
        return annotate(self.image.data, self.objects)


class Segment(BaseModel):
    """One segment of an image: its label, score and mask (a black-and-white image).

    Example:
        >>> from hf_tools.media.results import Segment
        >>> from hf_tools.media import ImageArtifact
        >>> from hf_tools.testing.answers import png_bytes
        >>> Segment(label="sky", score=0.5, mask=ImageArtifact.from_bytes(png_bytes(4, 4))).mask.width
        4

    """

    label: str = Field(description="What the segment is.")
    score: float | None = Field(default=None, description="Confidence, if the model gives one.")
    mask: ImageArtifact = Field(description="White where the segment is.")


def _number(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "?"


def _corners(box: Any) -> str:
    return "[" + ", ".join(str(getattr(box, side, "?")) for side in ("xmin", "ymin", "xmax", "ymax")) + "]"


def annotate(image: bytes, objects: list[ObjectDetectionOutputElement]) -> ImageArtifact:
    """A PNG copy of ``image`` with each object's box and label drawn on it."""
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(image)) as source:
        canvas = source.convert("RGB")
    draw = ImageDraw.Draw(canvas)
    for item in objects:
        box = item.box
        draw.rectangle([box.xmin, box.ymin, box.xmax, box.ymax], outline=(255, 0, 0), width=2)
        draw.text((box.xmin + 3, box.ymin + 2), f"{item.label} {item.score:.2f}", fill=(255, 0, 0))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return ImageArtifact.from_bytes(buffer.getvalue())


def segments(raw: Any) -> list[Segment]:
    """Segmentation elements (masks as PIL images or base64 PNG) → :class:`Segment` s."""
    import base64

    out = []
    for item in raw:
        mask = item.mask
        artifact = (
            ImageArtifact.from_bytes(base64.b64decode(mask)) if isinstance(mask, str) else ImageArtifact.from_pil(mask)
        )
        out.append(Segment(label=item.label, score=item.score, mask=artifact))
    return out
