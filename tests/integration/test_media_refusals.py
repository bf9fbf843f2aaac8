"""Model-written media arguments never crash a run: each problem is a MediaError before any request.

Through a tool call the model gets an error ToolMessage; through a Runnable the MediaError is raised.
Either way the loopback server sees no request.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from PIL import Image

import hf_tools
from hf_tools.media import MediaError, MediaPathError, MediaTooLargeError, UnsafeURLError, UnsupportedMediaError
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers import png_bytes, wav_bytes


def bomb_png(side: int = 50_000) -> bytes:
    """A few hundred bytes of PNG whose header claims ``side`` x ``side`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(bytes(64))) + chunk(b"IEND", b"")


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


PNG = png_bytes(32, 32)
WAV = wav_bytes(0.2)

IMAGE_CASES: list[tuple[str, Any, type[MediaError]]] = [
    ("path part over 255 bytes", "a" * 300 + ".png", MediaPathError),
    ("path over 4096 characters", "a/" * 2100 + "x.png", UnsupportedMediaError),
    ("lone surrogate in a path", "pic\ud800.png", UnsupportedMediaError),
    ("lone surrogate in a URL", "https://example.com/\udc00.png", UnsupportedMediaError),
    ("lone surrogate in a host", "https://exa\ud800mple.com/a.png", UnsupportedMediaError),
    ("data URI without ;base64", "data:image/png," + base64.b64encode(PNG).decode(), UnsupportedMediaError),
    ("empty", "  ", UnsupportedMediaError),
    ("truncated PNG", data_uri(PNG[: len(PNG) // 2]), UnsupportedMediaError),
    ("PNG header only", data_uri(PNG[:40]), UnsupportedMediaError),
    ("truncated JPEG", data_uri(jpeg()[:300], "image/jpeg"), UnsupportedMediaError),
    ("decompression bomb", data_uri(bomb_png()), MediaTooLargeError),
    ("NAT64 metadata URL", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data", UnsafeURLError),
]
AUDIO_CASES: list[tuple[str, Any, type[MediaError]]] = [
    ("WAV header without data", data_uri(WAV[:44], "audio/wav"), UnsupportedMediaError),
    ("WAV cut in its header", data_uri(WAV[:20], "audio/wav"), UnsupportedMediaError),
    ("Ogg magic and junk", data_uri(b"OggS" + bytes(30), "audio/ogg"), UnsupportedMediaError),
    ("FLAC magic and junk", data_uri(b"fLaC" + bytes(30), "audio/flac"), UnsupportedMediaError),
    ("data URI without ;base64", "data:audio/wav," + base64.b64encode(WAV).decode(), UnsupportedMediaError),
]
CASES = [("image-classification", "image", *case) for case in IMAGE_CASES] + [
    ("automatic-speech-recognition", "audio", *case) for case in AUDIO_CASES
]
IDS = [f"{task}: {name}" for task, _, name, _, _ in CASES]


@pytest.fixture
def server() -> Any:
    with LoopbackServer() as running:
        yield running


def _call(tool: Any, field: str, value: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call-1", "name": tool.name, "args": {field: value}})
    assert isinstance(message, ToolMessage)
    return message


@pytest.mark.parametrize(("task", "field", "name", "value", "error"), CASES, ids=IDS)
def test_a_tool_hands_the_refusal_back_to_the_model(
    server: LoopbackServer, task: str, field: str, name: str, value: Any, error: type[MediaError]
) -> None:
    tool = hf_tools.tool(task, base_url=server.base_url)
    message = _call(tool, field, value)
    assert message.status == "error", message.content
    assert message.content and "Traceback" not in str(message.content)
    assert server.requests == []


@pytest.mark.parametrize(("task", "field", "name", "value", "error"), CASES, ids=IDS)
def test_a_runnable_raises_the_media_error(
    server: LoopbackServer, task: str, field: str, name: str, value: Any, error: type[MediaError]
) -> None:
    with pytest.raises(error):
        hf_tools.runnable(task, base_url=server.base_url).invoke({field: value})
    assert server.requests == []


@pytest.mark.parametrize(("task", "field", "name", "value", "error"), CASES[::3], ids=IDS[::3])
async def test_the_async_paths_refuse_the_same_way(
    server: LoopbackServer, task: str, field: str, name: str, value: Any, error: type[MediaError]
) -> None:
    with pytest.raises(error):
        await hf_tools.runnable(task, base_url=server.base_url).ainvoke({field: value})
    message = await hf_tools.tool(task, base_url=server.base_url).ainvoke(
        {"type": "tool_call", "id": "c", "name": task.replace("-", "_"), "args": {field: value}}
    )
    assert message.status == "error"
    assert server.requests == []


def test_the_pixel_cap_is_a_setting(server: LoopbackServer) -> None:
    small = hf_tools.runnable("image-classification", settings=HFSettings(base_url=server.base_url))
    assert small.invoke(PNG)  # 32x32 is fine by default
    capped = hf_tools.runnable("image-classification", base_url=server.base_url, media_max_pixels=500)
    with pytest.raises(MediaTooLargeError, match="32x32 pixels, more than the limit of 500"):
        capped.invoke(PNG)
    assert len(server.requests) == 1


def test_an_unreadable_file_is_a_path_error(server: LoopbackServer, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    locked = tmp_path / "locked.png"
    locked.write_bytes(PNG)
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:  # as chmod 0 does, even when the tests run as root
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(MediaPathError):
        hf_tools.runnable("image-classification", base_url=server.base_url).invoke("locked.png")
    assert server.requests == []
