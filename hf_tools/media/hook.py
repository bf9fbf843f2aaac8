"""The call hook of every media task: read and check media inputs, finish media outputs.

One :class:`MediaHook` per task declaration says which fields hold media and what to do with
the output once the call is back (e.g. save generated media to ``HFSettings.media_output_dir``,
keep the image detections were found in).

Example:
    >>> from hf_tools.media.hook import MediaHook
    >>> from hf_tools import TASKS
    >>> spec = TASKS["image-classification"]
    >>> isinstance(spec.hook, MediaHook), dict(spec.hook.inputs)
    (True, {'image': 'image'})

"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hf_tools.media.artifacts import ImageArtifact, MediaArtifact
from hf_tools.media.policy import MediaPolicy
from hf_tools.media.results import Detections
from hf_tools.media.sniff import MediaKind
from hf_tools.media.source import MediaSource
from hf_tools.prepared_call import PreparedCall

if TYPE_CHECKING:
    from hf_tools.tasks.spec import TaskSpec

__all__ = ["MediaCall", "MediaHook", "keep_media", "detections"]


@dataclass(frozen=True)
class MediaCall:
    """What a task's ``after`` step knows about its call.

    Attributes:
        inputs: the checked bytes of each media field.
        policy: the media policy of the caller's settings.

    """

    inputs: dict[str, bytes]
    policy: MediaPolicy


After = Callable[[Any, MediaCall], Any]


@dataclass(frozen=True)
class MediaHook:
    """A :class:`~hf_tools.tasks.spec.CallHook` for image and audio tasks.

    Attributes:
        inputs: ``{field name: "image" | "audio"}`` of the fields that hold media.
        after: turns the normalized output into the final one, knowing the call.

    """

    inputs: Mapping[str, MediaKind] = field(default_factory=dict)
    after: After | None = None

    def prepare(self, spec: TaskSpec, kwargs: dict[str, Any], settings: Any) -> PreparedCall:
        policy = MediaPolicy.from_settings(settings)
        loaded = {name: self._source(kwargs, name).load(policy) for name in self.inputs if name in kwargs}
        return self._plan(spec, kwargs, loaded, policy)

    async def aprepare(self, spec: TaskSpec, kwargs: dict[str, Any], settings: Any) -> PreparedCall:
        policy = MediaPolicy.from_settings(settings)
        loaded = {name: await self._source(kwargs, name).aload(policy) for name in self.inputs if name in kwargs}
        return self._plan(spec, kwargs, loaded, policy)

    def _source(self, kwargs: dict[str, Any], name: str) -> MediaSource:
        value = kwargs[name]
        return value if isinstance(value, MediaSource) else MediaSource(self.inputs[name], "bytes", value)

    def _plan(
        self, spec: TaskSpec, kwargs: dict[str, Any], loaded: dict[str, bytes], policy: MediaPolicy
    ) -> PreparedCall:
        sent = {**kwargs, **loaded}

        call = MediaCall(inputs=loaded, policy=policy)
        after = self.after

        def finish(raw: Any) -> Any:
            output = spec.finish(raw)
            return after(output, call) if after is not None else output

        return PreparedCall(sent, finish)


def keep_media(output: Any, call: MediaCall) -> Any:
    """Save a generated artifact to the output folder, if one is set."""
    if isinstance(output, MediaArtifact) and call.policy.output_dir is not None:
        return output.saved_to(call.policy.output_dir)
    return output


def detections(output: Any, call: MediaCall) -> Detections:
    """Typed boxes, holding the image they were found in (for :meth:`Detections.annotated`)."""
    return Detections(objects=output, image=ImageArtifact.from_bytes(call.inputs["image"]))
