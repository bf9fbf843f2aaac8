"""The find-model agent tool and the task tools that take a chosen model."""

from __future__ import annotations

from langchain_core.messages import ToolMessage

import hf_tools
from hf_tools.hub.tools import FindModelTool, HFModelChoiceTool
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer
from hf_tools.testing.hub_server import HubModel, HubProvider, LoopbackHub


def _call(tool: object, args: dict[str, object]) -> ToolMessage:
    msg = tool.invoke({"type": "tool_call", "id": "c1", "name": tool.name, "args": args})  # type: ignore[attr-defined]
    assert isinstance(msg, ToolMessage)
    return msg


def test_find_model_lists_only_models_served_for_the_task(hub: LoopbackHub) -> None:
    finder = FindModelTool(settings=HFSettings(hub_endpoint=hub.endpoint))
    msg = _call(finder, {"task": "text-generation"})
    assert [m.id for m in msg.artifact] == ["Qwen/Qwen2.5-7B-Instruct"]  # Llama is chat-only
    assert msg.content == (
        "Qwen/Qwen2.5-7B-Instruct [text-generation] license apache-2.0; 2,000,000 downloads;"
        " providers: featherless-ai (live)"
    )


def test_find_model_marks_gated_models_and_reports_nothing_found(hub: LoopbackHub) -> None:
    hub.add(
        HubModel(
            "org/gated-summarizer",
            "summarization",
            downloads=10,
            gated="auto",
            providers=(HubProvider("hf-inference", "summarization"),),
        )
    )
    finder = FindModelTool(settings=HFSettings(hub_endpoint=hub.endpoint))
    lines = _call(finder, {"task": "summarization"}).content.splitlines()
    assert lines[-1].startswith("org/gated-summarizer [summarization] gated: request access on the Hub first;")
    assert "gated" not in lines[0]
    msg = _call(finder, {"task": "summarization", "search": "zzz"})
    assert msg.content == "No model matching 'zzz' is served for task 'summarization'." and msg.artifact == []


def test_find_model_validates_arguments(hub: LoopbackHub) -> None:
    finder = FindModelTool(settings=HFSettings(hub_endpoint=hub.endpoint))
    answer = finder.invoke({"task": "summarization", "limit": 500})
    assert answer.startswith("Invalid arguments: limit: Input should be less than or equal to 20")
    assert hub.count() == 0


async def test_find_model_async_and_hub_failure_is_a_message(hub: LoopbackHub) -> None:
    finder = FindModelTool(settings=HFSettings(hub_endpoint=hub.endpoint, hub_timeout=0.5))
    msg = await finder.ainvoke({"type": "tool_call", "id": "c", "name": finder.name, "args": {"task": "summarization"}})
    assert msg.artifact[0].id == "facebook/bart-large-cnn"
    hub.down(500)
    failed = _call(finder, {"task": "summarization"})
    assert failed.status == "error" and "the Hub could not be searched" in failed.content


def test_choice_tool_runs_the_chosen_model() -> None:
    with LoopbackServer() as server:
        summarize = HFModelChoiceTool.for_task("summarization", settings=HFSettings(base_url=server.base_url))
        msg = _call(summarize, {"model": "facebook/bart-large-cnn", "text": "Cats sleep a lot. They also eat."})
        assert msg.artifact.summary_text == msg.content
        assert server.requests[-1].path.startswith("/models/facebook/bart-large-cnn")
    schema = summarize.tool_call_schema.model_json_schema()
    assert set(schema["required"]) == {"text", "model"}


def test_choice_tool_turns_a_wrong_model_into_a_message(hub: LoopbackHub) -> None:
    settings = HFSettings(token="hf_tool_secret_000", hub_endpoint=hub.endpoint)
    summarize = HFModelChoiceTool.for_task("summarization", settings=settings)
    msg = _call(summarize, {"model": "meta-llama/Llama-3.1-8B-Instruct", "text": "Hi"})
    assert msg.status == "error"
    assert "conversational" in msg.content and "hf_tool_secret_000" not in msg.content


def test_model_tools_and_public_names() -> None:
    tools = hf_tools.model_tools(["summarization"], hub_endpoint="http://127.0.0.1:9")
    assert [t.name for t in tools] == ["find_model", "summarization_with_model"]
    assert all(t.settings.hub_endpoint == "http://127.0.0.1:9" for t in tools)  # type: ignore[attr-defined]
    for name in ("find_models", "model_card", "ModelSummary", "ModelCard", "model_tools"):
        assert name in hf_tools.__all__ and getattr(hf_tools, name) is not None
