"""RAG chains over a real (embedded) Chroma store of the sample corpus, with scripted chat models."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import FakeListChatModel
from langchain_core.retrievers import BaseRetriever

from hf_tools import ChatHFInference, chroma_store, ingest_files, runnable
from hf_tools.rag import ChatMemory, document_qa_chain, rag_chain, rag_chatbot, retriever_tool
from hf_tools.rag.vectorstores import HFChroma
from hf_tools.testing import LoopbackServer
from hf_tools.testing.chat import chat_reply
from hf_tools.testing.hash_embeddings import HashEmbeddings

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> HFChroma:
    path = tmp_path_factory.mktemp("rag-db")
    db = chroma_store(HashEmbeddings(), path=str(path), collection=f"rag_{uuid.uuid4().hex[:8]}")
    ingest_files([CORPUS], db, chunk_size=300, chunk_overlap=30)
    return db


class Recording(BaseRetriever):
    inner: BaseRetriever
    queries: list[str] = []  # noqa: RUF012 - reset per test

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        self.queries.append(query)
        return self.inner.invoke(query)


def test_rag_chain_returns_only_the_cited_sources(store: HFChroma) -> None:
    llm = FakeListChatModel(responses=["Olympus Mons, on Mars [1]."])
    answer = rag_chain(store.as_retriever(k=3), llm).invoke({"question": "Olympus Mons tallest volcano"})
    assert answer.answer == "Olympus Mons, on Mars [1]."
    assert [s.number for s in answer.sources] == [1]
    assert answer.sources[0].source.endswith("volcanoes.txt") and "Olympus Mons" in answer.sources[0].text


async def test_rag_chain_async(store: HFChroma) -> None:
    llm = FakeListChatModel(responses=["No idea."])
    answer = await rag_chain(store.as_retriever(k=2), llm).ainvoke("matcha green tea powder")
    assert answer.sources == []  # nothing cited: no passage backs the answer


def test_chatbot_rewrites_follow_ups_and_keeps_sessions_apart(store: HFChroma) -> None:
    retriever = Recording(inner=store.as_retriever(k=2))
    retriever.queries = []
    rewritten = "How far away are the flowers the bees dance about?"
    llm = FakeListChatModel(responses=["Bees dance [1].", rewritten, "Far [1].", "Tea [1]."])
    memory = ChatMemory()
    bot = rag_chatbot(retriever, llm, memory=memory)
    first = {"configurable": {"session_id": "a"}}
    bot.invoke("How do bees tell where flowers are?", config=first)
    bot.invoke("How far?", config=first)
    bot.invoke("What is matcha?", config={"configurable": {"session_id": "b"}})
    assert retriever.queries == [
        "How do bees tell where flowers are?",
        "How far away are the flowers the bees dance about?",
        "What is matcha?",
    ]
    history = [m.content for m in memory.get("a")]
    assert history == ["How do bees tell where flowers are?", "Bees dance [1].", "How far?", "Far [1]."]
    assert len(memory.get("b")) == 2


def test_retriever_tool_content_and_artifact(store: HFChroma) -> None:
    tool = retriever_tool(store.as_retriever(k=2))
    message = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": {"query": "Fresnel lens"}})
    assert "lighthouses.html" in message.content
    assert all(isinstance(d, Document) for d in message.artifact) and len(message.artifact) == 2


def test_document_qa_offline_and_with_the_qa_task(store: HFChroma) -> None:
    best = document_qa_chain(store.as_retriever(k=3)).invoke("Olympus Mons on Mars tallest volcano")
    assert best is not None and "Olympus Mons" in best.answer and best.source.endswith("volcanoes.txt")
    assert best.context[best.start : best.end] == best.answer
    with LoopbackServer() as server:
        qa = runnable("question-answering", base_url=server.base_url)
        found: Any = document_qa_chain(store.as_retriever(k=3), qa=qa).invoke("Where is Olympus Mons?")
        assert len(server.requests) == 3  # one question-answering request per chunk
        assert found.context[found.start : found.end] == found.answer and 0 < found.score <= 1


def _streaming_chat(server: LoopbackServer) -> Any:
    server.enqueue("tiny-chat", chat_reply("Olympus Mons, on Mars [1]."))
    return ChatHFInference(model="tiny-chat", base_url=f"{server.url}/v1")


def test_rag_chain_streams_the_answer_tokens_then_the_sources(store: HFChroma) -> None:
    with LoopbackServer() as server:
        chain = rag_chain(store.as_retriever(k=3), _streaming_chat(server))
        chunks = list(chain.stream("Olympus Mons tallest volcano"))
        assert server.requests[-1].body["stream"] is True  # the chat model really streamed
    texts = [c.answer for c in chunks if c.answer]
    assert len(texts) > 2 and "".join(texts) == "Olympus Mons, on Mars [1]."
    assert all(not c.sources for c in chunks[:-1]) and [s.number for s in chunks[-1].sources] == [1]
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.answer == "Olympus Mons, on Mars [1]." and [s.number for s in total.sources] == [1]


async def test_rag_chain_astream_and_invoke_agree(store: HFChroma) -> None:
    with LoopbackServer() as server:
        chain = rag_chain(store.as_retriever(k=3), _streaming_chat(server))
        chunks = [c async for c in chain.astream("Olympus Mons tallest volcano")]
        server.enqueue("tiny-chat", chat_reply("Olympus Mons [1]."))
        whole = await chain.ainvoke("Olympus Mons tallest volcano")
    assert len([c for c in chunks if c.answer]) > 2
    assert whole.answer == "Olympus Mons [1]." and [s.number for s in whole.sources] == [1]
