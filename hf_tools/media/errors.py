"""Typed refusals for media inputs.

Every refusal is an :class:`~hf_tools.errors.HFInputError` (raised before any Inference API
request) and a ``langchain_core`` ``ToolException``, so a Tool that handles tool errors hands
the message to the model instead of failing the run.

Example:
    >>> from hf_tools.media.errors import UnsafeURLError
    >>> from hf_tools.errors import HFInputError
    >>> isinstance(UnsafeURLError("no"), HFInputError)
    True

"""

from __future__ import annotations

from langchain_core.tools import ToolException

from hf_tools.errors import HFInputError

__all__ = [
    "MediaError",
    "MediaFetchError",
    "MediaPathError",
    "MediaTooLargeError",
    "UnsafeURLError",
    "UnsupportedMediaError",
]


class MediaError(HFInputError, ToolException):
    """A media input was refused or could not be read; no request was sent."""


class UnsafeURLError(MediaError):
    """The URL is not http(s), or it (or a redirect) points at a loopback/private/metadata address."""


class MediaPathError(MediaError):
    """The path is outside the allowed folders, uses ``..``, links out, is not a file, or cannot be used or read."""


class MediaTooLargeError(MediaError):
    """Larger than ``HFSettings.media_max_bytes``, or an image with more pixels than ``media_max_pixels``."""


class UnsupportedMediaError(MediaError):
    """Not an image/audio input of a supported form or format.

    The value cannot be media (a data URI without ``;base64``, invalid base64, lone
    surrogates), or its bytes are not a supported format, or they do not decode (a truncated
    or corrupt image, an incomplete audio container).
    """


class MediaFetchError(MediaError):
    """Fetching the URL failed: an HTTP error status, a timeout or a broken connection."""
