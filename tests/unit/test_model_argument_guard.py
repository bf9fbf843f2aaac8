"""A model-written ``model`` argument never chooses where the token is sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from langchain_core.messages import ToolMessage

import hf_tools
from hf_tools.errors import HFInputError
from hf_tools.hub.tools import HFModelChoiceTool
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer

TOKEN = "hf_guard_secret_123456"


class _Listener:
    """A TCP listener on 127.0.0.1 that only counts connection attempts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    lst = _Listener()
    yield lst
    lst.close()


def _call(tool: object, args: dict[str, object]) -> ToolMessage:
    msg = tool.invoke({"type": "tool_call", "id": "c1", "name": tool.name, "args": args})  # type: ignore[attr-defined]
    assert isinstance(msg, ToolMessage)
    return msg


@pytest.mark.parametrize(
    "model",
    [
        "http://127.0.0.1:{port}/x",
        "https://127.0.0.1:{port}/steal",
        "//127.0.0.1:{port}/x",
        "127.0.0.1:{port}",
    ],
)
async def test_a_url_as_model_is_refused_before_any_connection(listener: _Listener, model: str) -> None:
    for tool in hf_tools.model_tools(["summarization"], token=TOKEN, check_model=False)[1:]:
        args = {"model": model.format(port=listener.port), "text": "hi"}
        msg = _call(tool, args)
        assert msg.status == "error" and "model id" in msg.content and TOKEN not in msg.content
        amsg = await tool.ainvoke({"type": "tool_call", "id": "c2", "name": tool.name, "args": args})
        assert amsg.status == "error" and "model id" in amsg.content
    assert listener.connections == 0


def test_cloud_metadata_address_is_refused_before_any_request() -> None:
    # pytest-socket would raise on any connection to a non-loopback address: none is attempted
    (tool,) = hf_tools.model_tools(["summarization"], token=TOKEN)[1:]
    msg = _call(tool, {"model": "http://169.254.169.254/latest/meta-data", "text": "hi"})
    assert msg.status == "error"
    assert msg.content.startswith("Invalid arguments: model: 'model' must be a Hugging Face model id")


@pytest.mark.parametrize("model", ["../../admin", "org/../../x", "org/x/../../y", "a/b/c", "org/..", "-x/y", "a--b"])
def test_path_tricks_in_a_model_id_never_reach_the_endpoint(model: str) -> None:
    with LoopbackServer() as server:
        tool = HFModelChoiceTool.for_task("summarization", settings=HFSettings(base_url=server.base_url, token=TOKEN))
        msg = _call(tool, {"model": model, "text": "hi"})
        assert msg.status == "error" and "model id" in msg.content
        assert server.requests == []


def test_the_run_method_checks_the_model_too() -> None:
    """Programs calling the tool's run path directly get the same guard (no schema in the way)."""
    with LoopbackServer() as server:
        tool = HFModelChoiceTool.for_task("summarization", settings=HFSettings(base_url=server.base_url, token=TOKEN))
        with pytest.raises(HFInputError, match="model id"):
            tool._run(model="http://127.0.0.1:1/x", text="hi")
        assert server.requests == []


def test_a_base_url_template_accepts_only_model_ids() -> None:
    settings = HFSettings(base_url="http://127.0.0.1:8080/models/{model}")
    assert settings.endpoint_for("org/name") == "http://127.0.0.1:8080/models/org/name"
    with pytest.raises(HFInputError):
        settings.endpoint_for("../../etc")
    # a URL chosen by the program itself (not a template fill) is still the program's choice
    assert settings.endpoint_for("http://127.0.0.1:9000") == "http://127.0.0.1:9000"


def test_valid_model_ids_still_run() -> None:
    with LoopbackServer() as server:
        tool = HFModelChoiceTool.for_task("summarization", settings=HFSettings(base_url=server.base_url))
        msg = _call(tool, {"model": "facebook/bart-large-cnn", "text": "Cats sleep. They eat."})
        assert msg.status == "success" and len(server.requests) == 1
