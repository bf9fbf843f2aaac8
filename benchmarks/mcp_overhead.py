"""What MCP adds to a tool call: 200 sequential text-classification calls through `hf-tools mcp` over
streamable HTTP vs the same tool called in process (LangChain ``tool.invoke`` and ``ainvoke``), and
what the MCP client's per-call check of each task's ``outputSchema`` costs.

(a) Server-side layer: (MCP call without the client check - in-process ``tool.ainvoke``) - (the
SDK's own echo tool without the client check): what our tool layer and its larger result cost the
server above a tool that does nothing, the inference itself taken out. Read it with ``--delay 0``
(the default): with an inference server that sleeps, the wake-ups after each sleep (a millisecond
or more on a shared machine) land in the MCP path and in the in-process path unevenly, and the
difference measures them rather than the layer.
(b) Client check: for every task, ``jsonschema.validate`` of a typical ``structuredContent`` (the
task's declared example run against the loopback server) against its output schema, exactly as the
SDK's ``ClientSession`` calls it per result; "nested" is pydantic's schema as served before
(``$defs``/``$ref``, titles, docstrings), "flat" the flat schema in the default dialect (2020-12),
"served" the flat schema as served now (draft-07, named by ``$schema``).

The loopback Inference API server runs in its own process (answering at once, or after
``--delay`` seconds, e.g. 0.02 for a realistic call) and the MCP server in another; the MCP
client is the mcp SDK's ``ClientSession``. Each call is timed on its own; rounds alternate
between the ways of calling so drift on the machine affects all alike; the median call of all
rounds is reported, and the added latency is the difference of the medians.

Run: .venv/bin/python benchmarks/mcp_overhead.py [--calls 200] [--rounds 3] [--delay 0] [--json-response]
     .venv/bin/python benchmarks/mcp_overhead.py --schemas-only   # (b) alone, no servers
Target: MCP adds under 2 ms per call at the median; server-side layer <= 1 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

import hf_tools
from benchmarks._server import loopback_process

TASK = "text-classification"


# The floor: a bare FastMCP server with one tool that echoes its argument, served the same way.
ECHO_SERVER = """
import sys, anyio
from hf_tools.mcp import serve_http
from hf_tools.mcp.server import HFToolsMCP
server = HFToolsMCP(name="echo", port=0, json_response=sys.argv[1] == "json", log_level="WARNING")
@server.tool()
async def echo(text: str) -> str:
    return text
anyio.run(lambda: serve_http(server, ready=lambda url: print("streamable HTTP at", url, file=sys.stderr, flush=True)))
"""


def hf_tools_mcp_command(base_url: str, json_response: bool) -> list[str]:
    command = [sys.executable, "-m", "hf_tools.cli", "mcp", "--transport", "http", "--port", "0"]
    command += ["--tasks", TASK, "--no-find-model", "--base-url", base_url]
    return command + (["--json-response"] if json_response else [])


@contextmanager
def mcp_process(command: list[str]) -> Iterator[str]:
    """Yield the endpoint URL while an MCP server runs ``command`` in its own process."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "stderr.txt"
        with log.open("w") as errors:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
            try:
                deadline = time.monotonic() + 60
                while not (found := re.search(r"streamable HTTP at (http://\S+)", log.read_text())):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"hf-tools mcp did not start: {log.read_text()}")
                    time.sleep(0.05)
                yield found.group(1)
            finally:
                proc.terminate()
                proc.wait(timeout=10)


async def _skip(*args: object) -> None:
    return None


def unchecked(session: ClientSession, call: Callable[[int], Awaitable[object]]) -> Callable[[int], Awaitable[object]]:
    """``call`` with the SDK client's per-call check of structuredContent against the outputSchema
    switched off (a private hook), to show what that check costs.
    """

    async def without_check(i: int) -> object:
        validate = session._validate_tool_result
        session._validate_tool_result = _skip  # type: ignore[method-assign]
        try:
            return await call(i)
        finally:
            session._validate_tool_result = validate  # type: ignore[method-assign]

    return without_check


async def timed(call: Callable[[int], Awaitable[object]], calls: int) -> list[float]:
    out = []
    for i in range(calls):
        started = time.perf_counter()
        await call(i)
        out.append(time.perf_counter() - started)
    return out


async def measure(args: argparse.Namespace, base_url: str, endpoint: str, echo: str) -> dict[str, list[float]]:
    tool = hf_tools.tool(TASK, base_url=base_url, timeout=30)

    def tool_call(i: int) -> dict[str, object]:
        return {"type": "tool_call", "id": f"c{i}", "name": tool.name, "args": {"text": f"text {i}"}}

    async with (
        streamable_http_client(endpoint) as (read, write, _),
        ClientSession(read, write) as session,
        streamable_http_client(echo) as (echo_read, echo_write, _),
        ClientSession(echo_read, echo_write) as echo_session,
    ):
        await session.initialize()
        await echo_session.initialize()

        async def via_echo(i: int) -> object:
            return await echo_session.call_tool("echo", {"text": f"text {i}"})

        async def via_mcp(i: int) -> object:
            result = await session.call_tool(tool.name, {"text": f"text {i}"})
            if result.isError:
                raise RuntimeError(result.content)
            return result

        async def via_invoke(i: int) -> object:
            return tool.invoke(tool_call(i))

        async def via_ainvoke(i: int) -> object:
            return await tool.ainvoke(tool_call(i))

        ways = {
            "LangChain tool.invoke": via_invoke,
            "LangChain tool.ainvoke": via_ainvoke,
            "MCP call_tool": via_mcp,
            "MCP, no client check": unchecked(session, via_mcp),
            "bare FastMCP echo tool": via_echo,
            "echo, no client check": unchecked(echo_session, via_echo),
        }
        for call in ways.values():  # warm up connections, imports and caches
            await timed(call, 20)
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, call in ways.items():
                times[name] += await timed(call, args.calls)
    return times


def nested_schema(output_type: object) -> dict[str, object]:
    """The output schema as served before flattening: pydantic's, media bytes out, non-objects wrapped."""
    from pydantic import TypeAdapter

    from hf_tools.tool_output import _without_media_bytes

    schema: dict[str, Any] = _without_media_bytes(TypeAdapter(output_type).json_schema(mode="serialization"))
    if schema.get("type") == "object":
        return schema
    defs = schema.pop("$defs", None)
    wrapped: dict[str, Any] = {"type": "object", "properties": {"result": schema}, "required": ["result"]}
    return {**wrapped, "$defs": defs} if defs else wrapped


def validation_times(repeat: int) -> dict[str, tuple[float, float, float]]:
    """{task: (ms to validate against the nested schema, the flat one, the served one)}, as the SDK client does."""
    import timeit

    from jsonschema import validate
    from referencing import Registry

    from hf_tools.testing import LoopbackServer
    from hf_tools.tool_output import dialect_schema, structured_schema, structured_value

    def ms(value: object, schema: dict[str, object]) -> float:
        check = lambda: validate(value, schema, registry=Registry())  # noqa: E731
        return min(timeit.repeat(check, number=repeat, repeat=5)) / repeat * 1e3

    out = {}
    with LoopbackServer() as server:
        for name, spec in hf_tools.TASKS.items():
            output = hf_tools.runnable(name, base_url=server.base_url).invoke(spec.example)
            value = structured_value(output, spec.output_type)
            out[name] = (
                ms(value, nested_schema(spec.output_type)),
                ms(value, structured_schema(spec.output_type)),
                ms(value, dialect_schema(spec.output_type)),
            )
    out["(a plain object)"] = (ms({"result": "x"}, {"type": "object"}),) * 3
    return out


def schema_costs(repeat: int, fields: int = 8) -> tuple[float, float, float]:
    """(ms for a draft-07 object with no fields, ms per integer field, ms per nullable integer field)
    of the SDK's ``jsonschema.validate``, which checks the schema against its metaschema on every call.
    """
    import timeit

    from jsonschema import validate
    from referencing import Registry

    from hf_tools.tool_output import DRAFT_07

    def ms(leaf: dict[str, object] | None) -> float:
        properties = {f"f{i}": leaf for i in range(fields)} if leaf is not None else {}
        schema = {"$schema": DRAFT_07, "type": "object", "properties": properties}
        value = {name: 1 for name in properties}
        check = lambda: validate(value, schema, registry=Registry())  # noqa: E731
        return min(timeit.repeat(check, number=repeat, repeat=5)) / repeat * 1e3

    empty = ms(None)
    return empty, (ms({"type": "integer"}) - empty) / fields, (ms({"type": ["integer", "null"]}) - empty) / fields


def report_validation(repeat: int) -> None:
    times = validation_times(repeat)
    print(
        f"client check of structuredContent per call (jsonschema.validate as the SDK calls it, best of 5 x {repeat}):"
    )
    print(f"  {'task':32} {'nested':>8} {'flat':>8} {'served':>8}")
    for name, (nested, flat, served) in times.items():
        print(f"  {name:32} {nested:6.2f}ms {flat:6.2f}ms {served:6.2f}ms")
    tasks = [row for name, row in times.items() if not name.startswith("(")]
    medians = [statistics.median(row[i] for row in tasks) for i in range(3)]
    over = sorted(name for name, row in times.items() if row[2] > 0.5)
    print(f"  median over tasks: nested {medians[0]:.2f} ms, flat {medians[1]:.2f} ms, served {medians[2]:.2f} ms")
    print(f"  served above 0.5 ms: {', '.join(over) or 'none'}")
    empty, typed, nullable = schema_costs(repeat)
    print(
        f"  the SDK's check per call: {empty:.2f} ms for an empty object schema, +{typed:.3f} ms per typed field,"
        f" +{nullable:.3f} ms per nullable one (the metaschema check of the schema itself, repeated every call;"
        f" an embedding's time is its numbers, checked one by one)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds the inference server takes per request")
    parser.add_argument("--json-response", action="store_true", help="the MCP server answers with JSON, not SSE")
    parser.add_argument("--schemas-only", action="store_true", help="only (b): the client check per task")
    parser.add_argument("--repeat", type=int, default=200, help="validations per timing in (b)")
    args = parser.parse_args()
    if args.schemas_only:
        report_validation(args.repeat)
        return
    with loopback_process(delay=args.delay) as url:
        base_url = f"{url}/models/{{model}}/pipeline/{{task}}"
        echo_command = [sys.executable, "-c", ECHO_SERVER, "json" if args.json_response else "sse"]
        with (
            mcp_process(hf_tools_mcp_command(base_url, args.json_response)) as endpoint,
            mcp_process(echo_command) as echo,
        ):
            times = asyncio.run(measure(args, base_url, endpoint, echo))
    medians = {name: statistics.median(values) for name, values in times.items()}
    transport = "JSON responses" if args.json_response else "SSE responses"
    print(
        f"{args.calls} sequential {TASK} calls x {args.rounds} rounds, inference server"
        f" {args.delay * 1e3:.0f} ms/request (own process); MCP server in its own process, streamable HTTP, {transport}"
    )
    for name, value in medians.items():
        p90 = statistics.quantiles(times[name], n=10)[-1]
        print(f"  {name:24}: median {value * 1e3:7.2f} ms/call   p90 {p90 * 1e3:7.2f} ms")
    mcp = medians["MCP call_tool"]
    for name in ("LangChain tool.invoke", "LangChain tool.ainvoke"):
        print(f"  added by MCP vs {name:22}: {(mcp - medians[name]) * 1e3:+.2f} ms/call at the median (target < 2 ms)")
    check = mcp - medians["MCP, no client check"]
    print(f"  of which the SDK client's outputSchema check: {check * 1e3:+.2f} ms/call")
    print(f"  an MCP round trip to a tool that does nothing : {medians['bare FastMCP echo tool'] * 1e3:.2f} ms/call")
    layer = medians["MCP, no client check"] - medians["LangChain tool.ainvoke"] - medians["echo, no client check"]
    print(f"  (a) server-side layer above the SDK echo tool : {layer * 1e3:+.2f} ms/call (target <= 1 ms)")
    report_validation(args.repeat)


if __name__ == "__main__":
    main()
