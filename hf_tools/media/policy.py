"""The limits every media read obeys, taken from :class:`~hf_tools.settings.HFSettings`.

Example:
    >>> from pathlib import Path
    >>> from hf_tools.media.policy import MediaPolicy
    >>> policy = MediaPolicy.from_settings(None)
    >>> policy.allowed_dirs == (Path.cwd().resolve(),), policy.allow_private_urls
    (True, False)

"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hf_tools.media.decode import DEFAULT_MAX_PIXELS

__all__ = ["DEFAULT_MAX_BYTES", "MediaPolicy"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class MediaPolicy:
    """Where media may come from and how big it may be.

    Attributes:
        allowed_dirs: real (symlink-free) folders that file paths must stay inside.
        allow_private_urls: fetch from loopback/private/link-local/metadata addresses too.
        allowed_hosts: ``host`` or ``host:port`` names trusted even on a private address.
        max_bytes: the largest media accepted, from any source.
        max_pixels: the most pixels an image may have (its header is read before anything is sent).
        fetch_timeout: seconds for a whole URL fetch, redirects included.
        max_redirects: redirects followed before giving up.
        output_dir: where generated media is saved (None: kept in memory only).

    """

    allowed_dirs: tuple[Path, ...]
    allow_private_urls: bool = False
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    fetch_timeout: float = 15.0
    max_redirects: int = 5
    output_dir: Path | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> MediaPolicy:
        """The policy of ``settings`` (an ``HFSettings``; None gives the defaults)."""
        dirs = getattr(settings, "media_dirs", None) or (os.getcwd(),)
        output = getattr(settings, "media_output_dir", None)
        return cls(
            allowed_dirs=tuple(Path(os.path.realpath(d)) for d in dirs),
            allow_private_urls=bool(getattr(settings, "media_allow_private_urls", False)),
            allowed_hosts=frozenset(h.lower() for h in getattr(settings, "media_allowed_hosts", ()) or ()),
            max_bytes=int(getattr(settings, "media_max_bytes", DEFAULT_MAX_BYTES)),
            max_pixels=int(getattr(settings, "media_max_pixels", DEFAULT_MAX_PIXELS)),
            fetch_timeout=float(getattr(settings, "media_fetch_timeout", 15.0)),
            output_dir=Path(output) if output else None,
        )
