"""An answer that cites nothing lists no sources: passages it did not use do not back it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from langchain_core.language_models import FakeListChatModel

from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files
from hf_tools.chat_models import DEFAULT_CHAT_MODEL
from hf_tools.cli import main
from hf_tools.rag import RAGAnswer, rag_chain, rag_chatbot
from hf_tools.rag.vectorstores import HFChroma
from hf_tools.testing import LoopbackServer
from hf_tools.testing.chat import chat_reply
from hf_tools.testing.hash_embeddings import HashEmbeddings
from hf_tools.testing.tei import TEIServer

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"


@pytest.fixture(scope="module")
def store() -> HFChroma:
    db = chroma_store(HashEmbeddings(), collection=f"sources_{uuid.uuid4().hex[:8]}")
    ingest_files([CORPUS], db, chunk_size=300, chunk_overlap=30)
    return db


def test_an_answer_citing_nothing_has_no_sources(store: HFChroma) -> None:
    retriever = store.as_retriever(k=3)
    assert rag_chain(retriever, FakeListChatModel(responses=["I do not know."])).invoke("matcha").sources == []
    chunks = list(rag_chain(retriever, FakeListChatModel(responses=["I do not know."])).stream("matcha"))
    assert sum(chunks[1:], chunks[0]) == RAGAnswer(answer="I do not know.", sources=[])
    bot = rag_chatbot(retriever, FakeListChatModel(responses=["I do not know."]))
    assert bot.invoke("matcha", config={"configurable": {"session_id": "s"}}).sources == []
    cites_what_was_not_retrieved = FakeListChatModel(responses=["See [9]."])
    assert rag_chain(retriever, cites_what_was_not_retrieved).invoke("matcha").sources == []


async def test_an_answer_citing_nothing_has_no_sources_async(store: HFChroma) -> None:
    answer = await rag_chain(store.as_retriever(k=2), FakeListChatModel(responses=["No idea."])).ainvoke("matcha")
    assert answer.sources == []


def test_the_cli_says_no_source_was_cited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    with TEIServer() as tei, LoopbackServer() as chat:
        db = chroma_store(HFInferenceEmbeddings(model=tei.url), path=str(tmp_path), collection="hf_tools")
        ingest_files([CORPUS], db)
        chat.enqueue(DEFAULT_CHAT_MODEL, chat_reply("I do not know."))
        asked = ["ask", "What is matcha?", "--db", str(tmp_path), "--embed-base-url", tei.url]
        assert main([*asked, "--chat-base-url", chat.url]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["I do not know.", "", "Sources: none cited"]
