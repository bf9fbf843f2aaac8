"""Real agent loops: a scripted chat model, the real hf_tools tools, the loopback server behind them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hf_tools.agents import create_hf_agent, create_multimodal_assistant, create_task_router_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from pydantic import Field

from hf_tools import TASKS, HFToolkit
from hf_tools.media import ImageArtifact
from hf_tools.testing import LoopbackServer, Reply

SUMMARIZER = TASKS["summarization"].default_model
TEXT = "The phone is great. The battery lasts two days. The screen is bright."


class ScriptedChatModel(GenericFakeChatModel):
    """Answers with the scripted messages in order and records what it was shown."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def script(*messages: AIMessage) -> Iterator[AIMessage]:
    return iter(messages)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def tool_messages(state: dict[str, Any]) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def test_agent_classifies_summarizes_and_translates(server: LoopbackServer) -> None:
    model = ScriptedChatModel(
        messages=script(
            AIMessage(
                "",
                tool_calls=[
                    call("text_classification", {"text": TEXT}, "c1"),
                    call("summarization", {"text": TEXT}, "c2"),
                    call("translation", {"text": "The phone is great.", "src_lang": "en", "tgt_lang": "fr"}, "c3"),
                ],
            ),
            AIMessage("Positive; summary and French translation done."),
        )
    )
    agent = create_hf_agent(
        model, tasks=["text-classification", "summarization", "translation"], base_url=server.base_url
    )
    state = agent.invoke({"messages": [HumanMessage("Classify, summarize and translate: " + TEXT)]})

    results = {m.tool_call_id: m for m in tool_messages(state)}
    assert set(results) == {"c1", "c2", "c3"}
    assert results["c1"].artifact[0].label == "POSITIVE"
    assert results["c2"].artifact.summary_text == results["c2"].content
    assert results["c3"].artifact.translation_text
    assert all(m.status == "success" for m in results.values())
    assert state["messages"][-1].content == "Positive; summary and French translation done."
    # The tools really went over the wire with the validated arguments.
    bodies = {r.task: r.body for r in server.requests}
    assert bodies["summarization"]["inputs"] == TEXT
    assert bodies["translation"]["parameters"]["tgt_lang"] == "fr"
    # The model saw the tools' short text on its second call.
    assert [m.content for m in model.seen[1] if isinstance(m, ToolMessage)] == [
        results["c1"].content,
        results["c2"].content,
        results["c3"].content,
    ]


def test_invalid_tool_args_become_an_error_message_without_a_request(server: LoopbackServer) -> None:
    model = ScriptedChatModel(
        messages=script(
            AIMessage("", tool_calls=[call("summarization", {"txt": TEXT}, "bad")]),
            AIMessage("", tool_calls=[call("summarization", {"text": TEXT}, "good")]),
            AIMessage("Done."),
        )
    )
    agent = create_hf_agent(model, tasks=["summarization"], base_url=server.base_url)
    state = agent.invoke({"messages": [HumanMessage("Summarize")]})
    bad, good = tool_messages(state)
    assert bad.status == "error" and "text" in str(bad.content)
    assert good.status == "success"
    assert [r.task for r in server.requests] == ["summarization"]


def test_hf_error_in_a_tool_becomes_a_tool_message_the_model_recovers_from(server: LoopbackServer) -> None:
    server.enqueue(SUMMARIZER, Reply.error(404, "Model facebook/bart-large-cnn does not exist"))
    model = ScriptedChatModel(
        messages=script(
            AIMessage("", tool_calls=[call("summarization", {"text": TEXT}, "c1")]),
            AIMessage("", tool_calls=[call("summarization", {"text": TEXT}, "c2")]),
            AIMessage("Here is the summary."),
        )
    )
    agent = create_hf_agent(model, tasks=["summarization"], base_url=server.base_url, token="hf_agent_SECRET")
    state = agent.invoke({"messages": [HumanMessage("Summarize")]})
    failed, retried = tool_messages(state)
    assert failed.status == "error"
    assert str(failed.content).startswith("Error: summarization with model 'facebook/bart-large-cnn' failed: HTTP 404")
    assert "hf_agent_SECRET" not in str(failed.content)
    assert retried.status == "success" and retried.artifact.summary_text
    assert state["messages"][-1].content == "Here is the summary."
    # The model was shown the error before it retried.
    assert any(isinstance(m, ToolMessage) and m.status == "error" for m in model.seen[1])


def test_non_hf_errors_still_propagate(server: LoopbackServer) -> None:
    from langchain_core.tools import tool

    @tool
    def broken(text: str) -> str:
        """Always fails."""
        raise RuntimeError("bug in user code")

    model = ScriptedChatModel(messages=script(AIMessage("", tool_calls=[call("broken", {"text": "x"}, "c1")])))
    agent = create_hf_agent(model, tools=[broken])
    with pytest.raises(RuntimeError, match="bug in user code"):
        agent.invoke({"messages": [HumanMessage("go")]})


def test_max_steps_stops_a_loop(server: LoopbackServer) -> None:
    loop = (
        AIMessage("", id=f"ai-{i}", tool_calls=[call("summarization", {"text": TEXT}, f"again-{i}")])
        for i in itertools.count()
    )
    model = ScriptedChatModel(messages=loop)
    agent = create_hf_agent(model, tasks=["summarization"], base_url=server.base_url, max_steps=3)
    state = agent.invoke({"messages": [HumanMessage("Summarize forever")]})
    assert len(model.seen) == 3
    assert len(tool_messages(state)) == 3
    assert len(server.requests) == 3
    assert "limit" in str(state["messages"][-1].content).lower()


def test_image_artifacts_are_kept_in_state_and_offered_to_the_model(server: LoopbackServer) -> None:
    model = ScriptedChatModel(
        messages=script(
            AIMessage("", tool_calls=[call("text_to_image", {"prompt": "a red cat"}, "img1")]),
            AIMessage("I drew a red cat."),
        )
    )
    agent = create_multimodal_assistant(model, tasks=["text-to-image"], base_url=server.base_url)
    state = agent.invoke({"messages": [HumanMessage("Draw a red cat")]})

    [result] = tool_messages(state)
    assert isinstance(result.artifact, ImageArtifact)
    [item] = state["media"]
    assert (item["tool"], item["tool_call_id"], item["kind"]) == ("text_to_image", "img1", "image")
    assert item["base64"] == result.artifact.base64()
    shown = model.seen[1][-1]
    assert isinstance(shown, HumanMessage)
    images = [b for b in shown.content if isinstance(b, dict) and b.get("type") == "image"]
    assert images == [{"type": "image", "base64": result.artifact.base64(), "mime_type": "image/png"}]
    # Shown to the model only: the conversation itself is unchanged.
    assert [m.type for m in state["messages"]] == ["human", "ai", "tool", "ai"]


def test_images_not_offered_to_a_model_without_image_inputs(server: LoopbackServer) -> None:
    model = ScriptedChatModel(
        messages=script(
            AIMessage("", tool_calls=[call("text_to_image", {"prompt": "a cat"}, "img1")]),
            AIMessage("Done."),
        )
    )
    agent = create_hf_agent(model, tasks=["text-to-image"], base_url=server.base_url)
    state = agent.invoke({"messages": [HumanMessage("Draw")]})
    assert len(state["media"]) == 1
    assert isinstance(model.seen[1][-1], ToolMessage)


def test_router_agent_offers_the_routing_tools_and_prompt(server: LoopbackServer) -> None:
    model = ScriptedChatModel(
        messages=script(
            AIMessage("", tool_calls=[call("translation", {"text": "Hello", "src_lang": "en", "tgt_lang": "fr"}, "t")]),
            AIMessage("Bonjour"),
        )
    )
    agent = create_task_router_agent(model, base_url=server.base_url)
    state = agent.invoke({"messages": [HumanMessage("Translate 'Hello' to French")]})
    assert tool_messages(state)[0].status == "success"
    system = model.seen[0][0]
    assert system.type == "system" and "summarization" in str(system.content)
    tools = agent.get_graph().nodes["tools"].data.tools_by_name
    assert {"text_classification", "summarization", "translation", "object_detection"} <= set(tools)


def test_checkpointer_keeps_memory_across_turns(server: LoopbackServer) -> None:
    model = ScriptedChatModel(messages=script(AIMessage("Hi Ada."), AIMessage("Your name is Ada.")))
    agent = create_hf_agent(model, tools=[], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t1"}}
    agent.invoke({"messages": [HumanMessage("I am Ada.")]}, config)
    state = agent.invoke({"messages": [HumanMessage("Who am I?")]}, config)
    assert [m.content for m in state["messages"]] == ["I am Ada.", "Hi Ada.", "Who am I?", "Your name is Ada."]
    assert [m.content for m in model.seen[1]] == ["I am Ada.", "Hi Ada.", "Who am I?"]


async def test_agent_runs_async_with_native_async_tools(server: LoopbackServer) -> None:
    model = ScriptedChatModel(
        messages=script(
            AIMessage("", tool_calls=[call("summarization", {"text": TEXT}, "a1")]),
            AIMessage("Summarized."),
        )
    )
    agent = create_hf_agent(model, tasks=["summarization"], base_url=server.base_url)
    state = await agent.ainvoke({"messages": [HumanMessage("Summarize")]})
    assert tool_messages(state)[0].artifact.summary_text
    assert state["messages"][-1].content == "Summarized."


def test_unknown_agent_arguments_are_rejected() -> None:
    from hf_tools.errors import HFInputError

    with pytest.raises(HFInputError):
        create_hf_agent(ScriptedChatModel(messages=script()), tools=[], temprature=0.1)


def test_the_default_model_gets_only_the_settings_a_chat_model_takes(server: LoopbackServer) -> None:
    agent = create_hf_agent(
        tasks=["summarization"], base_url=server.base_url, token="hf_x", media_max_bytes=10_000, max_steps=3
    )
    state = agent.invoke({"messages": [HumanMessage("Hello")]})
    assert state["messages"][-1].content == "You said: Hello"


# -- the same tools in a plain LangGraph ToolNode ---------------------------------------------
def tool_graph(server: LoopbackServer, tasks: list[str]) -> Any:
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode(HFToolkit(tasks=tasks, base_url=server.base_url).get_tools()))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    return graph.compile()


def test_tools_work_in_a_langgraph_tool_node(server: LoopbackServer) -> None:
    app = tool_graph(server, ["text-classification", "summarization"])
    ask = AIMessage(
        "",
        tool_calls=[
            call("text_classification", {"text": "I hate it"}, "k1"),
            call("summarization", {"text": TEXT}, "k2"),
        ],
    )
    out = app.invoke({"messages": [ask]})
    classified, summarized = out["messages"][1:]
    assert classified.tool_call_id == "k1" and classified.artifact[0].label == "NEGATIVE"
    assert summarized.tool_call_id == "k2" and summarized.content == summarized.artifact.summary_text


async def test_tool_node_async_and_validation(server: LoopbackServer) -> None:
    node = tool_graph(server, ["summarization"])
    ok = await node.ainvoke({"messages": [AIMessage("", tool_calls=[call("summarization", {"text": TEXT}, "s1")])]})
    assert ok["messages"][1].artifact.summary_text
    bad = await node.ainvoke({"messages": [AIMessage("", tool_calls=[call("summarization", {}, "s2")])]})
    assert bad["messages"][1].status == "error"
    assert len(server.requests) == 1
