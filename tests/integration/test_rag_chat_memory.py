"""``hf_tools.agents.rag_chat``: a LangGraph chat with memory over a retriever, with the real
``ChatHFInference`` against the loopback chat server: follow-ups are rewritten with the history,
``stream``/``astream``/``astream_events`` carry the answer's tokens only (never the rewrite's),
then the cited sources; a thread keeps its history across turns and threads stay apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("langgraph")

from hf_tools.agents import rag_chat
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from hf_tools import ChatHFInference
from hf_tools.testing import LoopbackServer
from hf_tools.testing.chat import chat_reply

MODEL = "tiny-chat"
REWRITE = "Where does Ada Lovelace live now?"


class Recording(BaseRetriever):
    queries: list[str]

    def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
        self.queries.append(query)
        return [
            Document("Ada lives in London.", metadata={"source": "people/ada.md"}),
            Document("Bob lives in Paris.", metadata={"source": "people/bob.md"}),
        ]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


def _chat(server: LoopbackServer) -> tuple[Any, Recording]:
    retriever = Recording(queries=[])
    llm = ChatHFInference(model=MODEL, base_url=f"{server.url}/v1", max_retries=0)
    return rag_chat(retriever, llm), retriever


def test_a_follow_up_is_rewritten_with_the_history_and_streams_only_the_answer(server: LoopbackServer) -> None:
    chat, retriever = _chat(server)
    thread = {"configurable": {"thread_id": "t1"}}
    server.enqueue(MODEL, chat_reply("Ada lives in London [1]."))
    first = chat.invoke({"question": "Where does Ada live?"}, thread)
    assert first["answer"] == "Ada lives in London [1]." and [s.source for s in first["sources"]] == ["people/ada.md"]

    server.enqueue(MODEL, chat_reply(REWRITE), chat_reply("Still in London [1], not in Paris."))
    parts = list(chat.stream({"question": "And now?"}, thread))
    tokens = [part["token"] for part in parts if "token" in part]
    assert len(tokens) > 3 and "".join(tokens) == "Still in London [1], not in Paris."
    assert REWRITE not in "".join(tokens)  # the rewrite step never streams
    assert list(parts[-1]) == ["sources"] and [s.number for s in parts[-1]["sources"]] == [1]
    assert retriever.queries == ["Where does Ada live?", REWRITE]  # retrieval saw the standalone question

    rewrite_request, answer_request = server.requests[-2:]
    assert rewrite_request.body.get("stream") in (None, False)
    history = [m["content"] for m in rewrite_request.body["messages"]]
    assert "Where does Ada live?" in history and "Ada lives in London [1]." in history
    assert answer_request.body["stream"] is True
    state = chat.get_state(thread).values
    assert [m.content for m in state["messages"]] == [
        "Where does Ada live?", "Ada lives in London [1].", "And now?", "Still in London [1], not in Paris.",
    ]  # fmt: skip


async def test_astream_and_astream_events_carry_the_answer_tokens_only(server: LoopbackServer) -> None:
    chat, _ = _chat(server)
    thread = {"configurable": {"thread_id": "t2"}}
    server.enqueue(MODEL, chat_reply("Ada is in London [1]."))
    parts = [part async for part in chat.astream({"question": "Where is Ada?"}, thread)]
    assert "".join(p.get("token", "") for p in parts) == "Ada is in London [1]." and "sources" in parts[-1]

    server.enqueue(MODEL, chat_reply(REWRITE), chat_reply("I do not know."))
    events = [event async for event in chat.astream_events({"question": "And Bob?"}, thread, version="v2")]
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    assert "".join(str(e["data"]["chunk"].content) for e in streamed) == "I do not know."
    assert len({e["run_id"] for e in streamed}) == 1  # one model run streamed: the answer
    ended = [e for e in events if e["event"] == "on_chain_end" and e["name"] == "rag_chat"]
    assert ended[-1]["data"]["output"]["sources"] == []  # an answer that cites nothing lists no source


def test_threads_keep_their_own_history(server: LoopbackServer) -> None:
    chat, retriever = _chat(server)
    chat.invoke({"question": "Where does Ada live?"}, {"configurable": {"thread_id": "a"}})
    chat.invoke({"question": "Where does Bob live?"}, {"configurable": {"thread_id": "b"}})
    assert retriever.queries == ["Where does Ada live?", "Where does Bob live?"]  # no rewrite: new threads
    assert len(server.requests) == 2
