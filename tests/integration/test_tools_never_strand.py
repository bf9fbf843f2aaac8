"""Tools never strand the model: every failure reaches it as a message it can act on.

Driven the way a new user would: ``langchain.agents.create_agent`` with a scripted chat model,
LangGraph's ``ToolNode`` in a graph of its own, and a direct ``tool.invoke(tool_call)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.retrievers import BaseRetriever
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from pydantic import Field

import hf_tools
from hf_tools.rag import retriever_tool
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.answers import png_bytes

SUMMARIZER = hf_tools.TASKS["summarization"].default_model
SECRET = "hf_never_strand_SECRET"


class ScriptedChatModel(GenericFakeChatModel):
    """Answers with the scripted messages in order and records what it was shown."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def call(name: str, args: dict[str, Any], call_id: str = "c1") -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def scripted(*messages: AIMessage) -> ScriptedChatModel:
    return ScriptedChatModel(messages=iter(messages))


def run_agent(
    tools: list[Any], *first_calls: dict[str, Any], then: tuple[dict[str, Any], ...] = ()
) -> tuple[list[ToolMessage], ScriptedChatModel]:
    """One create_agent run: the model makes ``first_calls``, then each of ``then`` in turn, then answers."""
    turns = [AIMessage("", tool_calls=list(first_calls)), *(AIMessage("", tool_calls=[c]) for c in then)]
    model = scripted(*turns, AIMessage("I could not do it."))
    state = create_agent(model, tools=tools).invoke({"messages": [HumanMessage("go")]})
    assert state["messages"][-1].content == "I could not do it."  # the run went on to the end
    return [m for m in state["messages"] if isinstance(m, ToolMessage)], model


def run_tool_node(tools: list[Any], tool_call: dict[str, Any]) -> ToolMessage:
    """LangGraph's ToolNode with its default error handling, in a graph of its own."""
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "tools")
    state = graph.compile().invoke({"messages": [AIMessage("", tool_calls=[tool_call])]})
    (message,) = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    return message


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def fast(server: LoopbackServer, **extra: Any) -> dict[str, Any]:
    return {"base_url": server.base_url, "backoff_base": 0.001, "backoff_max": 0.002, "max_retries": 1, **extra}


# -- validation errors: the field and the reason, on every path ------------------------------

TRANSLATION_ONLY_TARGET = call("translation", {"text": "Good morning", "tgt_lang": "de"})
EXPECTED_TRANSLATION = "tgt_lang: give both src_lang and tgt_lang, or neither"


def test_a_model_level_rule_names_its_field_through_create_agent(server: LoopbackServer) -> None:
    translate = hf_tools.tool("translation", **fast(server))
    (message,), model = run_agent([translate], TRANSLATION_ONLY_TARGET)
    assert message.status == "error" and EXPECTED_TRANSLATION in message.content
    assert message in model.seen[1]
    assert server.requests == []


def test_a_model_level_rule_names_its_field_through_tool_node(server: LoopbackServer) -> None:
    message = run_tool_node([hf_tools.tool("translation", **fast(server))], TRANSLATION_ONLY_TARGET)
    assert message.status == "error" and EXPECTED_TRANSLATION in message.content


def test_a_schema_error_from_a_direct_tool_call_is_a_message_not_an_exception(server: LoopbackServer) -> None:
    translate = hf_tools.tool("translation", **fast(server))
    message = translate.invoke(call("translation", {"txt": "Good morning"}))
    assert isinstance(message, ToolMessage) and message.status == "error"
    assert "text: Field required" in message.content and "txt: Extra inputs are not permitted" in message.content


@pytest.mark.parametrize("runner", ["create_agent", "tool_node"])
def test_wrong_types_and_ranges_name_each_field(server: LoopbackServer, runner: str) -> None:
    classify = hf_tools.tool("zero-shot-classification", **fast(server))
    bad = call("zero_shot_classification", {"text": 3, "candidate_labels": [], "multi_label": "maybe"})
    message = run_agent([classify], bad)[0][0] if runner == "create_agent" else run_tool_node([classify], bad)
    assert message.status == "error"
    for field in ("text:", "candidate_labels:", "multi_label:"):
        assert field in message.content
    assert server.requests == []


def test_model_choice_tools_name_the_field_too(server: LoopbackServer) -> None:
    (_, summarize) = hf_tools.model_tools(["summarization"], **fast(server))
    message = summarize.invoke(call(summarize.name, {"model": "http://evil/x", "text": "A. B."}))
    assert message.status == "error" and message.content.startswith("Invalid arguments: model:")


# -- provider failures that outlive the retries ------------------------------------------------

FAILURES = [
    (Reply.error(500, "CUDA out of memory"), "HTTP 500, server error: CUDA out of memory", True),
    (Reply.error(503, "loading", estimated_time=0.001), "HTTP 503, the model is still loading", True),
    (Reply.error(429, "slow down", retry_after=0.001), "HTTP 429, rate limited", True),
    (Reply.dropped(), "the server could not be reached", True),
    (Reply.error(401, "bad token"), "HTTP 401, the token was refused", False),
    (Reply.error(400, "text too long"), "HTTP 400, the server rejected the request: text too long", False),
]


@pytest.mark.parametrize(("reply", "what", "may_help"), FAILURES, ids=[f[1].split(",")[0] for f in FAILURES])
def test_a_failure_after_retries_reaches_the_model_in_one_line(
    server: LoopbackServer, reply: Reply, what: str, may_help: bool
) -> None:
    server.enqueue(SUMMARIZER, *([reply, reply] if may_help else [reply]))  # the attempt (and the one retry)
    summarize = hf_tools.tool("summarization", token=SECRET, **fast(server))
    (failed, retried), model = run_agent(
        [summarize],
        call("summarization", {"text": "A. B."}, "c1"),
        then=(call("summarization", {"text": "A. B."}, "c2"),),
    )
    content = str(failed.content)
    assert failed.status == "error" and "\n" not in content
    assert content.startswith(f"Error: summarization with model '{SUMMARIZER}' failed: {what}")
    assert ("Retrying later may help" in content) is may_help
    assert SECRET not in content
    assert retried.status == "success"  # the run went on, and the next call worked
    assert failed in model.seen[1]


def test_a_timeout_after_retries_reaches_the_model(server: LoopbackServer) -> None:
    server.enqueue(SUMMARIZER, Reply.slow(1), Reply.slow(1))
    summarize = hf_tools.tool("summarization", **fast(server, timeout=0.1))
    message = run_tool_node([summarize], call("summarization", {"text": "A. B."}))
    assert message.status == "error" and "the request timed out. Retrying later may help" in message.content


async def test_the_async_path_reports_failures_the_same_way(server: LoopbackServer) -> None:
    server.enqueue(SUMMARIZER, Reply.error(500, "boom"), Reply.error(500, "boom"))
    summarize = hf_tools.tool("summarization", **fast(server))
    message = await summarize.ainvoke(call("summarization", {"text": "A. B."}))
    assert message.status == "error" and "HTTP 500, server error: boom" in message.content


def test_programs_can_ask_for_the_typed_exception(server: LoopbackServer) -> None:
    server.enqueue(SUMMARIZER, Reply.error(500, "boom"), Reply.error(500, "boom"))
    (summarize,) = hf_tools.HFToolkit(["summarization"], handle_provider_errors=False, **fast(server)).get_tools()
    model = scripted(AIMessage("", tool_calls=[call("summarization", {"text": "A. B."})]))
    with pytest.raises(hf_tools.errors.HFServerError, match="boom"):
        create_agent(model, tools=[summarize]).invoke({"messages": [HumanMessage("go")]})


def test_an_endpoint_url_is_not_shown_to_the_model(server: LoopbackServer) -> None:
    url = server.model_url(SUMMARIZER)
    server.enqueue(SUMMARIZER, Reply.error(500, "boom"), Reply.error(500, "boom"))
    summarize = hf_tools.tool("summarization", model=url, backoff_base=0.001, backoff_max=0.002, max_retries=1)
    message = summarize.invoke(call("summarization", {"text": "A. B."}))
    assert "the configured endpoint failed" in message.content and "127.0.0.1" not in message.content


# -- paths: relative to their folder, never the machine's layout ------------------------------


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "cat.png").write_bytes(png_bytes(8, 8))
    (folder / "notes.png").write_text("not an image")
    return folder


def test_media_refusals_show_paths_relative_to_the_media_folder(server: LoopbackServer, media_dir: Path) -> None:
    classify = hf_tools.tool("image-classification", media_dirs=(str(media_dir),), **fast(server))
    missing = str(media_dir / "photos" / "dog.png")
    outside = str(media_dir.parent / "secret" / "keys.png")
    messages, _ = run_agent(
        [classify],
        call("image_classification", {"image": missing}, "c1"),
        call("image_classification", {"image": outside}, "c2"),
        call("image_classification", {"image": str(media_dir / "notes.png")}, "c3"),
    )
    contents = [str(m.content) for m in messages]
    assert all(m.status == "error" for m in messages)
    assert "'media/photos/dog.png'" in contents[0]
    assert "'…/keys.png'" in contents[1] and "outside the allowed media folders" in contents[1]
    assert "not an image file" in contents[2]
    for content in contents:
        assert str(media_dir.parent) not in content
    assert server.requests == []
    ok = classify.invoke(call("image_classification", {"image": str(media_dir / "photos" / "cat.png")}))
    assert ok.status == "success"


def test_saved_media_is_shown_relative_to_its_folder(server: LoopbackServer, tmp_path: Path) -> None:
    out = tmp_path / "generated"
    draw = hf_tools.tool("text-to-image", media_output_dir=str(out), **fast(server))
    message = draw.invoke(call("text_to_image", {"prompt": "a cat"}))
    assert message.status == "success" and "saved to generated/image-" in message.content
    assert str(tmp_path) not in message.content
    assert message.artifact.path.startswith(str(out))  # the program keeps the full path


class Corpus(BaseRetriever):
    root: Path

    def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
        return [
            Document("Ada lives in London.", metadata={"source": str(self.root / "people" / "ada.md")}),
            Document("Page two.", metadata={"source": str(self.root / "report.pdf"), "page": 2}),
            Document("Elsewhere.", metadata={"source": "/var/lib/other/x.txt"}),
            Document("From the web.", metadata={"source": "https://example.org/a/b.html"}),
        ]


def test_retriever_tool_shows_sources_relative_to_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    search = retriever_tool(Corpus(root=corpus), roots=[corpus])
    (message,), _ = run_agent([search], call("search_documents", {"query": "Ada"}))
    content = str(message.content)
    assert "[corpus/people/ada.md] Ada lives in London." in content
    assert "[corpus/report.pdf, page 2] Page two." in content
    assert "[…/x.txt] Elsewhere." in content and "[https://example.org/a/b.html] From the web." in content
    assert str(tmp_path) not in content and "/var/lib" not in content
    assert message.artifact[0].metadata["source"] == str(corpus / "people" / "ada.md")


def test_paths_a_task_writes_are_left_alone(server: LoopbackServer) -> None:
    server.enqueue(hf_tools.TASKS["text-generation"].default_model, Reply.ok([{"generated_text": "see /etc/hosts"}]))
    generate = hf_tools.tool("text-generation", **fast(server))
    assert generate.invoke(call("text_generation", {"prompt": "Where?"})).content == "see /etc/hosts"
