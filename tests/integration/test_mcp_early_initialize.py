"""A stdio ``hf-tools mcp`` answers ``initialize`` before it imports the SDK and the tasks, with the
answer the SDK would give, and then serves the session on the SDK without a second answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp")

from hf_tools.mcp.about import PROTOCOL_VERSIONS, initialize_result

ROOT = Path(__file__).parents[2]
ENV = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONPATH": str(ROOT), "HF_TOKEN": "hf_early_test"}


def _sdk_answer(requested: str) -> dict[str, Any]:
    """What the SDK's ServerSession answers for hf-tools' server (built the way it builds it)."""
    from mcp import types
    from mcp.shared.version import SUPPORTED_PROTOCOL_VERSIONS

    from hf_tools.mcp import create_server

    options = create_server(["summarization"], find_model=False)._mcp_server.create_initialization_options()
    result = types.InitializeResult(
        protocolVersion=requested if requested in SUPPORTED_PROTOCOL_VERSIONS else types.LATEST_PROTOCOL_VERSION,
        capabilities=options.capabilities,
        serverInfo=types.Implementation(name=options.server_name, version=options.server_version),
        instructions=options.instructions,
    )
    return result.model_dump(by_alias=True, mode="json", exclude_none=True)


@pytest.mark.parametrize("requested", [*PROTOCOL_VERSIONS, "1999-01-01"])
def test_the_early_answer_is_the_sdks(requested: str) -> None:
    from mcp import types
    from mcp.shared.version import SUPPORTED_PROTOCOL_VERSIONS

    assert tuple(SUPPORTED_PROTOCOL_VERSIONS) == PROTOCOL_VERSIONS
    assert PROTOCOL_VERSIONS[-1] == types.LATEST_PROTOCOL_VERSION
    assert initialize_result(requested) == _sdk_answer(requested)


def _send(proc: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(message).encode() + b"\n")
    proc.stdin.flush()


def _read(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    assert proc.stdout is not None
    return dict(json.loads(proc.stdout.readline()))


def test_one_answer_per_request_over_stdio() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hf_tools.cli", "mcp", "--tasks", "summarization", "--no-find-model"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV,
    )  # fmt: skip
    try:
        client = {"name": "raw", "version": "1"}
        params = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": client}
        _send(proc, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params})
        first = _read(proc)
        assert first["id"] == 0 and first["result"]["serverInfo"]["name"] == "hf-tools"
        _send(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        _send(proc, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        second = _read(proc)  # the SDK's own initialize answer is held back: this is tools/list's
        assert second["id"] == 1 and [tool["name"] for tool in second["result"]["tools"]] == ["summarization"]
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def test_the_cli_parser_imports_neither_the_sdk_nor_langchain() -> None:
    program = (
        "import sys; from hf_tools.cli import build_parser; build_parser().parse_args(['mcp']);"
        "from hf_tools.mcp.early import answer_initialize;"
        "heavy = {'mcp', 'langchain_core', 'huggingface_hub', 'pydantic'};"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=ENV, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
