"""Declarations of the audio tasks: one ``register(TaskSpec(...))`` per task."""

from __future__ import annotations

from typing import Any, Literal, cast

from huggingface_hub import (
    AudioClassificationOutputElement,
    AudioToAudioOutputElement,
    AutomaticSpeechRecognitionOutput,
)
from pydantic import BaseModel, ConfigDict, Field

from hf_tools.media.artifacts import AudioArtifact
from hf_tools.media.hook import MediaCall, MediaHook, keep_media
from hf_tools.media.source import AudioInput
from hf_tools.media.tracks import AudioTrack
from hf_tools.tasks.registry import TaskRegistry
from hf_tools.tasks.render import as_list, labels, text_of
from hf_tools.tasks.spec import TaskInput, TaskSpec

AUDIO = "The audio: a file path (inside the allowed folders), an http(s) URL, a data URI or base64."
# a 0.05 s WAV tone whose INFO chunk says "hello there" (the loopback server transcribes it)
EXAMPLE_AUDIO = (
    "data:audio/wav;base64,"
    "UklGRmQDAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YSADAAAAAJUK6xPlGrIe3R5iG6oUgAv7AFj22eye5YHhAOEo5Jzql/MK/rcI"
    "XhLYGUQeHB9GHBgWTg3wAjv4cO645v7h0OBS4znp0fEW/NEGvhCxGLgdPB8OHXAXDg/jBCX6GPDs55niwOCZ4uznGPAl+uMEDg9wFw4dPB+4HbEY"
    "vhDRBhb80fE56VLj0OD+4bjmcO47+PACTg0YFkYcHB9EHtgZXhK3CAr+l/Oc6ijkAOGB4Z7l2exY9vsAgAuqFGIb3R6yHuUa6xOVCgAAa/UV7Bvl"
    "TuEj4Z7kVuuA9AX/qAknE2Iafx4AH9gbZBVpDPYBSfei7SjmvOHk4Lrj6Omy8hD9xQeQEUgZAh4wH64cxxYvDuoDL/lC70/nSOLE4PLikOjy8B37"
    "2wXoDxQYZx1AH2cdFBjoD9sFHfvy8JDo8uLE4EjiT+dC7y/56gMvDscWrhwwHwIeSBmQEcUHEP2y8ujpuuPk4LzhKOai7Un39gFpDGQV2BsAH38e"
    "YhonE6gJBf+A9FbrnuQj4U7hG+UV7Gv1AACVCusT5RqyHt0eYhuqFIAL+wBY9tnsnuWB4QDhKOSc6pfzCv63CF4S2BlEHhwfRhwYFk4N8AI7+HDu"
    "uOb+4dDgUuM56dHxFvzRBr4QsRi4HTwfDh1wFw4P4wQl+hjw7OeZ4sDgmeLs5xjwJfrjBA4PcBcOHTwfuB2xGL4Q0QYW/NHxOelS49Dg/uG45nDu"
    "O/jwAk4NGBZGHBwfRB7YGV4StwgK/pfznOoo5ADhgeGe5dnsWPb7AIALqhRiG90esh7lGusTlQoAAGv1Fewb5U7hI+Ge5FbrgPQF/6gJJxNiGn8e"
    "AB/YG2QVaQz2AUn3ou0o5rzh5OC64+jpsvIQ/cUHkBFIGQIeMB+uHMcWLw7qAy/5Qu9P50jixODy4pDo8vAd+9sF6A8UGGcdQB9nHRQY6A/bBR37"
    "8vCQ6PLixOBI4k/nQu8v+eoDLw7HFq4cMB8CHkgZkBHFBxD9svLo6brj5OC84Sjmou1J9/YBaQxkFdgbAB9/HmIaJxOoCQX/gPRW657kI+FO4Rvl"
    "Fexr9UxJU1QYAAAASU5GT0lDTVQMAAAAaGVsbG8gdGhlcmUA"
)


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


class AudioToAudioInput(TaskInput):
    audio: AudioInput = Field(description="The audio to separate or enhance. " + AUDIO)


def _tracks(raw: list[AudioToAudioOutputElement]) -> list[AudioTrack]:
    """The labelled tracks, each the exact bytes the provider sent (huggingface_hub decodes the base64)."""
    if not isinstance(raw, list):
        raise ValueError(f"expected a list of tracks, got {type(raw).__name__}")
    tracks = []
    for index, item in enumerate(raw):
        blob, label = getattr(item, "blob", None), getattr(item, "label", None)
        if not isinstance(blob, (bytes, bytearray)) or not isinstance(label, str):
            raise ValueError(f"track {index} lacks its label or audio")
        tracks.append(AudioTrack.from_labelled(label, bytes(blob)))
    return tracks


def _describe_tracks(tracks: list[AudioTrack]) -> str:
    if not tracks:
        return "no audio tracks"
    return f"{len(tracks)} audio track{'s' if len(tracks) > 1 else ''}: " + "; ".join(t.describe() for t in tracks)


def keep_tracks(output: list[AudioTrack], call: MediaCall) -> list[AudioTrack]:
    """Save every track to the output folder, if one is set."""
    folder = call.policy.output_dir
    if folder is None:
        return output
    return [cast(AudioTrack, track.saved_to(folder)) for track in output]


def register_audio_tasks(registry: TaskRegistry) -> None:
    """Declare every audio task in ``registry``."""
    registry.register(
        TaskSpec(
            name="text-to-speech",
            description="Speak a text aloud; returns the audio.",
            input_model=TextToSpeechInput,
            output_type=AudioArtifact,
            method="text_to_speech",
            defaults=("hexgrad/Kokoro-82M", "canopylabs/orpheus-3b-0.1-ft", "facebook/mms-tts-eng"),
            render=lambda out: "generated " + out.describe(),
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
            defaults=("openai/whisper-large-v3", "openai/whisper-large-v3-turbo"),
            render=text_of("text"),
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
            defaults=("MIT/ast-finetuned-audioset-10-10-0.4593",),
            render=labels,
            normalize=as_list,
            example={"audio": EXAMPLE_AUDIO, "top_k": 2},
            hook=MediaHook(inputs={"audio": "audio"}),
        )
    )
    registry.register(
        TaskSpec(
            name="audio-to-audio",
            description=("Separate the sources of a recording or enhance its speech; returns labelled audio tracks."),
            input_model=AudioToAudioInput,
            output_type=list[AudioTrack],
            method="audio_to_audio",
            defaults=("speechbrain/sepformer-wham", "speechbrain/metricgan-plus-voicebank"),
            render=_describe_tracks,
            normalize=_tracks,
            example={"audio": EXAMPLE_AUDIO},
            hook=MediaHook(inputs={"audio": "audio"}, after=keep_tracks),
        )
    )
