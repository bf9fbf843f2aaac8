"""Declarations of the audio tasks: one ``register(TaskSpec(...))`` per task."""

from __future__ import annotations

import base64
from typing import Any, Literal

from huggingface_hub import AudioClassificationOutputElement, AutomaticSpeechRecognitionOutput
from pydantic import BaseModel, ConfigDict, Field

from hf_tools.media.artifacts import AudioArtifact
from hf_tools.media.hook import MediaHook, keep_media
from hf_tools.media.source import AudioInput
from hf_tools.tasks import wire_media
from hf_tools.tasks.registry import TaskRegistry
from hf_tools.tasks.render import as_list, labels, text_of
from hf_tools.tasks.spec import TaskInput, TaskSpec

AUDIO = "The audio: a file path (inside the allowed folders), an http(s) URL, a data URI or base64."
EXAMPLE_AUDIO = "data:audio/wav;base64," + base64.b64encode(wire_media.wav_bytes(0.3, text="hello there")).decode()


class TextToSpeechInput(TaskInput):
    text: str = Field(min_length=1, description="The text to speak.")
    do_sample: bool | None = Field(None, description="Sample instead of greedy decoding.")
    early_stopping: bool | Literal["never"] | None = Field(None, description="When beam search stops.")
    epsilon_cutoff: float | None = Field(None, ge=0, le=1, description="Epsilon sampling cutoff.")
    eta_cutoff: float | None = Field(None, ge=0, le=1, description="Eta sampling cutoff.")
    max_length: int | None = Field(None, ge=1, description="Longest output in tokens.")
    max_new_tokens: int | None = Field(None, ge=1, description="Most tokens to generate.")
    min_length: int | None = Field(None, ge=0, description="Shortest output in tokens.")
    min_new_tokens: int | None = Field(None, ge=0, description="Fewest tokens to generate.")
    num_beam_groups: int | None = Field(None, ge=1, description="Groups of beams for diversity.")
    num_beams: int | None = Field(None, ge=1, description="Beams for beam search.")
    penalty_alpha: float | None = Field(None, ge=0, description="Contrastive search penalty.")
    temperature: float | None = Field(None, ge=0, description="Sampling temperature.")
    top_k: int | None = Field(None, ge=1, description="Sample among the k likeliest tokens.")
    top_p: float | None = Field(None, gt=0, le=1, description="Nucleus sampling mass.")
    typical_p: float | None = Field(None, gt=0, le=1, description="Typical decoding mass.")
    use_cache: bool | None = Field(None, description="Reuse past key values while generating.")


class SpeechRecognitionParameters(BaseModel):
    model_config = ConfigDict(extra="allow")

    return_timestamps: bool | None = Field(None, description="Also return timed chunks of the transcript.")
    generation_parameters: dict[str, Any] | None = Field(
        None, description="Generation options (max_new_tokens, num_beams, ...)."
    )


class AutomaticSpeechRecognitionInput(TaskInput):
    audio: AudioInput = Field(description=AUDIO)
    extra_body: SpeechRecognitionParameters | None = Field(
        None, description="Recognition parameters: return_timestamps, generation_parameters."
    )


class AudioClassificationInput(TaskInput):
    audio: AudioInput = Field(description=AUDIO)
    function_to_apply: Literal["sigmoid", "softmax", "none"] | None = Field(
        None, description="How scores are computed from logits."
    )
    top_k: int | None = Field(None, ge=1, description="Return only the k likeliest labels.")


def register_audio_tasks(registry: TaskRegistry) -> None:
    """Declare every audio task in ``registry``."""
    registry.register(
        TaskSpec(
            name="text-to-speech",
            description="Speak a text aloud; returns the audio.",
            input_model=TextToSpeechInput,
            output_type=AudioArtifact,
            method="text_to_speech",
            default_model="facebook/mms-tts-eng",
            render=lambda out: "generated " + out.describe(),
            wire_response=wire_media.text_to_speech,
            normalize=AudioArtifact.from_bytes,
            example={"text": "Hello from hf_tools."},
            hook=MediaHook(after=keep_media),
        )
    )
    registry.register(
        TaskSpec(
            name="automatic-speech-recognition",
            description="Transcribe speech in an audio file to text.",
            input_model=AutomaticSpeechRecognitionInput,
            output_type=AutomaticSpeechRecognitionOutput,
            method="automatic_speech_recognition",
            default_model="openai/whisper-large-v3",
            render=text_of("text"),
            wire_response=wire_media.automatic_speech_recognition,
            example={"audio": EXAMPLE_AUDIO},
            hook=MediaHook(inputs={"audio": "audio"}),
        )
    )
    registry.register(
        TaskSpec(
            name="audio-classification",
            description="Classify an audio clip (speech, music, emotion, ...); returns labels with scores.",
            input_model=AudioClassificationInput,
            output_type=list[AudioClassificationOutputElement],
            method="audio_classification",
            default_model="MIT/ast-finetuned-audioset-10-10-0.4593",
            render=labels,
            wire_response=wire_media.audio_classification,
            normalize=as_list,
            example={"audio": EXAMPLE_AUDIO, "top_k": 2},
            hook=MediaHook(inputs={"audio": "audio"}),
        )
    )
