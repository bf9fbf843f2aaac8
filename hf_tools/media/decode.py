r"""Check that media bytes really are what their first bytes claim, without trusting them.

:func:`sniff <hf_tools.media.sniff.sniff>` only reads a magic number. Before media is sent
(or accepted from a server), :func:`check_image` opens the image header, refuses more than
``max_pixels`` pixels (a decompression bomb is a few kB of PNG that decodes to gigabytes) and
decodes the file (PNG: every chunk and its checksum; JPEG: at 1/8 scale; other formats: fully,
within the pixel cap), so a truncated or corrupt image is caught here; :func:`check_audio` walks
the audio container's header (WAV chunks, FLAC stream info, Ogg page, MP3 frame, MP4 boxes,
WebM EBML header). Both raise :class:`MediaDecodeError` (a ``ValueError``).

Example:
    >>> from hf_tools.media.decode import check_image, check_audio
    >>> from hf_tools.testing.answers import png_bytes, wav_bytes
    >>> check_image(png_bytes(8, 4))
    ('image/png', 8, 4)
    >>> check_image(png_bytes(8, 4)[:60])
    Traceback (most recent call last):
    ...
    hf_tools.media.decode.MediaDecodeError: is a PNG image that cannot be decoded (truncated or corrupt)
    >>> check_audio(wav_bytes(0.1))
    'audio/wav'
    >>> check_audio(wav_bytes(0.1)[:12])
    Traceback (most recent call last):
    ...
    hf_tools.media.decode.MediaDecodeError: is not a complete WAV file (no 'fmt ' chunk)

"""

from __future__ import annotations

import io
import struct

from hf_tools.media.sniff import MediaType, sniff

__all__ = ["DEFAULT_MAX_PIXELS", "MediaDecodeError", "check_audio", "check_image"]

DEFAULT_MAX_PIXELS = 64 * 1024 * 1024
"""The most pixels an image may have (64 megapixels, e.g. 8192x8192)."""


class MediaDecodeError(ValueError):
    """The bytes are not a decodable image/audio file; ``too_large`` if only the pixel cap refused them.

    The message is a predicate (``"is a PNG image that cannot be decoded ..."``) for callers to
    prefix with what the bytes were (``"the image input "``, ``"the server's answer "``).
    """

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def check_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[str, int, int]:
    """``(MIME type, width, height)`` of an image that decodes and has at most ``max_pixels`` pixels.

    Raises:
        MediaDecodeError: not an image Pillow can open, too many pixels, truncated or corrupt.

    """
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise MediaDecodeError(f"has more pixels than the limit of {max_pixels} ({exc})", too_large=True) from None
    except Exception:  # noqa: BLE001 - any failure to read untrusted bytes means "not an image"
        raise MediaDecodeError("is not an image file that can be opened (unknown, truncated or corrupt)") from None
    with image:
        width, height = image.size
        kind = image.format or "unknown"
        mime = Image.MIME.get(kind, "") or "application/octet-stream"
        if width < 1 or height < 1:
            raise MediaDecodeError(f"is a {kind} image of {width}x{height} pixels")
        if width * height > max_pixels:
            raise MediaDecodeError(
                f"is {width}x{height} pixels, more than the limit of {max_pixels} pixels", too_large=True
            )
        try:
            if kind == "PNG":
                image.verify()
            else:
                if kind == "JPEG":
                    image.draft(None, (max(1, width // 8), max(1, height // 8)))
                image.load()
        except Exception:  # noqa: BLE001 - any decoder failure means a broken file
            raise MediaDecodeError(f"is a {kind} image that cannot be decoded (truncated or corrupt)") from None
    return mime, width, height


def check_audio(data: bytes, media_type: MediaType | None = None) -> str:
    """The MIME type of audio whose container header is whole and sane.

    Raises:
        MediaDecodeError: not a supported audio format, or its header is cut short or broken.

    """
    found = media_type or sniff(data)
    if found is None or found.kind != "audio":
        raise MediaDecodeError("is not an audio file of a supported format")
    problem = _CHECKS[found.extension](bytes(data))
    if problem is not None:
        raise MediaDecodeError(f"is not a complete {found.extension.upper()} file ({problem})")
    return found.mime_type


def _wav(data: bytes) -> str | None:
    if len(data) < 12:
        return "no RIFF header"
    offset, fmt_ok, data_ok = 12, False, False
    while offset + 8 <= len(data) and not (fmt_ok and data_ok):
        chunk, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        body = data[offset + 8 : offset + 8 + size]
        if chunk == b"fmt ":
            if len(body) < 16:
                return "a cut-short 'fmt ' chunk"
            channels, rate = struct.unpack("<HI", body[2:8])
            if channels < 1 or rate < 1:
                return f"{channels} channels at {rate} Hz"
            fmt_ok = True
        elif chunk == b"data":
            if not body:
                return "no audio data"
            data_ok = True
        offset += 8 + size + (size & 1)
    if not fmt_ok:
        return "no 'fmt ' chunk"
    return None if data_ok else "no 'data' chunk"


def _flac(data: bytes) -> str | None:
    block = data[4:8]
    if len(block) < 4 or block[0] & 0x7F != 0 or int.from_bytes(block[1:4], "big") != 34 or len(data) < 42:
        return "no STREAMINFO block"
    rate = int.from_bytes(data[18:21], "big") >> 4
    return None if rate > 0 else "a sample rate of 0"


def _ogg(data: bytes) -> str | None:
    if len(data) < 27 or data[4] != 0:
        return "no Ogg page header"
    end = 27 + data[26] + sum(data[27 : 27 + data[26]])
    return None if data[26] and len(data) >= end else "a cut-short first page"


def _mp3(data: bytes) -> str | None:
    offset = 0
    if data[:3] == b"ID3":
        if len(data) < 10:
            return "a cut-short ID3 tag"
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        offset = 10 + size + (10 if data[5] & 0x10 else 0)
    for start in range(offset, min(len(data) - 3, offset + 4096)):
        head = data[start : start + 4]
        if head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
            version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
            bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
            if version != 1 and layer != 0 and bitrate != 0xF and rate != 3:
                return None
    return "no MPEG audio frame"


def _mp4(data: bytes) -> str | None:
    offset, seen = 0, set()
    while offset + 8 <= len(data):
        size, box = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1 and offset + 16 <= len(data):
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        elif size == 0:
            size = len(data) - offset
        if size < 8:
            return f"a broken {box!r} box"
        seen.add(box)
        offset += size
    if b"ftyp" not in seen:
        return "no 'ftyp' box"
    return None if b"moov" in seen else "no 'moov' box"


def _ebml_length(data: bytes, offset: int) -> tuple[int, int] | None:
    """(value, bytes used) of the EBML variable-length size at ``offset``."""
    if offset >= len(data) or data[offset] == 0:
        return None
    first = data[offset]
    width = 8 - first.bit_length() + 1
    if offset + width > len(data):
        return None
    value = first & ((1 << (8 - width)) - 1)
    for byte in data[offset + 1 : offset + width]:
        value = (value << 8) | byte
    return value, width


def _webm(data: bytes) -> str | None:
    header = _ebml_length(data, 4)
    if header is None:
        return "a broken EBML header"
    size, used = header
    segment = 4 + used + size
    if data[segment : segment + 4] != b"\x18\x53\x80\x67":
        return "no Segment after the EBML header"
    return None


_CHECKS = {"wav": _wav, "flac": _flac, "ogg": _ogg, "mp3": _mp3, "m4a": _mp4, "webm": _webm}
