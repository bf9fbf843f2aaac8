"""Image and audio artifacts: measurements, saving, content blocks, safe names."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from PIL import Image

from hf_tools.media import AudioArtifact, ImageArtifact
from hf_tools.testing.answers import png_bytes, wav_bytes


def test_image_artifact_measures_the_image() -> None:
    image = ImageArtifact.from_bytes(png_bytes(40, 30))
    assert (image.width, image.height, image.mime_type, image.size) == (40, 30, "image/png", len(image.data))
    assert image.describe().startswith("40x30 PNG image (")


def test_image_artifact_from_pil_keeps_jpeg() -> None:
    pil = Image.new("RGB", (9, 9))
    pil.format = "JPEG"
    art = ImageArtifact.from_pil(pil)
    assert art.mime_type == "image/jpeg" and art.extension == "jpg"
    assert art.to_pil().size == (9, 9)


def test_audio_artifact_reads_wav_headers() -> None:
    clip = AudioArtifact.from_bytes(wav_bytes(1.5, rate=16000))
    assert (clip.duration, clip.sample_rate, clip.channels, clip.mime_type) == (1.5, 16000, 1, "audio/wav")


def test_save_to_a_folder_uses_a_name_from_the_content(tmp_path: Path) -> None:
    image = ImageArtifact.from_bytes(png_bytes(8, 8))
    saved = image.save(tmp_path)
    assert saved.parent == tmp_path and saved.name == image.default_name
    assert saved.name.startswith("image-") and saved.suffix == ".png"
    assert saved.read_bytes() == image.data
    assert image.save(tmp_path / "chosen.png").read_bytes() == image.data


@pytest.mark.parametrize(
    "make", [lambda: ImageArtifact.from_bytes(png_bytes(8, 8)), lambda: AudioArtifact.from_bytes(wav_bytes(0.1))]
)
def test_a_path_ending_in_a_separator_is_a_folder_made_if_needed(
    make: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    artifact = make()
    saved = artifact.save("out/")  # the README's own example, with no folder yet
    assert Path("out").is_dir() and saved == Path("out") / artifact.default_name
    assert saved.read_bytes() == artifact.data
    nested = artifact.save(f"{tmp_path}/a/b{os.sep}")
    assert nested == tmp_path / "a" / "b" / artifact.default_name and nested.read_bytes() == artifact.data
    assert artifact.save("out").parent == Path("out")  # an existing folder, without the separator
    assert artifact.save("named.bin").read_bytes() == artifact.data  # a file name stays a file name


def test_saved_to_creates_the_folder_and_records_the_path(tmp_path: Path) -> None:
    clip = AudioArtifact.from_bytes(wav_bytes(0.2))
    kept = clip.saved_to(tmp_path / "out" / "audio")
    assert kept.path is not None and Path(kept.path).read_bytes() == clip.data
    assert f"saved to {kept.path}" in kept.describe()
    assert clip.path is None


def test_content_block_is_a_standard_base64_block() -> None:
    image = ImageArtifact.from_bytes(png_bytes(8, 8))
    block = image.content_block()
    assert block == {"type": "image", "base64": base64.b64encode(image.data).decode(), "mime_type": "image/png"}
    message = HumanMessage(content=[{"type": "text", "text": "What is this?"}, block])
    assert [b["type"] for b in message.content_blocks] == ["text", "image"]
    assert AudioArtifact.from_bytes(wav_bytes(0.1)).content_block()["type"] == "audio"


def test_json_round_trip_and_short_repr() -> None:
    image = ImageArtifact.from_bytes(png_bytes(8, 8))
    assert ImageArtifact.model_validate_json(image.model_dump_json()) == image
    assert json.loads(image.model_dump_json())["width"] == 8
    assert "data=" not in repr(image) and len(repr(image)) < 200
    assert image.data_uri().startswith("data:image/png;base64,")
