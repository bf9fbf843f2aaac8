"""Media inputs: what a caller (or an LLM) may pass, parsed without I/O, loaded under a policy.

Accepted forms: raw ``bytes``, a PIL image, a ``pathlib.Path``, and the string forms an LLM
can write: an http(s) URL, a data URI, base64 of the file, or a file path. Parsing never
reads or fetches; :meth:`MediaSource.load` / :meth:`MediaSource.aload` do, with every guard
of :class:`~hf_tools.media.policy.MediaPolicy`, and check that the bytes really are an
image or audio file of a supported format that decodes (:mod:`hf_tools.media.decode`: image
header and pixel cap, audio container).

A string that cannot be a media input (a data URI without ``;base64``, text with lone
surrogates, ...) still validates as an :data:`ImageInput`/:data:`AudioInput` field: it becomes
a refused source whose ``load`` raises the :class:`~hf_tools.media.errors.MediaError`, so a
Tool hands the reason back to the model and a Runnable raises it, before any request.

Example:
    >>> from hf_tools.media.source import parse_media
    >>> parse_media("https://example.com/cat.png", "image").origin
    'url'
    >>> parse_media("photos/cat.png", "image").origin
    'path'
    >>> parse_media("data:image/png;base64,iVBORw0KGgo=", "image").origin
    'bytes'

"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, SerializationInfo, WithJsonSchema

from hf_tools.media.decode import MediaDecodeError, check_audio, check_image
from hf_tools.media.errors import (
    MediaError,
    MediaFetchError,
    MediaPathError,
    MediaTooLargeError,
    UnsupportedMediaError,
)
from hf_tools.media.fetch import afetch, fetch
from hf_tools.media.paths import read_path
from hf_tools.media.policy import MediaPolicy
from hf_tools.media.sniff import MediaKind, MediaType, sniff

__all__ = ["AudioInput", "ImageInput", "MediaSource", "RefusedMedia", "parse_media"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


class MediaSource:
    """An image or audio input, not read yet.

    Attributes:
        kind: ``"image"`` or ``"audio"``: what the bytes must turn out to be.
        origin: ``"bytes"`` (given inline), ``"url"``, ``"path"`` or ``"refused"``
            (a :class:`RefusedMedia`).
        value: the bytes, the URL or the path (for a refused source, the reason).

    Example:
        >>> from hf_tools.media.source import MediaSource
        >>> from hf_tools.media.policy import MediaPolicy
        >>> MediaSource("image", "bytes", b"hello").load(MediaPolicy.from_settings(None))
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hf_tools.media.errors.UnsupportedMediaError: the image input is not an image file of a supported format...

    """

    __slots__ = ("kind", "origin", "value")

    def __init__(self, kind: MediaKind, origin: Origin, value: bytes | str) -> None:
        self.kind: MediaKind = kind
        self.origin: Origin = origin
        self.value: bytes | str = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MediaSource):
            return NotImplemented
        return (self.kind, self.origin, self.value) == (other.kind, other.origin, other.value)

    def __hash__(self) -> int:
        return hash((self.kind, self.origin, self.value))

    def describe(self) -> str:
        """A short, safe description (no bytes) for traces and messages."""
        if isinstance(self.value, bytes):
            return f"<{self.kind}: {len(self.value)} bytes>"
        return f"<{self.kind} {self.origin}: {self.value[:200]}>"

    def __repr__(self) -> str:
        return f"MediaSource({self.describe()})"

    def _raw_sync(self, policy: MediaPolicy) -> bytes:
        if self.origin == "url":
            return fetch(str(self.value), policy)
        if self.origin == "path":
            return read_path(str(self.value), policy)
        return bytes(self.value) if isinstance(self.value, bytes) else self.value.encode()

    def load(self, policy: MediaPolicy) -> bytes:
        """Read, fetch or take the bytes under ``policy`` and check their format.

        Raises:
            MediaError: any refusal (unsafe URL, path outside the folders or unusable, too
                large, not an image/audio file of a supported format, not decodable, fetch
                failure); never another exception.

        """
        try:
            data = self._raw_sync(policy)
        except (OSError, UnicodeError, ValueError) as exc:
            raise self._unreadable(exc) from exc
        return self.check(data, policy)

    async def aload(self, policy: MediaPolicy) -> bytes:
        """Async :meth:`load`: URLs are fetched with async DNS and HTTP."""
        try:
            if self.origin == "url":
                data = await afetch(str(self.value), policy)
            elif self.origin == "path":
                data = await asyncio.to_thread(read_path, str(self.value), policy)
            else:
                data = self._raw_sync(policy)
        except (OSError, UnicodeError, ValueError) as exc:
            raise self._unreadable(exc) from exc
        if len(data) > _DECODE_INLINE:  # decoding a large image would stall the event loop
            return await asyncio.to_thread(self.check, data, policy)
        return self.check(data, policy)

    def _unreadable(self, exc: BaseException) -> MediaError:
        """``exc`` as a :class:`MediaError` (a refusal already is one)."""
        if isinstance(exc, MediaError):
            return exc
        kind = {"url": MediaFetchError, "path": MediaPathError}.get(self.origin, UnsupportedMediaError)
        return kind(f"cannot read the {self.kind} input {self.describe()}: {type(exc).__name__}: {exc}"[:500])

    def check(self, data: bytes, policy: MediaPolicy) -> bytes:
        """``data`` if it is within ``max_bytes``, really of this source's kind, and decodes.

        Images must open, have at most ``policy.max_pixels`` pixels and decode; audio must
        have a whole container header (see :mod:`hf_tools.media.decode`).
        """
        if len(data) > policy.max_bytes:
            raise MediaTooLargeError(f"the {self.kind} is larger than the limit of {policy.max_bytes} bytes")
        found = sniff(data)
        if found is None or found.kind != self.kind:
            what = f"{found.mime_type} data" if found else f"{len(data)} bytes that are not {_FORMATS[self.kind]}"
            raise UnsupportedMediaError(
                f"the {self.kind} input is not an {self.kind} file of a supported format (got {what})"
            )
        try:
            if self.kind == "image":
                check_image(data, policy.max_pixels)
            else:
                check_audio(data, found)
        except MediaDecodeError as exc:
            error = MediaTooLargeError if exc.too_large else UnsupportedMediaError
            raise error(f"the {self.kind} input {exc}") from None
        return data

    def media_type(self, data: bytes) -> MediaType | None:
        """The format of ``data`` (as loaded from this source)."""
        return sniff(data)


class RefusedMedia(MediaSource):
    """A media value refused while parsing: :meth:`load` raises its :class:`MediaError`.

    Example:
        >>> from hf_tools.media.source import parse_media_field
        >>> from hf_tools.media.policy import MediaPolicy
        >>> source = parse_media_field("data:image/png,abc", "image")
        >>> source.origin
        'refused'
        >>> source.load(MediaPolicy.from_settings(None))
        Traceback (most recent call last):
        ...
        hf_tools.media.errors.UnsupportedMediaError: a data URI must look like 'data:<mime>;base64,<data>'

    """

    __slots__ = ("error",)

    def __init__(self, kind: MediaKind, error: MediaError) -> None:
        super().__init__(kind, "refused", str(error))
        self.error = error

    def load(self, policy: MediaPolicy) -> bytes:
        raise type(self.error)(str(self.error))

    async def aload(self, policy: MediaPolicy) -> bytes:
        raise type(self.error)(str(self.error))

    def describe(self) -> str:
        return f"<{self.kind} refused: {str(self.value)[:200]}>"


Origin = Literal["bytes", "url", "path", "refused"]
_DECODE_INLINE = 256 * 1024

_FORMATS: dict[str, str] = {
    "image": "PNG, JPEG, GIF, WebP, BMP or TIFF",
    "audio": "WAV, FLAC, MP3, OGG, M4A or WebM",
}


def _is_pil_image(value: Any) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "save") and hasattr(value, "size")


def _pil_to_png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _decode_base64(text: str) -> bytes | None:
    compact = re.sub(r"\s+", "", text)
    if len(compact) < 8 or not _BASE64.match(compact):
        return None
    padded = compact + "=" * (-len(compact) % 4)
    try:
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _from_data_uri(text: str, kind: MediaKind) -> MediaSource:
    header, sep, payload = text.partition(",")
    if not sep or not header.lower().endswith(";base64"):
        raise UnsupportedMediaError("a data URI must look like 'data:<mime>;base64,<data>'")
    data = _decode_base64(payload)
    if data is None:
        raise UnsupportedMediaError("the data URI's payload is not valid base64")
    return MediaSource(kind, "bytes", data)


def _from_text(text: str, kind: MediaKind) -> MediaSource:
    text = text.strip()
    if not text:
        raise UnsupportedMediaError(f"the {kind} input is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsupportedMediaError(
            f"the {kind} input holds characters that are not valid Unicode (lone surrogates)"
        ) from None
    if text[:5].lower() == "data:":
        return _from_data_uri(text, kind)
    if _SCHEME.match(text):
        return MediaSource(kind, "url", text)
    decoded = _decode_base64(text)
    if decoded is not None and sniff(decoded) is not None:
        return MediaSource(kind, "bytes", decoded)
    if len(text) > 4096 or "\x00" in text:
        raise UnsupportedMediaError(f"the {kind} input is neither a path, a URL, a data URI nor base64 of a media file")
    return MediaSource(kind, "path", text)


def parse_media(value: Any, kind: MediaKind) -> MediaSource:
    """Classify ``value`` as inline bytes, a URL or a path (no I/O).

    Raises:
        UnsupportedMediaError: (a ``ValueError``) the value is of no accepted type or form.

    """
    if isinstance(value, MediaSource):
        return value if value.kind == kind else MediaSource(kind, value.origin, value.value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return MediaSource(kind, "bytes", bytes(value))
    if isinstance(value, Path):
        return MediaSource(kind, "path", str(value))
    if isinstance(value, str):
        return _from_text(value, kind)
    if kind == "image" and _is_pil_image(value):
        try:
            return MediaSource(kind, "bytes", _pil_to_png(value))
        except Exception as exc:  # noqa: BLE001 - a lazily opened image may fail to decode here
            raise UnsupportedMediaError(f"the PIL image cannot be encoded: {type(exc).__name__}: {exc}") from None
    accepted = "bytes, a path, an http(s) URL, base64 or a data URI" + (", or a PIL image" if kind == "image" else "")
    raise UnsupportedMediaError(f"the {kind} input must be {accepted}; got {type(value).__name__}")


def parse_media_field(value: Any, kind: MediaKind) -> MediaSource:
    """:func:`parse_media` for a model field: a string that cannot be media becomes a :class:`RefusedMedia`.

    Values of another type (a number, a list) still fail validation, like any argument that
    does not fit the schema.
    """
    try:
        return parse_media(value, kind)
    except MediaError as exc:
        if isinstance(value, str):
            return RefusedMedia(kind, exc)
        raise


def _serialize(source: MediaSource, info: SerializationInfo) -> Any:
    """JSON (traces, logs) gets a short description; Python dumps keep the source itself."""
    return source.describe() if info.mode_is_json() else source


def _field(kind: MediaKind, help_text: str) -> Any:
    return Annotated[
        MediaSource,
        PlainValidator(lambda value: parse_media_field(value, kind)),
        PlainSerializer(_serialize),
        WithJsonSchema({"type": "string", "description": help_text}),
    ]


ImageInput = _field(
    "image", "An image: a file path (inside the allowed folders), an http(s) URL, a data URI or base64."
)
AudioInput = _field(
    "audio", "An audio file: a file path (inside the allowed folders), an http(s) URL, a data URI or base64."
)
