"""Contract tests: the real InferenceClient → the loopback server, for every image/audio task."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import (
    AudioClassificationOutputElement,
    AutomaticSpeechRecognitionOutput,
    DocumentQuestionAnsweringOutputElement,
    ImageClassificationOutputElement,
    ImageToTextOutput,
    VisualQuestionAnsweringOutputElement,
    ZeroShotImageClassificationOutputElement,
)
from PIL import Image

from hf_tools import TASKS, HFSettings, runnable, tool
from hf_tools.errors import HFInputError
from hf_tools.media import (
    AudioArtifact,
    Detections,
    ImageArtifact,
    MediaPathError,
    MediaTooLargeError,
    Segment,
    UnsafeURLError,
    UnsupportedMediaError,
)
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers import png_bytes, wav_bytes

MEDIA_TASKS = [
    "text-to-speech",
    "text-to-image",
    "image-to-image",
    "object-detection",
    "image-classification",
    "zero-shot-image-classification",
    "image-segmentation",
    "image-to-text",
    "visual-question-answering",
    "document-question-answering",
    "automatic-speech-recognition",
    "audio-classification",
]
PNG = png_bytes(64, 48, (220, 40, 40), objects=["cat", "dog"])
WAV = wav_bytes(0.4, text="the quick brown fox")


@pytest.fixture
def settings(hf_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HFSettings:
    monkeypatch.chdir(tmp_path)
    return HFSettings(base_url=hf_server.base_url, timeout=5, deadline=20, backoff_base=0.01, token="hf_secret_token")


def output_matches(task: str, output: Any) -> None:
    TASKS[task].output_adapter.validate_python(output)


@pytest.mark.parametrize("task", MEDIA_TASKS)
def test_every_media_task_is_registered_with_an_example(task: str) -> None:
    spec = TASKS[task]
    assert spec.hook is not None and spec.example
    schema = spec.input_model.model_json_schema()
    for name in ("image", "audio"):
        if name in schema["properties"]:
            assert schema["properties"][name]["type"] == "string"


@pytest.mark.parametrize("task", MEDIA_TASKS)
async def test_example_runs_sync_and_async(task: str, settings: HFSettings, hf_server: LoopbackServer) -> None:
    spec = TASKS[task]
    run = runnable(task, settings=settings)
    out = run.invoke(spec.example)
    output_matches(task, out)
    aout = await run.ainvoke(spec.example)
    assert spec.render(aout) == spec.render(out)
    assert [r.task for r in hf_server.requests] == [task, task]
    assert all(r.authorized for r in hf_server.requests)


def test_image_without_parameters_is_sent_as_raw_bytes(settings: HFSettings, hf_server: LoopbackServer) -> None:
    out = runnable("image-to-text", settings=settings).invoke(PNG)
    assert isinstance(out, ImageToTextOutput) and out.generated_text.startswith("a red picture of a cat and a dog")
    assert hf_server.requests[-1].body == {"inputs": PNG}


def test_image_with_parameters_is_sent_as_json_base64(settings: HFSettings, hf_server: LoopbackServer) -> None:
    out = runnable("image-classification", settings=settings).invoke({"image": PNG, "top_k": 2})
    assert [o.label for o in out] == ["red", "green"] or out[0].label == "red"
    assert all(isinstance(o, ImageClassificationOutputElement) for o in out) and len(out) == 2
    body = hf_server.requests[-1].body
    assert base64.b64decode(body["inputs"]) == PNG and body["parameters"] == {"top_k": 2}


async def test_audio_both_encodings(settings: HFSettings, hf_server: LoopbackServer) -> None:
    asr = runnable("automatic-speech-recognition", settings=settings)
    out = await asr.ainvoke(WAV)
    assert isinstance(out, AutomaticSpeechRecognitionOutput) and out.text == "the quick brown fox"
    assert hf_server.requests[-1].body == {"inputs": WAV}
    timed = asr.invoke({"audio": WAV, "extra_body": {"return_timestamps": True}})
    assert timed.chunks is not None and timed.chunks[0].text == "the quick brown fox"
    assert hf_server.requests[-1].body["parameters"] == {"return_timestamps": True}
    labels = runnable("audio-classification", settings=settings).invoke({"audio": WAV, "top_k": 1})
    assert isinstance(labels[0], AudioClassificationOutputElement) and labels[0].label == "speech"


def test_text_to_image_gives_an_image_artifact(settings: HFSettings, hf_server: LoopbackServer) -> None:
    out = runnable("text-to-image", settings=settings).invoke({"prompt": "a cat", "width": 96, "height": 64, "seed": 1})
    assert isinstance(out, ImageArtifact) and (out.width, out.height, out.mime_type) == (96, 64, "image/png")
    assert Image.open(io.BytesIO(out.data)).size == (96, 64)
    assert hf_server.requests[-1].body["parameters"] == {"width": 96, "height": 64, "seed": 1}
    assert out.path is None


def test_image_to_image_transforms_the_input(settings: HFSettings) -> None:
    out = runnable("image-to-image", settings=settings).invoke(
        {"image": png_bytes(20, 20, (0, 0, 0)), "prompt": "invert", "target_size": {"width": 10, "height": 12}}
    )
    assert (out.width, out.height) == (10, 12)
    assert out.to_pil().convert("RGB").getpixel((0, 0)) == (255, 255, 255)


def test_text_to_speech_gives_an_audio_artifact(settings: HFSettings, hf_server: LoopbackServer) -> None:
    out = runnable("text-to-speech", settings=settings).invoke({"text": "hello there", "do_sample": False})
    assert isinstance(out, AudioArtifact) and out.mime_type == "audio/wav" and out.duration and out.duration > 0
    assert hf_server.requests[-1].body == {"inputs": "hello there", "parameters": {"do_sample": False}}


def test_object_detection_boxes_and_annotated_copy(settings: HFSettings, hf_server: LoopbackServer) -> None:
    detect = runnable("object-detection", settings=settings)
    found = detect.invoke({"image": PNG, "threshold": 0.1})
    assert isinstance(found, Detections) and [o.label for o in found.objects] == ["cat", "dog"]
    assert found.objects[0].box.xmax > found.objects[0].box.xmin
    assert hf_server.requests[-1].body["parameters"] == {"threshold": 0.1}
    assert found.image is not None and found.image.data == PNG
    drawn = found.annotated()
    assert (drawn.width, drawn.height) == (64, 48) and drawn.data != PNG
    box = found.objects[0].box
    assert drawn.to_pil().convert("RGB").getpixel((box.xmin, box.ymin)) == (255, 0, 0)
    assert detect.invoke({"image": PNG, "threshold": 0.99}).objects == []


def test_segmentation_masks_are_images(settings: HFSettings) -> None:
    out = runnable("image-segmentation", settings=settings).invoke({"image": PNG, "threshold": 0.5})
    assert [s.label for s in out] == ["foreground", "background"]
    assert all(isinstance(s, Segment) and s.mask.width == 64 and s.mask.mime_type == "image/png" for s in out)


def test_question_answering_over_images(settings: HFSettings, hf_server: LoopbackServer) -> None:
    vqa = runnable("visual-question-answering", settings=settings).invoke(
        {"image": PNG, "question": "How many animals?", "top_k": 2}
    )
    assert isinstance(vqa[0], VisualQuestionAnsweringOutputElement) and vqa[0].answer == "2" and len(vqa) == 2
    page = png_bytes(120, 40, (250, 250, 250), page_text="Invoice 42 from Acme. Total due: 300 euros.")
    dqa = runnable("document-question-answering", settings=settings).invoke(
        {"image": page, "question": "Who sent invoice 42?", "lang": "eng"}
    )
    assert isinstance(dqa[0], DocumentQuestionAnsweringOutputElement) and dqa[0].answer
    body = hf_server.requests[-1].body
    assert body["inputs"]["question"] == "Who sent invoice 42?" and base64.b64decode(body["inputs"]["image"]) == page
    zero = runnable("zero-shot-image-classification", settings=settings).invoke(
        {"image": PNG, "candidate_labels": ["a dog", "a boat"]}
    )
    assert isinstance(zero[0], ZeroShotImageClassificationOutputElement) and zero[0].label == "a dog"


def test_paths_and_pil_images_as_input(settings: HFSettings, tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(PNG)
    caption = runnable("image-to-text", settings=settings)
    assert caption.invoke("photo.png").generated_text == "a red picture of a cat and a dog (64x48)"
    # a PIL image is re-encoded as PNG: same pixels, no text chunks
    assert (
        caption.invoke(Image.open(io.BytesIO(PNG))).generated_text == "a red picture of nothing in particular (64x48)"
    )


def test_output_dir_saves_generated_media(hf_server: LoopbackServer, tmp_path: Path) -> None:
    out_dir = tmp_path / "generated"
    gen = tool("text-to-image", base_url=hf_server.base_url, media_output_dir=str(out_dir))
    message = gen.invoke({"type": "tool_call", "id": "1", "name": gen.name, "args": {"prompt": "../../etc/passwd"}})
    artifact = message.artifact
    assert isinstance(artifact, ImageArtifact) and artifact.path is not None
    saved = Path(artifact.path)
    assert saved.parent == out_dir and saved.name == artifact.default_name and saved.read_bytes() == artifact.data
    # the model sees the path relative to the output folder, never the machine's layout
    size = f"{artifact.size / 1000:.1f} kB"
    assert message.content == f"generated 256x256 PNG image ({size}), saved to generated/{saved.name}"


def test_tool_returns_short_text_and_the_artifact(settings: HFSettings) -> None:
    speak = tool("text-to-speech", settings=settings)
    message = speak.invoke({"type": "tool_call", "id": "7", "name": speak.name, "args": {"text": "hi"}})
    assert message.content.startswith("generated ") and "WAV audio" in message.content
    assert isinstance(message.artifact, AudioArtifact)
    assert "hf_secret_token" not in repr(message) and "hf_secret_token" not in message.artifact.model_dump_json()


# -- refusals: typed errors, no request sent ---------------------------------------------
@pytest.fixture
def media_files(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "secret.png").write_bytes(PNG)
    (work / "link.png").symlink_to(tmp_path / "secret.png")
    (work / "notes.png").write_text("plain text, not a picture")
    (work / "big.png").write_bytes(PNG + bytes(4096))
    return work


REFUSALS = [
    ("http://169.254.169.254/latest/meta-data/iam", UnsafeURLError, "metadata"),
    ("http://localhost:1/x.png", UnsafeURLError, "loopback"),
    ("ftp://example.com/x.png", UnsafeURLError, "only http"),
    ("../secret.png", MediaPathError, r"'\.\.'"),
    ("link.png", MediaPathError, "links to a place outside"),
    ("notes.png", UnsupportedMediaError, "not an image file"),
    ("big.png", MediaTooLargeError, "larger than"),
]


@pytest.mark.parametrize(("value", "error", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_refusals_are_typed_and_send_nothing(
    value: str, error: type[Exception], message: str, hf_server: LoopbackServer, media_files: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(media_files)
    detect = runnable("object-detection", base_url=hf_server.base_url, media_max_bytes=2048)
    with pytest.raises(error, match=message):
        detect.invoke(value)
    with pytest.raises(error, match=message):
        await detect.ainvoke({"image": value, "threshold": 0.5})
    assert isinstance(error("x"), HFInputError)
    assert hf_server.requests == []


@pytest.mark.parametrize(("value", "error", "message"), REFUSALS[:4], ids=[r[0] for r in REFUSALS[:4]])
def test_a_tool_can_hand_refusals_to_the_model(
    value: str, error: type[Exception], message: str, hf_server: LoopbackServer, media_files: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(media_files)
    caption = tool("image-to-text", base_url=hf_server.base_url)
    caption.handle_tool_error = True
    result = caption.invoke({"type": "tool_call", "id": "9", "name": caption.name, "args": {"image": value}})
    assert result.status == "error" and str(result.content)
    assert hf_server.requests == []


def test_invalid_tool_args_fail_before_any_request(settings: HFSettings, hf_server: LoopbackServer) -> None:
    classify = runnable("zero-shot-image-classification", settings=settings)
    with pytest.raises(HFInputError, match="candidate_labels"):
        classify.invoke({"image": PNG, "candidate_labels": ["only one"]})
    with pytest.raises(HFInputError, match="image"):
        classify.invoke({"image": 12, "candidate_labels": ["a", "b"]})
    assert hf_server.requests == []
