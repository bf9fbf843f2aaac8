"""The MCP server under hostile conditions: an upstream that echoes the token, idle connections that
would exhaust file descriptors, and exposure beyond loopback (credentials, Host and Origin checks).

All through the mcp SDK's real ``ClientSession`` (in memory, or over streamable HTTP against
``hf-tools mcp`` in its own process).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp")

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import CallToolResult, TextContent

import hf_tools
from hf_tools.mcp import create_server
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.answers import ANSWERS
from hf_tools.testing.replies import RecordedRequest

SECRET = "hf_mcp_ECHOED_token_0123456789"
ROOT = Path(__file__).parents[2]


def _echo_token(value: Any) -> Any:
    """Every string of an answer replaced by an echo of the Authorization header."""
    if isinstance(value, str):
        return f"Authorization: Bearer {SECRET}"
    if isinstance(value, dict):
        return {key: _echo_token(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_echo_token(item) for item in value]
    return value


def _echoing(server: LoopbackServer, request: RecordedRequest) -> Reply:
    body = request.body if isinstance(request.body, dict) else {"inputs": request.body}
    answer = ANSWERS[str(request.task)](body)
    return Reply.ok(answer if isinstance(answer, bytes) else _echo_token(answer))


@pytest.fixture
def echoing_upstream() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.route("", _echoing)  # every POST
        yield server


async def test_a_token_echoed_into_every_field_reaches_no_part_of_any_result(
    echoing_upstream: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = create_server(base_url=echoing_upstream.base_url, token=SECRET, find_model=False, max_retries=0)
    with caplog.at_level(logging.DEBUG), server.serving():
        async with create_connected_server_and_client_session(server) as session:
            results = {
                name: await session.call_tool(spec.tool_name, spec.example) for name, spec in hf_tools.TASKS.items()
            }
    structured = [name for name, result in results.items() if result.structuredContent]
    assert len(structured) >= 15, structured  # the echo reached the structured content of most tasks
    assert any("Bearer ***" in str(result.structuredContent) for result in results.values())
    for name, result in results.items():
        assert SECRET not in result.model_dump_json(), name
    assert caplog.records and all(SECRET not in record.getMessage() for record in caplog.records)


def _server_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HF_TOKEN": SECRET,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **extra,
    }


def start_http_server(args: list[str], log: Path, **popen: Any) -> tuple[subprocess.Popen[str], str]:
    """``hf-tools mcp --transport http --port 0 ARGS`` in its own process, and its endpoint URL."""
    errors = log.open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hf_tools.cli", "mcp", "--transport", "http", "--port", "0", *args],
        env=_server_env(),
        stdout=subprocess.DEVNULL,
        stderr=errors,
        text=True,
        **popen,
    )
    for _ in range(600):  # the server imports for a few seconds on a busy machine
        found = re.search(r"streamable HTTP at (http://\S+)", log.read_text())
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"hf-tools mcp exited: {log.read_text()}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"hf-tools mcp did not start: {log.read_text()}")


@asynccontextmanager
async def http_session(url: str, **client: Any) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(url, **client) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.slow
async def test_debug_logs_of_the_http_server_never_show_an_echoed_token(
    echoing_upstream: LoopbackServer, tmp_path: Path
) -> None:
    log = tmp_path / "stderr.txt"
    proc, url = start_http_server(
        ["--tasks", "summarization,text-classification", "--base-url", echoing_upstream.base_url,
         "--max-retries", "0", "--log-level", "DEBUG"],
        log,
    )  # fmt: skip
    try:
        async with http_session(url) as session:
            summary = await session.call_tool("summarization", {"text": "Cats sleep. Dogs bark."})
            labels = await session.call_tool("text_classification", {"text": "I love it"})
    finally:
        stop(proc)
    assert "Bearer ***" in text_of(summary) and "Bearer ***" in str(labels.structuredContent)
    logged = log.read_text()
    assert "Received message" in logged or "Processing request" in logged  # DEBUG logging was on
    assert SECRET not in logged


# -- idle connections must not exhaust file descriptors -------------------------------------------


def _low_fd_limit() -> None:  # runs in the server's process before it starts: soft and hard limit 256
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


@pytest.mark.slow
async def test_idle_connections_beyond_the_descriptor_limit_do_not_stop_the_server(
    inference: LoopbackServer, tmp_path: Path
) -> None:
    import socket

    log = tmp_path / "stderr.txt"
    proc, url = start_http_server(
        ["--tasks", "summarization", "--base-url", inference.base_url, "--idle-timeout", "1"],
        log,
        preexec_fn=_low_fd_limit,
    )
    port = int(re.search(r":(\d+)/", url).group(1))  # type: ignore[union-attr]
    idle: list[socket.socket] = []
    try:
        for _ in range(300):  # more than the server's 256 descriptors
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(2.5)  # past the idle timeout
        assert proc.poll() is None, log.read_text()
        for sock in idle:  # the server closed every one: over the cap at once, the others when idle
            sock.settimeout(5)
            assert sock.recv(1) == b""
        async with http_session(url) as session:
            result = await session.call_tool("summarization", {"text": "Cats sleep. Dogs bark."})
        assert not result.isError and text_of(result)
    finally:
        for sock in idle:
            sock.close()
        stop(proc)
    assert "Too many open files" not in log.read_text()


@pytest.fixture(scope="module")
def inference() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


# -- exposure: credentials, Host and Origin --------------------------------------------------------


def _post_initialize(url: str, **headers: str) -> int:
    import httpx

    body = {
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }  # fmt: skip
    return httpx.post(url, json=body, headers={**_JSON, **headers}, timeout=10).status_code


_JSON = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.mark.slow
async def test_an_exposed_server_asks_for_a_generated_credential(inference: LoopbackServer, tmp_path: Path) -> None:
    import httpx

    log = tmp_path / "stderr.txt"
    proc, url = start_http_server(
        ["--host", "0.0.0.0", "--tasks", "summarization", "--base-url", inference.base_url], log
    )
    try:
        printed = log.read_text()
        token = re.search(r"generated auth token: (\S+)", printed).group(1)  # type: ignore[union-attr]
        local = re.sub(r"//[^/:]+:", "//127.0.0.1:", url.replace("[::]", "0.0.0.0"))
        assert _post_initialize(local) == 401
        assert _post_initialize(local, Authorization="Bearer wrong") == 401
        assert _post_initialize(local, Authorization=f"Bearer {token}", Host="attacker.example") == 421
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx.AsyncClient(headers=headers, timeout=30) as client,
            http_session(local, http_client=client) as session,
        ):
            result = await session.call_tool("summarization", {"text": "Cats sleep. Dogs bark."})
        assert not result.isError
    finally:
        stop(proc)
    assert "WARNING" in printed and "spends your Hugging Face token's money" in printed
    assert SECRET not in log.read_text()


@pytest.mark.slow
def test_a_loopback_server_refuses_pages_from_origins_not_listed(inference: LoopbackServer, tmp_path: Path) -> None:
    import httpx

    proc, url = start_http_server(
        ["--tasks", "summarization", "--base-url", inference.base_url, "--allow-origin", "http://localhost:5173",
         "--auth-token", "local-s3cret"],
        tmp_path / "stderr.txt",
    )  # fmt: skip
    auth = {"Authorization": "Bearer local-s3cret"}
    try:
        assert _post_initialize(url) == 401  # a credential given on loopback is required too
        assert _post_initialize(url, **auth) == 200  # programs send no Origin
        assert _post_initialize(url, **auth, Origin="http://localhost:8080") == 403  # another local page
        assert _post_initialize(url, **auth, Origin="http://localhost:5173") == 200
        assert _post_initialize(url, **auth, Host="rebound.example:80") == 421
        huge = httpx.post(url, content=b"[" + b"1," * 3_000_000 + b"1]", headers={**auth, **_JSON}, timeout=30)
        assert huge.status_code == 413  # the SDK's body limit, before anything is parsed
        assert _post_initialize(url, **auth) == 200  # and the server goes on
    finally:
        stop(proc)


async def test_serving_an_exposed_address_without_a_credential_is_refused() -> None:
    from hf_tools.mcp import HTTPGuard, serve_http

    server = create_server(["summarization"], host="0.0.0.0", port=0, find_model=False)
    with pytest.raises(hf_tools.HFInputError, match="spend your token"):
        await serve_http(server)  # refused before anything binds
    with pytest.raises(hf_tools.HFInputError):
        await serve_http(server, guard=HTTPGuard(allowed_hosts=("example.org",)))


def test_insecure_no_auth_says_what_it_does(tmp_path: Path, inference: LoopbackServer) -> None:
    log = tmp_path / "stderr.txt"
    proc, url = start_http_server(
        ["--host", "0.0.0.0", "--insecure-no-auth", "--tasks", "summarization", "--base-url", inference.base_url],
        log,
    )
    try:
        local = re.sub(r"//[^/:]+:", "//127.0.0.1:", url)
        assert _post_initialize(local) == 200
    finally:
        stop(proc)
    printed = log.read_text()
    assert "WITHOUT authentication" in printed and "generated auth token" not in printed


async def test_server_info_names_hf_tools_and_its_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "hf_tools.cli", "mcp", "--tasks", "summarization"], env=_server_env()
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        info = (await session.initialize()).serverInfo
    assert (info.name, info.version) == ("hf-tools", version("hf-tools"))


# -- files behind --media-links ----------------------------------------------------------------------


async def test_a_symlink_planted_under_the_next_file_name_is_not_followed(
    inference: LoopbackServer, tmp_path: Path
) -> None:
    out, outside = tmp_path / "made", tmp_path / "precious.txt"
    outside.write_text("keep me")
    server = create_server(
        ["text-to-image"], base_url=inference.base_url, media_output_dir=str(out), media_links=True, find_model=False
    )
    args = {"prompt": "a cat", "width": 20, "height": 20}
    async with create_connected_server_and_client_session(server) as session:
        first = Path(str((await session.call_tool("text_to_image", args)).content[1].uri).removeprefix("file://"))  # type: ignore[union-attr]
        content = first.read_bytes()
        first.unlink()
        first.symlink_to(outside)  # the same prompt gives the same content-hash name
        await session.call_tool("text_to_image", args)
    assert outside.read_text() == "keep me"
    assert not first.is_symlink() and first.read_bytes() == content
    assert first.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in out.iterdir()] == [first.name]  # no temporary file left behind


@pytest.mark.parametrize("keep", [False, True])
async def test_linked_files_are_removed_when_the_server_stops_unless_kept(
    inference: LoopbackServer, tmp_path: Path, keep: bool
) -> None:
    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    out = tmp_path / "made"
    args = ["-m", "hf_tools.cli", "mcp", "--tasks", "text-to-image", "--base-url", inference.base_url,
            "--media-links", "--media-output-dir", str(out)] + (["--keep-media"] if keep else [])  # fmt: skip
    params = StdioServerParameters(command=sys.executable, args=args, env=_server_env(), cwd=str(tmp_path))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool("text_to_image", {"prompt": "a cat", "width": 20, "height": 20})
        (saved,) = list(out.iterdir())
        assert saved.stat().st_mode & 0o777 == 0o600 and saved.name in text_of(result)
    for _ in range(100):  # the server cleans up as it exits
        if keep or not saved.exists():
            break
        time.sleep(0.05)
    assert saved.exists() == keep
