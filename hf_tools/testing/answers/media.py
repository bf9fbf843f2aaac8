r"""Plausible Inference API responses with real media bytes, for the image and audio tasks.

Images are PNGs made with Pillow, audio is WAV made with the stdlib ``wave`` module. The
answers are deterministic functions of the request (colors, sizes, text chunks embedded in
the media), so tests can tell that their input reached the server. Generated images carry
their drawn objects in a PNG text chunk and generated speech carries its text in a WAV
``LIST/INFO`` chunk, so detection and transcription of them give meaningful answers offline.

Example:
    >>> from hf_tools.testing.answers.media import png_bytes, wav_bytes, object_detection
    >>> png_bytes(8, 8)[:4], wav_bytes(0.1)[:4]
    (b'\x89PNG', b'RIFF')
    >>> [box["label"] for box in object_detection({"inputs": png_bytes(64, 64, objects=["cat"])})]
    ['cat']

"""

from __future__ import annotations

import array
import base64
import hashlib
import io
import json
import math
import struct
import wave
from typing import Any

from hf_tools.testing.answers import text as wire

__all__ = [
    "audio_classification",
    "audio_to_audio",
    "automatic_speech_recognition",
    "document_question_answering",
    "image_classification",
    "image_segmentation",
    "image_to_image",
    "image_to_text",
    "image_to_video",
    "mp4_bytes",
    "object_detection",
    "png_bytes",
    "text_to_image",
    "text_to_speech",
    "text_to_video",
    "visual_question_answering",
    "wav_bytes",
    "zero_shot_image_classification",
]

PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (40, 70, 220),
    "yellow": (230, 210, 40),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
    "gray": (128, 128, 128),
}
OBJECT_WORDS = ("cat", "dog", "car", "tree", "person", "bird", "house", "boat", "ball", "apple")
_OBJECTS_KEY = "hf-tools:objects"
_PAGE_KEY = "hf-tools:page-text"


# -- media makers ------------------------------------------------------------------------
def _box(index: int, count: int, width: int, height: int) -> dict[str, int]:
    slot = width // max(count, 1)
    return {
        "xmin": index * slot + slot // 8,
        "ymin": height // 4,
        "xmax": (index + 1) * slot - slot // 8,
        "ymax": height * 3 // 4,
    }


def png_bytes(
    width: int,
    height: int,
    color: tuple[int, int, int] = PALETTE["blue"],
    *,
    objects: list[str] | None = None,
    page_text: str | None = None,
) -> bytes:
    """A real PNG: a ``color`` background, one drawn box per name in ``objects``.

    ``objects`` (with their boxes) and ``page_text`` are also stored in PNG text chunks.
    """
    from PIL import Image, ImageDraw
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    info = PngInfo()
    names = list(objects or [])
    placed = []
    for index, name in enumerate(names):
        box = _box(index, len(names), width, height)
        shade = PALETTE[list(PALETTE)[_pick(name, len(PALETTE))]]
        draw.rectangle([box["xmin"], box["ymin"], box["xmax"], box["ymax"]], fill=shade, outline=(0, 0, 0))
        placed.append({"label": name, "box": box})
    if placed:
        info.add_text(_OBJECTS_KEY, json.dumps(placed))
    if page_text:
        draw.text((4, 4), page_text[:200], fill=(0, 0, 0))
        info.add_text(_PAGE_KEY, page_text)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def wav_bytes(seconds: float, *, rate: int = 8000, frequency: float = 440.0, text: str | None = None) -> bytes:
    """A real 16-bit mono WAV tone; ``text`` is stored in a ``LIST/INFO/ICMT`` chunk."""
    frames = max(1, int(seconds * rate))
    samples = array.array("h", (int(8000 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(frames)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(samples.tobytes())
    data = buffer.getvalue()
    if text:
        comment = text.encode() + b"\x00"
        comment += b"\x00" * (len(comment) % 2)
        info = b"INFO" + b"ICMT" + struct.pack("<I", len(comment)) + comment
        data = data + b"LIST" + struct.pack("<I", len(info)) + info
        data = data[:4] + struct.pack("<I", len(data) - 8) + data[8:]
    return data


# -- reading requests --------------------------------------------------------------------
def _pick(text: str, count: int) -> int:
    return hashlib.sha256(text.encode()).digest()[0] % count


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return base64.b64decode(str(value))


def _media(body: dict[str, Any]) -> bytes:
    inputs = body.get("inputs")
    if isinstance(inputs, dict):
        return _as_bytes(inputs.get("image"))
    if body.get("image") is not None:
        return _as_bytes(body["image"])
    return _as_bytes(inputs)


def _open(data: bytes) -> Any:
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _color_name(image: Any) -> str:
    from PIL import ImageStat

    mean = ImageStat.Stat(image.convert("RGB")).mean
    return min(PALETTE, key=lambda name: sum((a - b) ** 2 for a, b in zip(PALETTE[name], mean, strict=True)))


def _objects(image: Any) -> list[dict[str, Any]]:
    raw = image.info.get(_OBJECTS_KEY) if hasattr(image, "info") else None
    return list(json.loads(raw)) if raw else []


def _ranked(scores: dict[str, float], top_k: Any) -> list[dict[str, Any]]:
    total = sum(scores.values()) or 1.0
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    out = [{"label": label, "score": round(value / total, 4)} for label, value in ranked]
    return out[: int(top_k)] if top_k else out


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _wav_text(data: bytes) -> str | None:
    marker = data.find(b"ICMT")
    if marker < 0:
        return None
    (size,) = struct.unpack("<I", data[marker + 4 : marker + 8])
    return data[marker + 8 : marker + 8 + size].rstrip(b"\x00").decode(errors="replace")


def _wav_stats(data: bytes) -> tuple[float, float]:
    """(duration in seconds, RMS level 0..1) of a 16-bit WAV; (0, 0) for other audio."""
    try:
        with wave.open(io.BytesIO(data)) as clip:
            rate, frames = clip.getframerate(), clip.readframes(clip.getnframes())
            width = clip.getsampwidth()
    except (wave.Error, EOFError):
        return 0.0, 0.0
    samples = array.array("h", frames) if width == 2 else array.array("h")
    if not samples:
        return 0.0, 0.0
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
    return len(samples) / rate, rms


# -- wire responses ----------------------------------------------------------------------
def text_to_speech(body: dict[str, Any]) -> bytes:
    text = str(body.get("inputs", ""))
    return wav_bytes(min(10.0, 0.2 + 0.04 * len(text)), text=text)


def text_to_image(body: dict[str, Any]) -> bytes:
    prompt = str(body.get("inputs", ""))
    params = wire._params(body)
    width = min(int(params.get("width") or 256), 1024)
    height = min(int(params.get("height") or 256), 1024)
    words = prompt.lower().replace(",", " ").split()
    color = next((PALETTE[w] for w in words if w in PALETTE), PALETTE[list(PALETTE)[_pick(prompt, len(PALETTE))]])
    objects = [w for w in OBJECT_WORDS if w in words or w + "s" in words]
    return png_bytes(width, height, color, objects=objects)


def image_to_image(body: dict[str, Any]) -> bytes:
    from PIL import ImageOps

    image = ImageOps.invert(_open(_media(body)).convert("RGB"))
    size = wire._params(body).get("target_size") or {}
    if size.get("width") and size.get("height"):
        image = image.resize((min(int(size["width"]), 1024), min(int(size["height"]), 1024)))
    return _png(image)


def object_detection(body: dict[str, Any]) -> list[dict[str, Any]]:
    image = _open(_media(body))
    threshold = float(wire._params(body).get("threshold") or 0.0)
    found = [{"score": round(0.7 + 0.29 * _pick(o["label"], 100) / 100, 4), **o} for o in _objects(image)]
    if not found:
        width, height = image.size
        box = {"xmin": 0, "ymin": 0, "xmax": width - 1, "ymax": height - 1}
        found = [{"score": 0.51, "label": f"{_color_name(image)} area", "box": box}]
    return [item for item in found if item["score"] >= threshold]


def image_classification(body: dict[str, Any]) -> list[dict[str, Any]]:
    color = _color_name(_open(_media(body)))
    scores = {name: (8.0 if name == color else 1.0 / (1 + i)) for i, name in enumerate(PALETTE)}
    return _ranked(scores, wire._params(body).get("top_k"))


def zero_shot_image_classification(body: dict[str, Any]) -> list[dict[str, Any]]:
    image = _open(_media(body))
    seen = {_color_name(image), *(o["label"] for o in _objects(image))}
    labels = list(wire._params(body).get("candidate_labels") or [])
    return _ranked({label: 5.0 if any(s in label.lower() for s in seen) else 1.0 for label in labels}, None)


def image_segmentation(body: dict[str, Any]) -> list[dict[str, Any]]:
    from PIL import Image, ImageChops

    image = _open(_media(body)).convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((0, 0)))
    foreground = ImageChops.difference(image, background).convert("L").point(lambda v: 255 if v > 16 else 0)
    masks = [("foreground", foreground), ("background", ImageChops.invert(foreground))]
    return [
        {"label": label, "score": 0.9, "mask": base64.b64encode(_png(mask)).decode()}
        for label, mask in masks
        if mask.getbbox() is not None
    ]


def _caption(image: Any) -> str:
    names = [o["label"] for o in _objects(image)]
    width, height = image.size
    things = " and ".join(f"a {n}" for n in names) if names else "nothing in particular"
    return f"a {_color_name(image)} picture of {things} ({width}x{height})"


def image_to_text(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"generated_text": _caption(_open(_media(body)))}]


def visual_question_answering(body: dict[str, Any]) -> list[dict[str, Any]]:
    image = _open(_media(body))
    question = str(body.get("question") or "").lower()
    if "colo" in question:
        answer = _color_name(image)
    elif "how many" in question:
        answer = str(len(_objects(image)))
    else:
        answer = _caption(image)
    top_k = min(int(wire._params(body).get("top_k") or 1), wire.MAX_ANSWERS)
    others = [{"answer": "unknown", "score": 0.01}] * (top_k - 1)
    return [{"answer": answer, "score": 0.93}, *others]


_STOP = {"a", "an", "the", "of", "from", "to", "in", "on", "is", "are", "by", "for", "and", "at"}


def _words(text: str) -> list[str]:
    return [w.strip(".,:;?!").lower() for w in text.split()]


def _best_span(page: str, question: str) -> tuple[str, int]:
    """The longest run of words the question does not already hold, in the sentence closest to it."""
    asked = set(_words(question))
    sentences = [s.strip() for s in page.replace("\n", " ").split(". ") if s.strip()]
    sentence = max(sentences, key=lambda s: len(asked & set(_words(s))))
    runs: list[list[str]] = [[]]
    for word in sentence.split():
        clean = word.strip(".,:;?!")
        if clean.lower() in asked or clean.lower() in _STOP or not clean:
            runs.append([])
        else:
            runs[-1].append(clean)
    best = max(reversed(runs), key=len)
    answer = " ".join(best)
    return answer, page.find(answer)


def document_question_answering(body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs") or {}
    page = str(_open(_media(body)).info.get(_PAGE_KEY) or "")
    if not page:
        return [{"answer": "", "score": 0.0, "start": 0, "end": 0}]
    answer, start = _best_span(page, str(inputs.get("question", "")))
    return [{"answer": answer, "score": 0.88, "start": start, "end": start + len(answer)}]


def automatic_speech_recognition(body: dict[str, Any]) -> dict[str, Any]:
    data = _media(body)
    text = _wav_text(data)
    duration, _ = _wav_stats(data)
    transcript = text if text is not None else f"(a {duration:.1f} second tone, no words)"
    out: dict[str, Any] = {"text": transcript}
    if wire._params(body).get("return_timestamps") or body.get("return_timestamps"):
        out["chunks"] = [{"text": transcript, "timestamp": [0.0, round(duration, 3)]}]
    return out


def audio_classification(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = _media(body)
    _, level = _wav_stats(data)
    speech = 4.0 if _wav_text(data) else 1.0
    scores = {"speech": speech, "music": 1.0 + level * 4, "silence": 0.2 if level > 0.01 else 6.0}
    return _ranked(scores, wire._params(body).get("top_k"))


MAX_TRACK_SECONDS = 30.0  # separated tracks never grow with the input beyond this


def audio_to_audio(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Two separated sources, as hf-inference sends them: ``[{"label", "content-type", "blob" (base64)}]``.

    ``speech`` keeps the input's words (its ``ICMT`` text, so transcribing the track gives them
    back) and ``noise`` is a low hum; both last as long as the input.
    """
    data = _media(body)
    duration, _ = _wav_stats(data)
    seconds = min(max(duration, 0.05), MAX_TRACK_SECONDS)
    tracks = {
        "speech": wav_bytes(seconds, frequency=300.0, text=_wav_text(data)),
        "noise": wav_bytes(seconds, frequency=60.0),
    }
    return [
        {"label": label, "content-type": "audio/wav", "blob": base64.b64encode(audio).decode()}
        for label, audio in tracks.items()
    ]


# -- video ---------------------------------------------------------------------------------
def _mp4_box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _mp4_full(kind: bytes, version_flags: int, *parts: bytes) -> bytes:
    return _mp4_box(kind, struct.pack(">I", version_flags), *parts)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def mp4_bytes(width: int = 64, height: int = 48, seconds: float = 2.0, *, text: str | None = None) -> bytes:
    """A tiny, structurally valid MP4 (ISO base media) with one video track and no samples.

    ``ftyp`` (brand ``isom``), ``moov`` with ``mvhd`` (the duration), a ``trak`` whose ``tkhd``
    holds the frame size and whose ``hdlr`` is ``vide``, and an ``mdat``; ``text`` (e.g. the
    prompt) is kept in a ``udta``/``hfpr`` box so tests can tell their input reached the server.

    Example:
        >>> from hf_tools.media import VideoArtifact
        >>> clip = VideoArtifact.from_bytes(mp4_bytes(32, 24, 1.5))
        >>> clip.mime_type, clip.width, clip.height, clip.duration
        ('video/mp4', 32, 24, 1.5)

    """
    scale = 1000
    duration = round(seconds * scale)
    mvhd = _mp4_full(
        b"mvhd",
        0,
        struct.pack(">IIII", 0, 0, scale, duration),
        struct.pack(">IH", 0x10000, 0x100),
        bytes(10),
        _MATRIX,
        bytes(24),
        struct.pack(">I", 2),
    )
    tkhd = _mp4_full(
        b"tkhd",
        3,
        struct.pack(">IIII", 0, 0, 1, 0),
        struct.pack(">I", duration),
        bytes(8),
        struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _mp4_full(b"mdhd", 0, struct.pack(">IIII", 0, 0, scale, duration), struct.pack(">HH", 0x55C4, 0))
    hdlr = _mp4_full(b"hdlr", 0, bytes(4), b"vide", bytes(12), b"VideoHandler\x00")
    empty_table = struct.pack(">I", 0)
    stbl = _mp4_box(
        b"stbl",
        _mp4_full(b"stsd", 0, empty_table),
        _mp4_full(b"stts", 0, empty_table),
        _mp4_full(b"stsc", 0, empty_table),
        _mp4_full(b"stsz", 0, struct.pack(">II", 0, 0)),
        _mp4_full(b"stco", 0, empty_table),
    )
    dinf = _mp4_box(b"dinf", _mp4_full(b"dref", 0, struct.pack(">I", 1), _mp4_full(b"url ", 1)))
    minf = _mp4_box(b"minf", _mp4_full(b"vmhd", 1, bytes(8)), dinf, stbl)
    trak = _mp4_box(b"trak", tkhd, _mp4_box(b"mdia", mdhd, hdlr, minf))
    udta = _mp4_box(b"udta", _mp4_box(b"hfpr", text.encode("utf-8"))) if text else b""
    ftyp = _mp4_box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isom", b"iso2", b"mp41")
    return ftyp + _mp4_box(b"moov", mvhd, trak, udta) + _mp4_box(b"mdat")


def mp4_text(data: bytes) -> str | None:
    """The text an :func:`mp4_bytes` clip carries, if any."""
    found = data.find(b"hfpr")
    if found < 4:
        return None
    size = struct.unpack(">I", data[found - 4 : found])[0]
    return data[found + 4 : found - 4 + size].decode("utf-8", "replace")


def text_to_video(body: dict[str, Any]) -> bytes:
    """A clip carrying the prompt; ``num_frames`` at 24 frames per second gives its length."""
    prompt = str(body.get("inputs") or body.get("prompt") or "")
    frames = wire._params(body).get("num_frames") or body.get("num_frames") or 48
    return mp4_bytes(64, 48, round(float(frames) / 24, 3), text=prompt)


def image_to_video(body: dict[str, Any]) -> bytes:
    """A clip the size of the input image, carrying the prompt."""
    image = _open(_media(body))
    prompt = str(wire._params(body).get("prompt") or body.get("prompt") or "")
    return mp4_bytes(image.width, image.height, 2.0, text=prompt)
