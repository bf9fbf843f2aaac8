"""Multimodal workflows as composable Runnables, built from the image and audio tasks.

* :func:`prompt_to_findings`: prompt → image → object detection → a caption of what was found
* :func:`image_to_speech`: image → caption → speech
* :func:`document_qa`: scanned page + question → answer
* :func:`speech_summary`: speech → transcript → summary → speech
* :func:`prompt_to_clip`: prompt → first frame (text-to-image) → a video of it (image-to-video)

Each is an LCEL chain of :func:`hf_tools.runnable` steps, so ``invoke``, ``ainvoke`` (native
async all the way), ``batch`` and ``|`` work on it, and each returns a typed result.

Example:
    >>> from hf_tools.media.workflows import image_to_speech
    >>> from hf_tools.testing import LoopbackServer
    >>> from hf_tools.testing.answers import png_bytes
    >>> with LoopbackServer() as server:
    ...     spoken = image_to_speech(base_url=server.base_url).invoke(png_bytes(32, 32, objects=["cat"]))
    >>> spoken.caption, spoken.audio.mime_type
    ('a gray picture of a cat (32x32)', 'audio/wav')

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from pydantic import BaseModel, ConfigDict, Field

from hf_tools.media import AudioArtifact, Detections, ImageArtifact, VideoArtifact
from hf_tools.runnables import HFTaskRunnable, runnable
from hf_tools.settings import HFSettings

__all__ = [
    "Clip",
    "DocumentAnswer",
    "Findings",
    "SpokenCaption",
    "SpokenSummary",
    "document_qa",
    "image_to_speech",
    "prompt_to_clip",
    "prompt_to_findings",
    "speech_summary",
]


class Findings(BaseModel):
    """What :func:`prompt_to_findings` made and found."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    prompt: str = Field(description="The prompt the image was generated from.")
    image: ImageArtifact = Field(description="The generated image.")
    detections: Detections = Field(description="Objects found in it.")
    annotated: ImageArtifact = Field(description="The image with the objects' boxes drawn.")
    caption: str = Field(description="A sentence on what was found.")


class SpokenCaption(BaseModel):
    """An image's caption, and the caption spoken."""

    caption: str = Field(description="The caption.")
    audio: AudioArtifact = Field(description="The caption as speech.")


class DocumentAnswer(BaseModel):
    """The best answer to a question about a document page."""

    question: str = Field(description="The question.")
    answer: str = Field(description="The answer ('' when none was found).")
    score: float = Field(description="The model's confidence.")


class Clip(BaseModel):
    """What :func:`prompt_to_clip` made: the first frame and the video animated from it."""

    prompt: str = Field(description="The prompt the frame and the video were made from.")
    image: ImageArtifact = Field(description="The generated first frame.")
    video: VideoArtifact = Field(description="The video, the provider's exact bytes.")


class SpokenSummary(BaseModel):
    """A recording's transcript, its summary, and the summary spoken."""

    transcript: str = Field(description="What was said.")
    summary: str = Field(description="A short summary of it.")
    audio: AudioArtifact = Field(description="The summary as speech.")


def _steps(
    settings: HFSettings | None, models: dict[str, str] | None, overrides: dict[str, Any]
) -> Callable[[str], HFTaskRunnable]:
    base = (settings or HFSettings()).merged(**overrides)
    chosen = models or {}

    def step(task: str) -> HFTaskRunnable:
        return runnable(task, model=chosen.get(task), settings=base)

    return step


def _with_key(key: str) -> RunnableLambda[Any, dict[str, Any]]:
    """Plain input → ``{key: input}``; a dict passes through."""
    return RunnableLambda(lambda value: value if isinstance(value, dict) else {key: value}, name=f"as_{key}")


def _caption_of(state: dict[str, Any]) -> str:
    found: Detections = state["detections"]
    names = ", ".join(f"{o.label} ({o.score:.2f})" for o in found.objects) or "nothing recognizable"
    return f"Generated an image for {state['prompt']!r} and found: {names}. It shows {state['described']}."


def prompt_to_findings(
    *, settings: HFSettings | None = None, models: dict[str, str] | None = None, **overrides: Any
) -> Runnable[Any, Findings]:
    """Prompt → text-to-image → object detection (boxes drawn) → a caption of what was found.

    The annotated copy is saved to ``media_output_dir`` when that setting is given.

    Input: a prompt, or ``{"prompt": ..., <text-to-image options>}``.

    Example:
        >>> from hf_tools.media.workflows import prompt_to_findings
        >>> from hf_tools.testing import LoopbackServer
        >>> with LoopbackServer() as server:
        ...     found = prompt_to_findings(base_url=server.base_url).invoke("a dog and a ball")
        >>> [o.label for o in found.detections.objects], found.annotated.width
        (['dog', 'ball'], 256)

    """
    step = _steps(settings, models, overrides)
    output_dir = step("text-to-image").settings.media_output_dir

    def findings(state: dict[str, Any]) -> Findings:
        annotated = state["detections"].annotated()
        if output_dir:
            annotated = annotated.saved_to(output_dir)
        return Findings(
            prompt=state["prompt"],
            image=state["image"],
            detections=state["detections"],
            annotated=annotated,
            caption=_caption_of(state),
        )

    detect_input: RunnableLambda[dict[str, Any], dict[str, Any]] = RunnableLambda(
        lambda s: {"image": s["image"].data}, name="detect_input"
    )
    describe_input: RunnableLambda[dict[str, Any], bytes] = RunnableLambda(
        lambda s: s["image"].data, name="describe_input"
    )
    chain = (
        _with_key("prompt")
        | RunnablePassthrough.assign(image=step("text-to-image"))
        | RunnablePassthrough.assign(
            detections=detect_input | step("object-detection"),
            described=describe_input | step("image-to-text") | RunnableLambda(lambda o: o.generated_text),
        )
        | RunnableLambda(findings)
    )
    return chain.with_config(run_name="prompt_to_findings")


def image_to_speech(
    *, settings: HFSettings | None = None, models: dict[str, str] | None = None, **overrides: Any
) -> Runnable[Any, SpokenCaption]:
    """Image → caption (image-to-text) → speech (text-to-speech).

    Input: any image form (path, URL, bytes, base64, data URI, PIL) or ``{"image": ...}``.
    """
    step = _steps(settings, models, overrides)
    chain = (
        _with_key("image")
        | step("image-to-text")
        | RunnableLambda(lambda o: {"caption": o.generated_text}, name="caption")
        | RunnablePassthrough.assign(audio=RunnableLambda(lambda s: s["caption"]) | step("text-to-speech"))
        | RunnableLambda(lambda s: SpokenCaption(**s), name="spoken_caption")
    )
    return chain.with_config(run_name="image_to_speech")


def document_qa(
    *, settings: HFSettings | None = None, models: dict[str, str] | None = None, **overrides: Any
) -> Runnable[dict[str, Any], DocumentAnswer]:
    """Scanned page + question → document-question-answering → the best answer.

    Input: ``{"image": <page>, "question": ..., <document-question-answering options>}``.

    Example:
        >>> from hf_tools.media.workflows import document_qa
        >>> from hf_tools.testing import LoopbackServer
        >>> from hf_tools.testing.answers import png_bytes
        >>> page = png_bytes(100, 40, (250, 250, 250), page_text="Order 12 ships from Lyon.")
        >>> question = {"image": page, "question": "Where does order 12 ship from?"}
        >>> with LoopbackServer() as server:
        ...     document_qa(base_url=server.base_url).invoke(question).answer
        'Lyon'

    """
    step = _steps(settings, models, overrides)

    def best(state: dict[str, Any]) -> DocumentAnswer:
        answers = state["answers"]
        top = max(answers, key=lambda a: a.score) if answers else None
        return DocumentAnswer(
            question=state["question"], answer=top.answer if top else "", score=top.score if top else 0.0
        )

    chain = RunnablePassthrough.assign(answers=step("document-question-answering")) | RunnableLambda(best)
    return chain.with_config(run_name="document_qa")


def speech_summary(
    *, settings: HFSettings | None = None, models: dict[str, str] | None = None, **overrides: Any
) -> Runnable[Any, SpokenSummary]:
    """Speech → transcript (ASR) → summary (summarization) → speech (text-to-speech).

    Input: any audio form or ``{"audio": ...}``.

    Example:
        >>> from hf_tools.media.workflows import speech_summary
        >>> from hf_tools.testing import LoopbackServer
        >>> from hf_tools.testing.answers import wav_bytes
        >>> talk = wav_bytes(0.5, text="The launch moved to May. Everyone agreed.")
        >>> with LoopbackServer() as server:
        ...     out = speech_summary(base_url=server.base_url).invoke(talk)
        >>> out.transcript, out.summary, out.audio.mime_type
        ('The launch moved to May. Everyone agreed.', 'The launch moved to May.', 'audio/wav')

    """
    step = _steps(settings, models, overrides)
    chain = (
        _with_key("audio")
        | step("automatic-speech-recognition")
        | RunnableLambda(lambda o: {"transcript": o.text}, name="transcript")
        | RunnablePassthrough.assign(
            summary=RunnableLambda(lambda s: s["transcript"])
            | step("summarization")
            | RunnableLambda(lambda o: o.summary_text)
        )
        | RunnablePassthrough.assign(audio=RunnableLambda(lambda s: s["summary"]) | step("text-to-speech"))
        | RunnableLambda(lambda s: SpokenSummary(**s), name="spoken_summary")
    )
    return chain.with_config(run_name="speech_summary")


def prompt_to_clip(
    *, settings: HFSettings | None = None, models: dict[str, str] | None = None, **overrides: Any
) -> Runnable[Any, Clip]:
    """Prompt → a first frame (text-to-image) → a video animated from it (image-to-video), same prompt.

    The video step is a queued job: its progress events (``hf_tools_progress``) reach the
    workflow's callbacks and ``astream_events``; cancelling the run stops it (see :mod:`hf_tools.jobs`).

    Input: a prompt, or ``{"prompt": ..., <text-to-image options>}``.

    Example:
        >>> from hf_tools.media.workflows import prompt_to_clip
        >>> from hf_tools.testing import LoopbackServer
        >>> with LoopbackServer() as server:
        ...     clip = prompt_to_clip(base_url=server.base_url).invoke("a cat surfing")
        >>> clip.image.mime_type, clip.video.mime_type
        ('image/png', 'video/mp4')

    """
    step = _steps(settings, models, overrides)
    animate_input: RunnableLambda[dict[str, Any], dict[str, Any]] = RunnableLambda(
        lambda s: {"image": s["image"].data, "prompt": s["prompt"]}, name="animate_input"
    )
    chain = (
        _with_key("prompt")
        | RunnablePassthrough.assign(image=step("text-to-image"))
        | RunnablePassthrough.assign(video=animate_input | step("image-to-video"))
        | RunnableLambda(lambda s: Clip(prompt=s["prompt"], image=s["image"], video=s["video"]), name="clip")
    )
    return chain.with_config(run_name="prompt_to_clip")
