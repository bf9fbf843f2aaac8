"""Declarations of the video tasks: one ``register(TaskSpec(...))`` per task.

Both return a :class:`~hf_tools.media.artifacts.VideoArtifact` holding the exact bytes the
provider served. Their providers run them as queued jobs (fal-ai, replicate, together,
wavespeed; novita answers at once): :mod:`hf_tools.jobs` drives the queue, sends progress
events, cancels and keeps ``HFSettings.job_deadline``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from hf_tools.media.artifacts import VideoArtifact
from hf_tools.media.hook import MediaHook, keep_media
from hf_tools.media.source import ImageInput
from hf_tools.tasks.registry import TaskRegistry
from hf_tools.tasks.spec import TaskInput, TaskSpec
from hf_tools.tasks.vision import EXAMPLE_IMAGE, IMAGE


class TextToVideoInput(TaskInput):
    prompt: str = Field(min_length=1, description="What the video should show.")
    negative_prompt: list[str] | None = Field(None, description="What the video should not show (one or more prompts).")
    num_frames: int | None = Field(None, ge=1, le=2000, description="How many frames to generate.")
    num_inference_steps: int | None = Field(None, ge=1, description="Denoising steps (more: better, slower).")
    guidance_scale: float | None = Field(None, ge=0, description="How closely to follow the prompt.")
    seed: int | None = Field(None, description="Random seed, for reproducible videos.")
    extra_body: dict[str, Any] | None = Field(
        None, description="Provider-specific parameters (e.g. resolution, aspect_ratio), passed through as given."
    )


class VideoSize(BaseModel):
    width: int = Field(ge=16, le=4096, description="Frame width in pixels.")
    height: int = Field(ge=16, le=4096, description="Frame height in pixels.")


class ImageToVideoInput(TaskInput):
    image: ImageInput = Field(description="The first frame. " + IMAGE)
    prompt: str | None = Field(None, description="How the image should move or change.")
    negative_prompt: str | None = Field(None, description="What the video should not show.")
    num_frames: int | None = Field(None, ge=1, le=2000, description="How many frames to generate.")
    num_inference_steps: int | None = Field(None, ge=1, description="Denoising steps.")
    guidance_scale: float | None = Field(None, ge=0, description="How closely to follow the prompt.")
    seed: int | None = Field(None, description="Random seed, for reproducible videos.")
    target_size: VideoSize | None = Field(None, description="Size of the video's frames.")


def _generated(output: VideoArtifact) -> str:
    return "generated " + output.describe()


def register_video_tasks(registry: TaskRegistry) -> None:
    """Declare every video task in ``registry``."""
    registry.register(
        TaskSpec(
            name="text-to-video",
            description="Generate a short video clip from a text prompt (takes from 30 s to minutes).",
            input_model=TextToVideoInput,
            output_type=VideoArtifact,
            method="text_to_video",
            defaults=(
                "Wan-AI/Wan2.2-T2V-A14B",
                "tencent/HunyuanVideo",
                "Lightricks/LTX-Video",
                "genmo/mochi-1-preview",
            ),
            render=_generated,
            normalize=VideoArtifact.from_bytes,
            example={"prompt": "a cat surfing a small wave at sunset", "num_frames": 48},
            hook=MediaHook(after=keep_media),
            raw_bytes=True,
        )
    )
    registry.register(
        TaskSpec(
            name="image-to-video",
            description="Animate an image into a short video clip, guided by a prompt (takes from 30 s to minutes).",
            input_model=ImageToVideoInput,
            output_type=VideoArtifact,
            method="image_to_video",
            defaults=("Wan-AI/Wan2.2-I2V-A14B", "Lightricks/LTX-Video"),
            render=_generated,
            normalize=VideoArtifact.from_bytes,
            example={"image": EXAMPLE_IMAGE, "prompt": "the cat starts to walk"},
            hook=MediaHook(inputs={"image": "image"}, after=keep_media),
            raw_bytes=True,
        )
    )
