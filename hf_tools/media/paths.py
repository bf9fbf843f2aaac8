"""Read a local media file, only from inside the allowed folders.

A path may not use ``..``; after every symlink is resolved it must still lie inside one of
``policy.allowed_dirs``, so a link pointing out of the folder is refused.

Example:
    >>> from hf_tools.media.paths import read_path
    >>> from hf_tools.media.policy import MediaPolicy
    >>> read_path("../secret.png", MediaPolicy.from_settings(None))
    Traceback (most recent call last):
    ...
    hf_tools.media.errors.MediaPathError: media paths may not contain '..': '../secret.png'

"""

from __future__ import annotations

import os
from pathlib import Path

from hf_tools.media.errors import MediaPathError, MediaTooLargeError
from hf_tools.media.policy import MediaPolicy

__all__ = ["read_path", "safe_path"]


def _inside(path: Path, folders: tuple[Path, ...]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def safe_path(text: str | os.PathLike[str], policy: MediaPolicy) -> Path:
    """The real location of ``text`` if it is a file inside the allowed folders.

    Raises:
        MediaPathError: ``..`` in the path, outside the folders (directly or through a
            link), or not an existing file.

    """
    raw = Path(text)
    if ".." in raw.parts:
        raise MediaPathError(f"media paths may not contain '..': {str(text)[:200]!r}")
    try:
        candidate = raw if raw.is_absolute() else Path.cwd() / raw
        real = Path(os.path.realpath(candidate))
        if not _inside(real, policy.allowed_dirs):
            how = "links to a place" if _inside(candidate, policy.allowed_dirs) else "is"
            raise MediaPathError(f"the media path {str(text)[:200]!r} {how} outside the allowed media folders")
        if not real.is_file():
            raise MediaPathError(f"no media file at {str(text)[:200]!r}")
    except (OSError, ValueError, UnicodeError) as exc:  # a name too long, a lone surrogate, a NUL...
        if isinstance(exc, MediaPathError):
            raise
        raise MediaPathError(f"cannot use the media path {str(text)[:200]!r}: {_reason(exc)}") from None
    return real


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeError):
        return "it is not valid Unicode text"
    return getattr(exc, "strerror", None) or str(exc)


def read_path(text: str | os.PathLike[str], policy: MediaPolicy) -> bytes:
    """The bytes of the file at ``text``, checked by :func:`safe_path` and ``max_bytes``."""
    real = safe_path(text, policy)
    try:
        with real.open("rb") as handle:
            data = handle.read(policy.max_bytes + 1)
    except OSError as exc:
        raise MediaPathError(f"cannot read the media file {str(text)[:200]!r}: {_reason(exc)}") from None
    if len(data) > policy.max_bytes:
        raise MediaTooLargeError(f"the media file is larger than the limit of {policy.max_bytes} bytes")
    return data
