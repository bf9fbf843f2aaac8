"""Media bytes are decoded before they are sent or accepted: image headers under a pixel cap, audio containers."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from hf_tools.media.decode import MediaDecodeError, check_audio, check_image
from hf_tools.testing.answers import png_bytes, wav_bytes


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def bomb_png(side: int = 50_000) -> bytes:
    """A few hundred bytes of PNG whose header claims ``side`` x ``side`` pixels."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def image_bytes(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF"])
def test_every_accepted_image_format_decodes(fmt: str) -> None:
    mime, width, height = check_image(image_bytes(fmt))
    assert mime.startswith("image/") and (width, height) == (40, 30)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_image_is_refused(fmt: str) -> None:
    data = image_bytes(fmt, (64, 48))
    with pytest.raises(MediaDecodeError) as info:
        check_image(data[: len(data) * 2 // 3])
    assert not info.value.too_large


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    with pytest.raises(MediaDecodeError, match="more") as info:
        check_image(bomb_png())
    assert info.value.too_large
    with pytest.raises(MediaDecodeError, match="more than the limit of 1000 pixels") as info:
        check_image(png_bytes(40, 30), max_pixels=1000)
    assert info.value.too_large


@pytest.mark.parametrize("data", [b"", b"<html>no</html>", b"\x89PNG\r\n\x1a\n" + bytes(40)])
def test_bytes_that_are_no_image_are_refused(data: bytes) -> None:
    with pytest.raises(MediaDecodeError):
        check_image(data)


def _mp4(*boxes: bytes) -> bytes:
    """MP4 boxes, each given as its 4-byte type followed by its body."""
    return b"".join(struct.pack(">I", 4 + len(box)) + box for box in boxes)


def _webm(segment: bool) -> bytes:
    header = b"\x42\x86\x81\x01"  # EBMLVersion 1
    data = b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header
    return data + (b"\x18\x53\x80\x67\x01\x00\x00\x00\x00\x00\x00\x00" if segment else b"")


def test_audio_containers_are_checked() -> None:
    assert check_audio(wav_bytes(0.1)) == "audio/wav"
    assert check_audio(_mp4(b"ftypM4A ", b"moov" + bytes(8), b"mdat" + bytes(16))) == "audio/mp4"
    assert check_audio(_webm(segment=True)) == "audio/webm"
    for broken, reason in [
        (wav_bytes(0.1)[:12], "no 'fmt ' chunk"),
        (wav_bytes(0.1)[:44], "no audio data"),
        (b"fLaC" + bytes(8), "STREAMINFO"),
        (b"OggS" + bytes(10), "Ogg page"),
        (b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"no frame here" * 10, "MPEG audio frame"),
        (_mp4(b"ftypM4A ", b"mdat" + bytes(16)), "moov"),
        (_webm(segment=False), "Segment"),
        (b"<html>", "not an audio file"),
    ]:
        with pytest.raises(MediaDecodeError, match=reason):
            check_audio(broken)


@pytest.mark.parametrize(("fmt", "subtype"), [("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III")])
def test_real_encoded_audio_passes(fmt: str, subtype: str) -> None:
    soundfile = pytest.importorskip("soundfile")
    buffer = io.BytesIO()
    try:
        soundfile.write(buffer, [0.0, 0.1, -0.1] * 2000, 8000, format=fmt, subtype=subtype)
    except (RuntimeError, TypeError, ValueError) as exc:  # this libsndfile cannot write it
        pytest.skip(str(exc))
    assert check_audio(buffer.getvalue()).startswith("audio/")
