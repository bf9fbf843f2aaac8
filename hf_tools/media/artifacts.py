"""Media outputs: image, audio and video artifacts with their bytes, format and measurements.

Example:
    >>> from hf_tools.media.artifacts import AudioArtifact
    >>> from hf_tools.testing.answers import wav_bytes
    >>> clip = AudioArtifact.from_bytes(wav_bytes(0.5))
    >>> clip.mime_type, clip.duration, clip.describe()
    ('audio/wav', 0.5, '0.50 s WAV audio (8.0 kB)')

"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import struct
import wave
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from hf_tools.media.decode import DEFAULT_MAX_PIXELS, MediaDecodeError, check_audio, check_image
from hf_tools.media.sniff import MediaType, sniff

__all__ = ["AudioArtifact", "ImageArtifact", "MediaArtifact", "VideoArtifact"]


def _size_text(size: int) -> str:
    return f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


class MediaArtifact(BaseModel):
    """Bytes of a generated or returned media file, with their MIME type.

    File names are never taken from model text: :attr:`default_name` is built from the
    task and a hash of the bytes.
    """

    model_config = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    data: bytes = Field(repr=False, description="The file's bytes (base64 in JSON).")
    mime_type: str = Field(description="MIME type found from the bytes, e.g. 'image/png'.")
    path: str | None = Field(default=None, description="Where the file was saved, if it was.")

    _kind: ClassVar[str] = "media"

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    @property
    def media_type(self) -> MediaType | None:
        return sniff(self.data, self._kind if self._kind in ("image", "audio", "video") else None)  # type: ignore[arg-type]

    @property
    def extension(self) -> str:
        found = self.media_type
        return found.extension if found else "bin"

    @property
    def default_name(self) -> str:
        """A safe file name: ``<kind>-<sha256 prefix>.<ext>``."""
        return f"{self._kind}-{hashlib.sha256(self.data).hexdigest()[:16]}.{self.extension}"

    def base64(self) -> str:
        """The bytes as base64 text."""
        return base64.b64encode(self.data).decode()

    def data_uri(self) -> str:
        """A ``data:`` URI of the bytes."""
        return f"data:{self.mime_type};base64,{self.base64()}"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the bytes to ``path``; return the file's path.

        A folder (an existing one, or a path ending in a separator such as ``"out/"``, created
        if needed) gets a file named :attr:`default_name`. The file is readable by its owner only
        (0600) and written without following links: the bytes go to a new file beside ``path``,
        which then replaces ``path`` itself (a symlink planted there is replaced, its target untouched).
        """
        text = os.fspath(path)
        target = Path(text)
        if text.endswith(tuple(sep for sep in (os.sep, os.altsep, "/") if sep)):
            target.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            target = target / self.default_name
        _write_new_file(target, self.data)
        return target

    def saved_to(self, folder: str | os.PathLike[str]) -> MediaArtifact:
        """A copy whose :attr:`path` is where the bytes were saved in ``folder`` (created if needed)."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        return self.model_copy(update={"path": str(self.save(folder))})

    def content_block(self) -> dict[str, Any]:
        """A LangChain standard content block (base64), e.g. for a vision model's message."""
        return {"type": self._kind, "base64": self.base64(), "mime_type": self.mime_type}

    def describe(self) -> str:
        """Short text for an LLM."""
        found = self.media_type
        label = f"{found.extension.upper()} {self._kind}" if found else self.mime_type
        saved = f", saved to {self.path}" if self.path else ""
        return f"{label} ({_size_text(self.size)}){saved}"


def _write_new_file(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a new 0600 file renamed over it: no link is ever followed."""
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class ImageArtifact(MediaArtifact):
    """An image: bytes, MIME type, width and height.

    Example:
        >>> from hf_tools.media import ImageArtifact
        >>> from hf_tools.testing.answers import png_bytes
        >>> image = ImageArtifact.from_bytes(png_bytes(64, 32))
        >>> image.width, image.height, image.mime_type
        (64, 32, 'image/png')
        >>> image.content_block()["type"]
        'image'

    """

    width: int = Field(description="Width in pixels.")
    height: int = Field(description="Height in pixels.")

    _kind: ClassVar[str] = "image"

    @classmethod
    def from_bytes(cls, data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageArtifact:
        """An artifact of encoded image bytes (PNG, JPEG, ...).

        Raises:
            MediaDecodeError: (a ``ValueError``) the bytes are not an image that decodes, or it
                has more than ``max_pixels`` pixels.

        """
        mime, width, height = check_image(bytes(data), max_pixels)
        return cls(data=bytes(data), mime_type=mime, width=width, height=height)

    @classmethod
    def from_pil(cls, image: Any, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageArtifact:
        """An artifact of a PIL image, kept in its own format (PNG if it has none) with its PNG text chunks.

        Raises:
            MediaDecodeError: the image cannot be decoded (e.g. a truncated file opened lazily)
                or has more than ``max_pixels`` pixels.

        """
        width, height = image.size
        if width * height > max_pixels:
            raise MediaDecodeError(f"is {width}x{height} pixels, more than the limit of {max_pixels}", too_large=True)
        try:
            return cls._encode_pil(image)
        except MediaDecodeError:
            raise
        except Exception as exc:  # noqa: BLE001 - a lazily opened image decodes here
            raise MediaDecodeError(f"is an image that cannot be decoded: {type(exc).__name__}: {exc}") from None

    @classmethod
    def _encode_pil(cls, image: Any) -> ImageArtifact:
        fmt = image.format if image.format in ("PNG", "JPEG", "WEBP", "GIF") else "PNG"
        options: dict[str, Any] = {}
        if fmt == "PNG":
            from PIL.PngImagePlugin import PngInfo

            info = PngInfo()
            for key, value in image.info.items():
                if isinstance(key, str) and isinstance(value, str):
                    info.add_text(key, value)
            options["pnginfo"] = info
        buffer = io.BytesIO()
        image.save(buffer, format=fmt, **options)
        return cls.from_bytes(buffer.getvalue())

    def to_pil(self) -> Any:
        """The image as a PIL image."""
        from PIL import Image

        return Image.open(io.BytesIO(self.data))

    def describe(self) -> str:
        return f"{self.width}x{self.height} " + super().describe()


class AudioArtifact(MediaArtifact):
    """Audio: bytes, MIME type and, for WAV, duration, sample rate and channels.

    Example:
        >>> from hf_tools.media import AudioArtifact
        >>> from hf_tools.testing.answers import wav_bytes
        >>> AudioArtifact.from_bytes(wav_bytes(1.0, rate=8000)).sample_rate
        8000

    """

    duration: float | None = Field(default=None, description="Length in seconds, if known.")
    sample_rate: int | None = Field(default=None, description="Samples per second, if known.")
    channels: int | None = Field(default=None, description="Number of channels, if known.")

    _kind: ClassVar[str] = "audio"

    @classmethod
    def from_bytes(cls, data: bytes) -> AudioArtifact:
        """An artifact of encoded audio bytes; WAV headers are read for the duration.

        Raises:
            MediaDecodeError: (a ``ValueError``) the bytes are not audio of a supported format
                with a whole container header (e.g. an HTML error page, an empty body).

        """
        found = sniff(data)
        mime = check_audio(bytes(data), found)
        fields: dict[str, Any] = {}
        if found is not None and found.extension == "wav":
            try:
                with wave.open(io.BytesIO(data)) as clip:
                    rate = clip.getframerate()
                    fields = {
                        "duration": round(clip.getnframes() / rate, 3) if rate else None,
                        "sample_rate": rate,
                        "channels": clip.getnchannels(),
                    }
            except (wave.Error, EOFError):
                fields = {}
        return cls(data=bytes(data), mime_type=mime, **fields)

    def describe(self) -> str:
        length = f"{self.duration:.2f} s " if self.duration is not None else ""
        return length + super().describe()


class VideoArtifact(MediaArtifact):
    """A video: the exact bytes the provider served, the MIME type sniffed from them
    (``video/mp4`` for an MP4 with a video track), and the frame size and duration when the
    MP4 header says them.

    Example:
        >>> from hf_tools.media import VideoArtifact
        >>> from hf_tools.testing.answers.media import mp4_bytes
        >>> clip = VideoArtifact.from_bytes(mp4_bytes(64, 48, 2.0))
        >>> clip.mime_type, clip.width, clip.height, clip.describe()
        ('video/mp4', 64, 48, '2.00 s 64x48 MP4 video (0.5 kB)')
        >>> clip.default_name.startswith("video-"), clip.default_name.endswith(".mp4")
        (True, True)

    """

    width: int | None = Field(default=None, description="Frame width in pixels, if known.")
    height: int | None = Field(default=None, description="Frame height in pixels, if known.")
    duration: float | None = Field(default=None, description="Length in seconds, if known.")

    _kind: ClassVar[str] = "video"

    @classmethod
    def from_bytes(cls, data: bytes) -> VideoArtifact:
        """An artifact of encoded video bytes (MP4/MOV, WebM), kept as they are.

        Raises:
            MediaDecodeError: (a ``ValueError``) the bytes are not a video container this
                package recognizes (e.g. an HTML error page, a JSON body, an image).

        """
        data = bytes(data)
        found = sniff(data, "video")
        if found is None or found.kind != "video":
            what = found.mime_type if found else f"{len(data)} bytes of no known format"
            raise MediaDecodeError(f"is not a video file of a supported format (got {what})")
        return cls(data=data, mime_type=found.mime_type, **_iso_facts(data))

    def content_block(self) -> dict[str, Any]:
        """A LangChain standard content block (base64 ``video``)."""
        return {"type": "video", "base64": self.base64(), "mime_type": self.mime_type}

    def describe(self) -> str:
        length = f"{self.duration:.2f} s " if self.duration is not None else ""
        size = f"{self.width}x{self.height} " if self.width and self.height else ""
        return length + size + super().describe()


_CONTAINERS = frozenset({b"moov", b"trak", b"mdia"})


def _iso_boxes(data: bytes, start: int, end: int) -> Any:
    """``(type, body start, body end)`` of the ISO boxes in ``data[start:end]``, into containers."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1 and offset + 16 <= end:
            size, header = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return
        yield kind, offset + header, offset + size
        if kind in _CONTAINERS:
            yield from _iso_boxes(data, offset + header, offset + size)
        offset += size


def _iso_facts(data: bytes) -> dict[str, Any]:
    """Duration (``mvhd``) and the video track's frame size (``tkhd`` of a ``vide`` track) of an MP4."""
    facts: dict[str, Any] = {}
    if data[4:8] != b"ftyp":
        return facts
    size: tuple[int, int] | None = None
    for kind, body, end in _iso_boxes(data, 0, len(data)):
        version = data[body] if body < end else 0
        if kind == b"mvhd" and end - body >= (32 if version else 20):
            scale, duration = (
                struct.unpack(">IQ", data[body + 20 : body + 32])
                if version
                else struct.unpack(">II", data[body + 12 : body + 20])
            )
            if scale:
                facts["duration"] = round(duration / scale, 3)
        elif kind == b"tkhd" and end - body >= 8:
            width, height = struct.unpack(">II", data[end - 8 : end])
            size = (width >> 16, height >> 16)
        elif kind == b"hdlr" and data[body + 8 : body + 12] == b"vide" and size and all(size):
            facts["width"], facts["height"] = size
    return facts
