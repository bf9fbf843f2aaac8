r"""Recognize image and audio formats from their first bytes (never from a file name).

Example:
    >>> from hf_tools.media.sniff import sniff
    >>> sniff(b"\x89PNG\r\n\x1a\n" + bytes(16)).mime_type
    'image/png'
    >>> sniff(b"just some text") is None
    True

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["MediaKind", "MediaType", "sniff"]

MediaKind = Literal["image", "audio"]


@dataclass(frozen=True)
class MediaType:
    """A recognized format: its kind, MIME type and usual file extension."""

    kind: MediaKind
    mime_type: str
    extension: str


PNG = MediaType("image", "image/png", "png")
JPEG = MediaType("image", "image/jpeg", "jpg")
GIF = MediaType("image", "image/gif", "gif")
WEBP = MediaType("image", "image/webp", "webp")
BMP = MediaType("image", "image/bmp", "bmp")
TIFF = MediaType("image", "image/tiff", "tiff")
WAV = MediaType("audio", "audio/wav", "wav")
FLAC = MediaType("audio", "audio/flac", "flac")
MP3 = MediaType("audio", "audio/mpeg", "mp3")
OGG = MediaType("audio", "audio/ogg", "ogg")
MP4 = MediaType("audio", "audio/mp4", "m4a")
WEBM = MediaType("audio", "audio/webm", "webm")

_PREFIXES: tuple[tuple[bytes, MediaType], ...] = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"fLaC", FLAC),
    (b"ID3", MP3),
    (b"OggS", OGG),
    (b"\x1a\x45\xdf\xa3", WEBM),
)
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}


def sniff(data: bytes) -> MediaType | None:
    """The image/audio format of ``data``, or None if it is not one this package accepts."""
    head = bytes(data[:32])
    for prefix, media_type in _PREFIXES:
        if head.startswith(prefix):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"WEBP"):
        return WAV if head[8:12] == b"WAVE" else WEBP
    if head[4:8] == b"ftyp":
        return MP4
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return BMP
    if len(head) >= 4 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return MP3
    return None
