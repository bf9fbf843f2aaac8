"""Labelled audio tracks: what audio-to-audio models return (separated sources, enhanced speech).

Example:
    >>> from hf_tools.media.tracks import AudioTrack
    >>> from hf_tools.testing.answers import wav_bytes
    >>> track = AudioTrack.from_labelled("speech", wav_bytes(0.5))
    >>> track.label, track.mime_type, track.duration
    ('speech', 'audio/wav', 0.5)
    >>> track.describe()
    'speech: 0.50 s WAV audio (8.0 kB)'

"""

from __future__ import annotations

from pydantic import Field

from hf_tools.media.artifacts import AudioArtifact

__all__ = ["AudioTrack"]


class AudioTrack(AudioArtifact):
    """One labelled audio output: the exact bytes the provider sent, their sniffed MIME type, a label.

    An :class:`~hf_tools.media.artifacts.AudioArtifact` (``save()``, ``data_uri()``, duration
    for WAV), plus the :attr:`label` the model gave the track (e.g. a separated source).

    Example:
        >>> import tempfile
        >>> from hf_tools.media import AudioTrack
        >>> from hf_tools.testing.answers import wav_bytes
        >>> AudioTrack.from_labelled("noise", wav_bytes(0.1)).save(tempfile.mkdtemp() + "/").suffix
        '.wav'

    """

    label: str = Field(description="What the model calls this track, e.g. a separated source.")

    @classmethod
    def from_labelled(cls, label: str, data: bytes) -> AudioTrack:
        """A track of encoded audio bytes (kept as they are) with its label.

        Raises:
            MediaDecodeError: (a ``ValueError``) the bytes are not audio of a supported format.

        """
        clip = AudioArtifact.from_bytes(data)
        return cls(label=label, **{name: getattr(clip, name) for name in AudioArtifact.model_fields})

    def describe(self) -> str:
        return f"{self.label}: {super().describe()}"
