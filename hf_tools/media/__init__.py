"""Media in and out: safe image/audio inputs and typed image/audio artifacts.

Inputs (:data:`ImageInput`, :data:`AudioInput` fields) accept a path inside the allowed
folders, an http(s) URL to a public address, bytes, base64, a data URI or a PIL image; each is
read under :class:`MediaPolicy` and checked to really be an image/audio file. Refusals are
:class:`MediaError` s (an ``HFInputError``). Outputs are :class:`ImageArtifact` and
:class:`AudioArtifact` (:class:`AudioTrack`: one with a label).

Example:
    >>> from hf_tools.media import MediaPolicy, parse_media
    >>> from hf_tools.testing.answers import png_bytes
    >>> source = parse_media(png_bytes(4, 4), "image")
    >>> len(source.load(MediaPolicy.from_settings(None))) > 0
    True

"""

from hf_tools.media.artifacts import AudioArtifact, ImageArtifact, MediaArtifact, VideoArtifact
from hf_tools.media.errors import (
    MediaError,
    MediaFetchError,
    MediaPathError,
    MediaTooLargeError,
    UnsafeURLError,
    UnsupportedMediaError,
)
from hf_tools.media.fetch import afetch, fetch
from hf_tools.media.policy import MediaPolicy
from hf_tools.media.results import Detections, Segment, annotate
from hf_tools.media.sniff import MediaType, sniff
from hf_tools.media.source import AudioInput, ImageInput, MediaSource, parse_media
from hf_tools.media.tracks import AudioTrack

__all__ = [
    "AudioArtifact",
    "AudioInput",
    "AudioTrack",
    "Detections",
    "ImageArtifact",
    "ImageInput",
    "MediaArtifact",
    "MediaError",
    "MediaFetchError",
    "MediaPathError",
    "MediaPolicy",
    "MediaSource",
    "MediaTooLargeError",
    "MediaType",
    "Segment",
    "UnsafeURLError",
    "UnsupportedMediaError",
    "VideoArtifact",
    "afetch",
    "annotate",
    "fetch",
    "parse_media",
    "sniff",
]
