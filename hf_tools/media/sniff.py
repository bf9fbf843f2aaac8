r"""Recognize image, audio and video formats from their bytes (never from a file name).

An ISO base media file (``ftyp``: MP4, M4A, MOV) is video when it holds a video track (a ``vide``
handler) or carries a video-only brand, and audio otherwise; :func:`sniff` with ``kind="video"``
(a task that returns video) reads any ``ftyp`` or WebM file as video.

Example:
    >>> from hf_tools.media.sniff import sniff
    >>> sniff(b"\x89PNG\r\n\x1a\n" + bytes(16)).mime_type
    'image/png'
    >>> sniff(b"just some text") is None
    True
    >>> from hf_tools.testing.answers.media import mp4_bytes
    >>> sniff(mp4_bytes()).mime_type, sniff(b"\x00\x00\x00\x18ftypM4A " + bytes(16)).mime_type
    ('video/mp4', 'audio/mp4')

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["MediaKind", "MediaType", "has_video_track", "sniff"]

MediaKind = Literal["image", "audio", "video"]


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
MP4_VIDEO = MediaType("video", "video/mp4", "mp4")
MOV = MediaType("video", "video/quicktime", "mov")
WEBM_VIDEO = MediaType("video", "video/webm", "webm")

# ftyp major brands that only audio files use, and brands of video-only formats
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
_VIDEO_BRANDS = {b"qt  ": MOV, b"M4V ": MP4_VIDEO, b"M4VH": MP4_VIDEO, b"M4VP": MP4_VIDEO, b"F4V ": MP4_VIDEO}

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


def _iso_media(data: bytes, kind: MediaKind | None) -> MediaType:
    """Audio or video, for an ISO base media file (``ftyp``): by the brand, the tracks' handlers, or ``kind``."""
    brand = bytes(data[8:12])
    if brand in _AUDIO_BRANDS and kind != "video":
        return MP4
    if brand in _VIDEO_BRANDS:
        return _VIDEO_BRANDS[brand]
    if kind == "video" or has_video_track(data):
        return MP4_VIDEO
    return MP4


def has_video_track(data: bytes) -> bool:
    """Whether an ISO base media file declares a video track (an ``hdlr`` box of type ``vide``)."""
    start = 0
    while True:
        found = data.find(b"hdlr", start)
        if found < 0:
            return False
        if data[found + 12 : found + 16] == b"vide":
            return True
        start = found + 4


def sniff(data: bytes, kind: MediaKind | None = None) -> MediaType | None:
    """The image/audio/video format of ``data``, or None if it is not one this package accepts.

    ``kind`` says what the bytes are expected to be where a container holds either (an MP4 or
    WebM from a task that returns video is video even without a readable video track).
    """
    head = bytes(data[:32])
    for prefix, media_type in _PREFIXES:
        if head.startswith(prefix):
            return WEBM_VIDEO if media_type is WEBM and kind == "video" else media_type
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"WEBP"):
        return WAV if head[8:12] == b"WAVE" else WEBP
    if head[4:8] == b"ftyp":
        return _iso_media(data, kind)
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return BMP
    if len(head) >= 4 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return MP3
    return None
