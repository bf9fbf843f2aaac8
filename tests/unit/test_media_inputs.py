"""Media inputs: the accepted forms, the format check and the folder guard for paths."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image
from pydantic import BaseModel, ValidationError

from hf_tools.errors import HFInputError
from hf_tools.media import (
    ImageInput,
    MediaPathError,
    MediaPolicy,
    MediaSource,
    MediaTooLargeError,
    UnsupportedMediaError,
    parse_media,
    sniff,
)
from hf_tools.media.paths import read_path
from hf_tools.testing.answers import png_bytes, wav_bytes

PNG = png_bytes(16, 8)
WAV = wav_bytes(0.1)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    inside = tmp_path / "work"
    inside.mkdir()
    monkeypatch.chdir(inside)
    return inside


def policy(**kwargs: object) -> MediaPolicy:
    return MediaPolicy.from_settings(None).__class__(allowed_dirs=(Path.cwd().resolve(),), **kwargs)  # type: ignore[arg-type]


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "image/png"), (WAV, "audio/wav"), (b"GIF89a" + bytes(10), "image/gif"), (b"fLaC" + bytes(10), "audio/flac")],
)
def test_sniff_known_formats(data: bytes, mime: str) -> None:
    found = sniff(data)
    assert found is not None and found.mime_type == mime


def test_sniff_jpeg_made_with_pillow() -> None:
    found = sniff(jpeg())
    assert found is not None and found.mime_type == "image/jpeg"


@pytest.mark.parametrize("data", [b"", b"hello world", b"BM not really a bitmap", b"RIFF\x00\x00\x00\x00AVI "])
def test_sniff_refuses_other_bytes(data: bytes) -> None:
    assert sniff(data) is None


def test_every_input_form_gives_the_same_bytes(folder: Path) -> None:
    (folder / "pic.png").write_bytes(PNG)
    b64 = base64.b64encode(PNG).decode()
    forms = [
        PNG,
        bytearray(PNG),
        memoryview(PNG),
        b64,
        f"data:image/png;base64,{b64}",
        "pic.png",
        Path("pic.png"),
        str(folder / "pic.png"),
        base64.urlsafe_b64encode(PNG).decode().rstrip("="),
    ]
    for form in forms:
        assert parse_media(form, "image").load(policy()) == PNG, form


def test_pil_images_become_png() -> None:
    image = Image.new("RGB", (5, 7), (1, 2, 3))
    data = parse_media(image, "image").load(policy())
    assert sniff(data) is not None and Image.open(io.BytesIO(data)).size == (5, 7)


def test_urls_are_classified_without_io() -> None:
    assert parse_media("https://example.com/a.png", "image") == MediaSource("image", "url", "https://example.com/a.png")
    assert parse_media("ftp://example.com/a.png", "image").origin == "url"


@pytest.mark.parametrize("value", [42, None, ["a"], {"url": "x"}])
def test_values_of_another_type_fail_validation(value: object) -> None:
    class Model(BaseModel):
        image: ImageInput

    with pytest.raises(ValidationError):
        Model(image=value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("data:image/png,notbase64", "data URI must look like"),
        ("data:image/png;base64,@@@", "not valid base64"),
        ("pic\ud800.png", "lone surrogates"),
        ("x" * 5000, "neither a path"),
    ],
)
def test_strings_that_cannot_be_media_are_refused_when_loaded(value: str, reason: str) -> None:
    """A model-written string validates; loading it raises the MediaError a tool hands back to the model."""

    class Model(BaseModel):
        image: ImageInput

    source = Model(image=value).image
    assert source.origin == "refused" and reason in source.describe()
    with pytest.raises(UnsupportedMediaError, match=reason):
        source.load(policy())
    with pytest.raises(UnsupportedMediaError, match=reason):
        parse_media(value, "image")


def test_wrong_kind_is_refused() -> None:
    with pytest.raises(UnsupportedMediaError, match="audio/wav"):
        parse_media(WAV, "image").load(policy())
    with pytest.raises(UnsupportedMediaError):
        parse_media(PNG, "audio").load(policy())


def test_a_text_file_named_png_is_refused(folder: Path) -> None:
    (folder / "notes.png").write_text("this is not an image")
    with pytest.raises(UnsupportedMediaError, match="not an image file"):
        parse_media("notes.png", "image").load(policy())


def test_dotdot_traversal_is_refused(folder: Path) -> None:
    (folder.parent / "secret.png").write_bytes(PNG)
    for path in ["../secret.png", "sub/../../secret.png", str(folder / ".." / "secret.png")]:
        with pytest.raises(MediaPathError, match=r"'\.\.'"):
            parse_media(path, "image").load(policy())


def test_absolute_path_outside_the_folder_is_refused(folder: Path) -> None:
    outside = folder.parent / "elsewhere.png"
    outside.write_bytes(PNG)
    with pytest.raises(MediaPathError, match="outside the allowed media folders"):
        parse_media(str(outside), "image").load(policy())


def test_symlink_out_of_the_folder_is_refused(folder: Path) -> None:
    outside = folder.parent / "target.png"
    outside.write_bytes(PNG)
    (folder / "link.png").symlink_to(outside)
    with pytest.raises(MediaPathError, match="links to a place outside"):
        parse_media("link.png", "image").load(policy())


def test_symlinked_folder_out_is_refused(folder: Path) -> None:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.png").write_bytes(PNG)
    (folder / "shortcut").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(MediaPathError, match="outside"):
        parse_media("shortcut/x.png", "image").load(policy())


def test_symlink_inside_the_folder_is_fine(folder: Path) -> None:
    (folder / "real.png").write_bytes(PNG)
    (folder / "alias.png").symlink_to(folder / "real.png")
    assert parse_media("alias.png", "image").load(policy()) == PNG


def test_extra_allowed_folders(folder: Path) -> None:
    other = folder.parent / "media"
    other.mkdir()
    (other / "x.png").write_bytes(PNG)
    allowed = MediaPolicy.from_settings(type("S", (), {"media_dirs": (str(other),)})())
    assert read_path(str(other / "x.png"), allowed) == PNG
    with pytest.raises(MediaPathError):
        read_path(str(other / "x.png"), policy())


def test_missing_files_and_folders_are_refused(folder: Path) -> None:
    (folder / "dir.png").mkdir()
    for path in ["nope.png", "dir.png"]:
        with pytest.raises(MediaPathError, match="no media file"):
            parse_media(path, "image").load(policy())


def test_oversize_inputs_are_refused(folder: Path) -> None:
    big = PNG + bytes(2000)
    (folder / "big.png").write_bytes(big)
    for form in [big, "big.png", "data:image/png;base64," + base64.b64encode(big).decode()]:
        with pytest.raises(MediaTooLargeError):
            parse_media(form, "image").load(policy(max_bytes=1000))


async def test_async_load_reads_paths_with_the_same_guards(folder: Path) -> None:
    (folder / "a.wav").write_bytes(WAV)
    assert await parse_media("a.wav", "audio").aload(policy()) == WAV
    with pytest.raises(MediaPathError):
        await parse_media("../a.wav", "audio").aload(policy())


def test_refusals_are_input_errors_with_readable_messages() -> None:
    with pytest.raises(HFInputError) as info:
        parse_media("/etc/passwd", "image").load(policy())
    assert "outside the allowed media folders" in str(info.value)


def test_descriptions_never_hold_the_bytes() -> None:
    source = parse_media(PNG, "image")
    assert "PNG" not in repr(source) and str(len(PNG)) in repr(source)

    class Model(BaseModel):
        image: ImageInput

    assert Model(image=PNG).model_dump_json() == f'{{"image":"<image: {len(PNG)} bytes>"}}'
