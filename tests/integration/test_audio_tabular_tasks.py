"""audio-to-audio, tabular-classification and tabular-regression through every face, with the REAL
huggingface_hub client (run under both .venv and .venv-hub1) against the loopback servers.

Faces: Runnable (invoke, ainvoke, batch), Tool (content_and_artifact, LangGraph's ToolNode),
HFToolkit, the MCP server through the mcp SDK's client (in memory), the smolagents adapter inside a
ToolCallingAgent, the ``hf-tools`` command line; and the router (hf-inference) next to endpoints.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, ToolMessage

import hf_tools
from hf_tools.errors import HFInputError, HFModelNotServedError, HFResponseError
from hf_tools.media import AudioTrack, MediaError
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.answers import wav_bytes
from hf_tools.testing.hub_server import HubModel, HubProvider
from hf_tools.testing.router import LoopbackRouter
from hf_tools.tool_output import find_media

TOKEN = "hf_audio_tabular_test_0123456789"
SEPARATOR = hf_tools.TASKS["audio-to-audio"].default_model
WINE = hf_tools.TASKS["tabular-classification"].default_model
FISH = hf_tools.TASKS["tabular-regression"].default_model
ROOT = Path(__file__).parents[2]

MIX = wav_bytes(0.25, text="hello there")
# what a separation model sends: the content type it claims, and bytes we can recognise
SPEECH = wav_bytes(0.25, frequency=300.0, text="speaker one")
NOISE = wav_bytes(0.25, frequency=55.0)
TRACKS = [
    {"label": "speech", "content-type": "audio/flac", "blob": base64.b64encode(SPEECH).decode()},
    {"label": "noise", "content-type": "audio/wav", "blob": base64.b64encode(NOISE).decode()},
]
TABLE = {"Species": ["Bream", "Roach"], "Length1": [23.2, 20.5], "Height": [11.52, 6.79]}
RAGGED = {"Species": ["Bream", "Roach"], "Length1": [23.2]}


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def settings(server: LoopbackServer, **extra: Any) -> dict[str, Any]:
    return {"base_url": server.base_url, "backoff_base": 0.001, "backoff_max": 0.002, "max_retries": 1, **extra}


def _sent_audio(server: LoopbackServer) -> bytes:
    body = server.requests[-1].body["inputs"]
    return body if isinstance(body, bytes) else base64.b64decode(body)


# -- Runnable: audio-to-audio ------------------------------------------------------------------
def test_audio_to_audio_gives_labelled_tracks_with_the_exact_bytes_the_provider_sent(server: LoopbackServer) -> None:
    server.enqueue(SEPARATOR, Reply.ok(TRACKS))
    tracks = hf_tools.runnable("audio-to-audio", **settings(server)).invoke(MIX)
    assert [type(t) for t in tracks] == [AudioTrack, AudioTrack]
    assert [t.label for t in tracks] == ["speech", "noise"]
    assert [t.data for t in tracks] == [SPEECH, NOISE]  # the provider's bytes, untouched
    assert [t.mime_type for t in tracks] == ["audio/wav", "audio/wav"]  # sniffed, not the claimed audio/flac
    assert tracks[0].duration == 0.25 and tracks[0].sample_rate == 8000
    assert _sent_audio(server) == MIX  # the input went as raw audio bytes
    assert server.requests[-1].path == f"/models/{SEPARATOR}/pipeline/audio-to-audio"


def test_audio_to_audio_ainvoke_and_batch(server: LoopbackServer) -> None:
    runnable = hf_tools.runnable("audio-to-audio", **settings(server))
    first = asyncio.run(runnable.ainvoke({"audio": MIX}))
    clips = [MIX, wav_bytes(0.5, text="second clip")]
    batch = runnable.batch(clips)
    assert [t.label for t in first] == ["speech", "noise"]
    assert [[t.duration for t in tracks] for tracks in batch] == [[0.25, 0.25], [0.5, 0.5]]
    assert len(server.requests) == 3


def test_tracks_are_saved_to_the_media_output_dir(server: LoopbackServer, tmp_path: Path) -> None:
    server.enqueue(SEPARATOR, Reply.ok(TRACKS))
    out = tmp_path / "separated"
    tracks = hf_tools.runnable("audio-to-audio", **settings(server, media_output_dir=str(out))).invoke(MIX)
    assert [Path(str(t.path)).read_bytes() for t in tracks] == [SPEECH, NOISE]
    assert {Path(str(t.path)).parent for t in tracks} == {out}
    again = tracks[1].save(tmp_path / "noise.wav")
    assert again.read_bytes() == NOISE


@pytest.mark.parametrize(
    ("value", "fragment"),
    [(b"<html>not audio</html>", "audio"), ("/etc/passwd", "outside the allowed media folders"), ("", "audio")],
)
def test_audio_to_audio_inputs_have_the_media_guards_of_every_audio_input(
    server: LoopbackServer, value: Any, fragment: str
) -> None:
    with pytest.raises(MediaError, match=fragment):
        hf_tools.runnable("audio-to-audio", **settings(server)).invoke(value)
    assert server.requests == []


def test_an_answer_whose_track_is_not_audio_is_a_response_error(server: LoopbackServer) -> None:
    bad = [{"label": "speech", "content-type": "audio/wav", "blob": base64.b64encode(b"<html>oops</html>").decode()}]
    server.enqueue(SEPARATOR, Reply.ok(bad))
    with pytest.raises(HFResponseError, match="audio-to-audio"):
        hf_tools.runnable("audio-to-audio", **settings(server)).invoke(MIX)


# -- Runnable: tabular ---------------------------------------------------------------------------
def test_tabular_classification_gives_one_label_per_row(server: LoopbackServer) -> None:
    classify = hf_tools.runnable("tabular-classification", **settings(server))
    labels = classify.invoke({"table": TABLE})
    assert len(labels) == 2 and all(isinstance(label, str) for label in labels)
    assert server.requests[-1].body["table"] == TABLE  # the table as the client sends it
    server.enqueue(WINE, Reply.ok([5, "6"]))  # a numeric class is a label too
    assert asyncio.run(classify.ainvoke({"table": TABLE})) == ["5", "6"]


def test_tabular_regression_with_an_endpoint_gives_one_number_per_row(server: LoopbackServer) -> None:
    regress = hf_tools.runnable("tabular-regression", **settings(server))
    assert regress.invoke({"table": TABLE}) == [232.0, 205.0]
    assert asyncio.run(regress.ainvoke({"table": TABLE})) == [232.0, 205.0]
    assert regress.batch([{"table": TABLE}, {"table": {"Length1": [1.5]}}]) == [[232.0, 205.0], [15.0]]
    sent = server.requests[0]
    assert sent.path == f"/models/{FISH}/pipeline/tabular-regression" and sent.body["table"] == TABLE


@pytest.mark.parametrize("task", ["tabular-classification", "tabular-regression"])
@pytest.mark.parametrize("table", [RAGGED, {}, {"a": [[1, 2]]}, {"a": [float("nan")]}])
def test_invalid_tables_are_refused_before_any_request(server: LoopbackServer, task: str, table: Any) -> None:
    with pytest.raises(HFInputError, match="table"):
        hf_tools.runnable(task, **settings(server)).invoke({"table": table})
    assert server.requests == []


def test_a_ragged_table_names_each_column_length(server: LoopbackServer) -> None:
    with pytest.raises(HFInputError, match=r"same number of cells \(got \{'Species': 2, 'Length1': 1\}\)"):
        hf_tools.runnable("tabular-regression", **settings(server)).invoke({"table": RAGGED})


@pytest.mark.parametrize(
    ("task", "answer", "fragment"),
    [
        ("tabular-regression", [1.0], "1 prediction"),
        ("tabular-regression", ["heavy", 2.0], "should be a number"),
        ("tabular-regression", {"weight": 1.0}, "list"),
        ("tabular-classification", [["5"], ["6"]], "text or a number"),
        ("tabular-classification", ["5", "6", "7"], "3 prediction"),
    ],
)
def test_an_answer_without_one_prediction_per_row_is_a_response_error(
    server: LoopbackServer, task: str, answer: Any, fragment: str
) -> None:
    server.enqueue(hf_tools.TASKS[task].default_model, Reply.ok(answer))
    with pytest.raises(HFResponseError, match=fragment):
        hf_tools.runnable(task, **settings(server)).invoke({"table": TABLE})


# -- the router -----------------------------------------------------------------------------------
def _serve_on_hf_inference(router: LoopbackRouter) -> None:
    assert router.hub is not None
    for model, task in ((SEPARATOR, "audio-to-audio"), (WINE, "tabular-classification")):
        router.hub.add(HubModel(model, task, 1000, providers=(HubProvider("hf-inference", task),)))
    router.hub.add(HubModel(FISH, "tabular-regression", 1000))


def test_the_router_serves_audio_to_audio_and_tabular_classification_through_hf_inference(
    hf_router: LoopbackRouter,
) -> None:
    _serve_on_hf_inference(hf_router)
    tracks = hf_tools.runnable("audio-to-audio", token=TOKEN).invoke(MIX)
    labels = asyncio.run(hf_tools.runnable("tabular-classification", token=TOKEN).ainvoke({"table": TABLE}))
    assert [t.label for t in tracks] == ["speech", "noise"] and len(labels) == 2
    assert [(r.provider, r.model) for r in hf_router.requests] == [("hf-inference", SEPARATOR), ("hf-inference", WINE)]


@pytest.mark.parametrize("check_model", [True, False])
def test_tabular_regression_on_the_router_is_refused_before_any_request(
    hf_router: LoopbackRouter, check_model: bool
) -> None:
    _serve_on_hf_inference(hf_router)
    assert hf_router.hub is not None
    before = hf_router.hub.count()
    regress = hf_tools.runnable("tabular-regression", token=TOKEN, check_model=check_model)
    with pytest.raises(HFModelNotServedError, match="base_url") as refused:
        regress.invoke({"table": TABLE})
    with pytest.raises(HFModelNotServedError, match="no provider helper"):
        asyncio.run(regress.ainvoke({"table": TABLE}))
    with pytest.raises(HFModelNotServedError):
        hf_tools.runnable("tabular-regression", model="someone/fish", token=TOKEN, provider="hf-inference").invoke(
            {"table": TABLE}
        )
    assert refused.value.task == "tabular-regression"
    assert hf_router.requests == [] and hf_router.hub.count() == before  # not even a Hub look-up


# -- Tool, ToolNode, HFToolkit ----------------------------------------------------------------------
def _call(tool: Any, args: dict[str, Any]) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call_1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


def test_tools_tell_the_model_short_text_and_give_programs_typed_artifacts(server: LoopbackServer) -> None:
    server.enqueue(SEPARATOR, Reply.ok(TRACKS))
    separated = _call(hf_tools.tool("audio-to-audio", **settings(server)), {"audio": base64.b64encode(MIX).decode()})
    assert separated.content == ("2 audio tracks: speech: 0.25 s WAV audio (4.1 kB); noise: 0.25 s WAV audio (4.0 kB)")
    assert [t.data for t in separated.artifact] == [SPEECH, NOISE]
    assert find_media(separated.artifact) == separated.artifact  # what agents keep in state["media"]
    regressed = _call(hf_tools.tool("tabular-regression", **settings(server)), {"table": TABLE})
    assert regressed.content == "row 1: 232.000; row 2: 205.000" and regressed.artifact == [232.0, 205.0]
    refused = _call(hf_tools.tool("tabular-classification", **settings(server)), {"table": RAGGED})
    assert refused.status == "error" and "same number of cells" in str(refused.content)
    assert len(server.requests) == 2


def test_toolkit_offers_the_tasks_and_langgraph_runs_them(server: LoopbackServer) -> None:
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    tasks = ["audio-to-audio", "tabular-classification", "tabular-regression"]
    kit = hf_tools.HFToolkit(tasks, **settings(server))
    tools = kit.get_tools()
    assert [t.name for t in tools] == ["audio_to_audio", "tabular_classification", "tabular_regression"]
    calls = [
        {"id": "a", "name": "audio_to_audio", "args": {"audio": base64.b64encode(MIX).decode()}, "type": "tool_call"},
        {"id": "b", "name": "tabular_classification", "args": {"table": TABLE}, "type": "tool_call"},
        {"id": "c", "name": "tabular_regression", "args": {"table": TABLE}, "type": "tool_call"},
    ]
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "tools")
    out = graph.compile().invoke({"messages": [AIMessage(content="", tool_calls=calls)]})
    separated, classified, regressed = out["messages"][1:]
    assert [t.label for t in separated.artifact] == ["speech", "noise"]
    assert len(classified.artifact) == 2 and regressed.artifact == [232.0, 205.0]


# -- MCP ------------------------------------------------------------------------------------------------
async def test_mcp_sends_one_audio_content_per_separated_track(server: LoopbackServer) -> None:
    pytest.importorskip("mcp")
    from mcp.shared.memory import create_connected_server_and_client_session
    from mcp.types import AudioContent, TextContent

    from hf_tools.mcp import create_server

    server.enqueue(SEPARATOR, Reply.ok(TRACKS))
    mcp_server = create_server(
        tasks=["audio-to-audio", "tabular-regression"], base_url=server.base_url, find_model=False
    )
    async with create_connected_server_and_client_session(mcp_server) as session:
        separated = await session.call_tool("audio_to_audio", {"audio": base64.b64encode(MIX).decode()})
        regressed = await session.call_tool("tabular_regression", {"table": TABLE})
        ragged = await session.call_tool("tabular_regression", {"table": RAGGED})
    audio = [block for block in separated.content if isinstance(block, AudioContent)]
    assert [base64.b64decode(block.data) for block in audio] == [SPEECH, NOISE]
    assert [block.mimeType for block in audio] == ["audio/wav", "audio/wav"]
    text = [block.text for block in separated.content if isinstance(block, TextContent)]
    assert text == ["2 audio tracks: speech: 0.25 s WAV audio (4.1 kB); noise: 0.25 s WAV audio (4.0 kB)"]
    assert separated.structuredContent is not None
    assert [t["label"] for t in separated.structuredContent["result"]] == ["speech", "noise"]
    assert "data" not in separated.structuredContent["result"][0]  # the bytes travel as audio content only
    assert not regressed.isError and regressed.structuredContent == {"result": [232.0, 205.0]}
    assert ragged.isError and "same number of cells" in str(ragged.content[0])
    assert len(server.requests) == 2


# -- smolagents -------------------------------------------------------------------------------------------
@pytest.mark.slow  # smolagents' import takes seconds
def test_smolagents_agent_calls_the_tabular_and_audio_tools(server: LoopbackServer) -> None:
    pytest.importorskip("smolagents")
    from smolagents import ToolCallingAgent
    from smolagents.models import ChatMessage, ChatMessageToolCall, ChatMessageToolCallFunction, MessageRole, Model

    from hf_tools.smolagents import smolagents_tools

    class Scripted(Model):  # type: ignore[misc]
        def __init__(self, replies: list[ChatMessage]) -> None:
            super().__init__(model_id="scripted")
            self.replies = replies
            self.seen: list[str] = []

        def generate(self, messages: list[Any], stop_sequences: Any = None, **kwargs: Any) -> ChatMessage:
            self.seen.append(str(messages[-1].content if isinstance(messages[-1], ChatMessage) else messages[-1]))
            return self.replies.pop(0)

    def call(name: str, args: dict[str, Any]) -> ChatMessage:
        function = ChatMessageToolCallFunction(name=name, arguments=args)
        tool_call = ChatMessageToolCall(id=f"call_{name}", type="function", function=function)
        return ChatMessage(role=MessageRole.ASSISTANT, content="", tool_calls=[tool_call])

    kit = hf_tools.HFToolkit(["audio-to-audio", "tabular-regression"], **settings(server))
    plain = {t.name: t for t in smolagents_tools(kit)}  # the short text a model reads
    assert plain["audio_to_audio"](audio=base64.b64encode(MIX).decode()).startswith("2 audio tracks: speech: 0.25 s")
    assert plain["tabular_regression"](table=TABLE) == "row 1: 232.000; row 2: 205.000"
    tools = smolagents_tools(kit, structured=True)
    assert {t.name: t.output_type for t in tools} == {"audio_to_audio": "object", "tabular_regression": "object"}
    model = Scripted(
        [
            call("audio_to_audio", {"audio": base64.b64encode(MIX).decode()}),
            call("tabular_regression", {"table": TABLE}),
            call("final_answer", {"answer": "done"}),
        ]
    )
    agent = ToolCallingAgent(tools=tools, model=model, verbosity_level=-1)
    assert agent.run("Separate the recording, then weigh the fish.") == "done"
    assert [r.task for r in server.requests][2:] == ["audio-to-audio", "tabular-regression"]
    by_name = {t.name: t for t in tools}
    separated = by_name["audio_to_audio"](audio=base64.b64encode(MIX).decode())
    assert [t["label"] for t in separated["result"]] == ["speech", "noise"]
    assert by_name["tabular_regression"](table=TABLE) == {"result": [232.0, 205.0]}


# -- the command line ----------------------------------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("HF_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "hf_tools.cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


@pytest.mark.slow  # a fresh interpreter
def test_cli_runs_audio_to_audio_and_saves_the_tracks(server: LoopbackServer, tmp_path: Path) -> None:
    import json

    (tmp_path / "mix.wav").write_bytes(MIX)
    server.enqueue(SEPARATOR, Reply.ok(TRACKS))
    done = _cli("run", "audio-to-audio", "mix.wav", "--save", "out/", "--base-url", server.base_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert [t["label"] for t in printed] == ["speech", "noise"] and "data" not in printed[0]
    assert [(tmp_path / t["path"]).read_bytes() for t in printed] == [SPEECH, NOISE]
    assert _sent_audio(server) == MIX


def test_cli_tasks_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    from hf_tools.cli import main

    assert main(["tasks", "--offline"]) == 0
    listed = capsys.readouterr().out
    for name in ("audio-to-audio", "tabular-classification", "tabular-regression"):
        line = next(line for line in listed.splitlines() if line.startswith(name + " "))
        assert hf_tools.TASKS[name].default_model in line
