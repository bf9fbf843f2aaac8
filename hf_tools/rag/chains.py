"""Retrieval QA over a retriever: answers with cited sources, a chatbot with memory, and
document QA with no LLM at all.

* :func:`rag_chain` — retriever → numbered context → prompt → any chat model
  (``ChatHFInference`` or another) → :class:`RAGAnswer` with the sources it cited.
* :func:`rag_chatbot` — the same with conversation memory per ``session_id``; follow-up
  questions are first rewritten into standalone ones using the history.
* :func:`document_qa_chain` — extractive QA: the question-answering task over the top chunks
  (or, offline, the sentence of the top chunks closest to the question by embedding), returning
  the best span with its score and source.

Example:
    >>> from langchain_core.documents import Document
    >>> from hf_tools.rag import format_docs
    >>> print(format_docs([Document("Cats purr.", metadata={"source": "/docs/cats.md", "page": 2})]))
    [1] cats.md (page 2)
    Cats purr.

"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator, RunnableLambda
from langchain_core.vectorstores import VectorStoreRetriever
from pydantic import BaseModel, Field

__all__ = [
    "ChatMemory",
    "ExtractiveAnswer",
    "RAGAnswer",
    "Source",
    "document_qa_chain",
    "format_docs",
    "qa_task_answerer",
    "rag_chain",
    "rag_chatbot",
    "sentence_answerer",
]

ANSWER_SYSTEM = (
    "Answer the question using only the numbered context passages below. Cite every passage you use "
    "as [n]. If the context does not contain the answer, say that you do not know.\n\nContext:\n{context}"
)
CONDENSE_SYSTEM = (
    "Rewrite the user's last question as a standalone question that can be understood without the "
    "conversation. Return only the question."
)


class Source(BaseModel):
    """A retrieved passage behind an answer."""

    number: int = Field(description="The [n] the answer cites it by.")
    source: str = Field(description="File path or URL of the document.")
    page: int | None = Field(default=None, description="PDF page, if any.")
    text: str = Field(description="The passage.")


class RAGAnswer(BaseModel):
    """A generated answer and the passages it cites.

    ``sources`` holds only the retrieved passages the answer cites as ``[n]``: an answer that
    cites nothing (``"I do not know."``) has no sources, since passages it did not use do not
    back it. A citation of a number that was not retrieved is ignored.

    Chunks add up, as LangChain stream chunks do: ``.stream()`` on :func:`rag_chain` yields one
    ``RAGAnswer`` per answer token (no sources), then one with the cited sources (no text), and
    their sum is what ``.invoke()`` returns.

    Example:
        >>> (RAGAnswer(answer="In ", sources=[]) + RAGAnswer(answer="London.", sources=[])).answer
        'In London.'

    """

    answer: str
    sources: list[Source]

    def __add__(self, other: RAGAnswer) -> RAGAnswer:
        return RAGAnswer(answer=self.answer + other.answer, sources=[*self.sources, *other.sources])


class ExtractiveAnswer(BaseModel):
    """A span taken verbatim from a retrieved chunk."""

    answer: str = Field(description="The span.")
    score: float = Field(description="The answerer's confidence (QA score or cosine similarity).")
    source: str = Field(description="File path or URL of the chunk's document.")
    page: int | None = None
    start: int = Field(description="Offset of the span in the chunk.")
    end: int
    context: str = Field(description="The whole chunk.")


def _label(doc: Document) -> str:
    source = str(doc.metadata.get("source", "unknown"))
    name = Path(source).name if "://" not in source else source
    page = doc.metadata.get("page")
    return f"{name} (page {page})" if page is not None else name


def format_docs(docs: Sequence[Document]) -> str:
    """Numbered passages, ``[n] file (page p)`` then the text, for a prompt."""
    return "\n\n".join(f"[{n}] {_label(doc)}\n{doc.page_content}" for n, doc in enumerate(docs, 1))


def _sources(docs: Sequence[Document], answer: str) -> list[Source]:
    """The passages ``answer`` cites as ``[n]``, in retrieval order; none when it cites none."""
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    return [
        Source(
            number=n,
            source=str(d.metadata.get("source", "unknown")),
            page=d.metadata.get("page"),
            text=d.page_content,
        )
        for n, d in enumerate(docs, 1)
        if n in cited
    ]


def _answer_prompt(with_history: bool) -> ChatPromptTemplate:
    messages: list[Any] = [("system", ANSWER_SYSTEM)]
    if with_history:
        messages.append(MessagesPlaceholder("history"))
    messages.append(("human", "{question}"))
    return ChatPromptTemplate.from_messages(messages)


def _question(value: Any) -> str:
    return str(value["question"] if isinstance(value, dict) else value)


def rag_chain(retriever: BaseRetriever, llm: BaseChatModel) -> Runnable[Any, RAGAnswer]:
    """Question (a string or ``{"question": ...}``) → :class:`RAGAnswer` with cited sources.

    ``.stream()``/``.astream()`` yield the answer's tokens as they come (each a ``RAGAnswer``
    with no sources), then the cited sources; the chunks add up to the ``invoke`` result. Only
    passages the answer cites as ``[n]`` are sources: an answer citing nothing has none.

    Example:
        >>> from langchain_core.language_models import FakeListChatModel
        >>> from langchain_core.retrievers import BaseRetriever
        >>> class Fixed(BaseRetriever):
        ...     def _get_relevant_documents(self, query, *, run_manager):
        ...         return [Document("Ada lives in London.", metadata={"source": "ada.txt"})]
        >>> chain = rag_chain(Fixed(), FakeListChatModel(responses=["In London [1]."]))
        >>> out = chain.invoke("Where does Ada live?")
        >>> out.answer, [s.source for s in out.sources]
        ('In London [1].', ['ada.txt'])
        >>> chunks = list(rag_chain(Fixed(), FakeListChatModel(responses=["In London [1]."])).stream("Where?"))
        >>> [c.answer for c in chunks][:3], chunks[-1].sources[0].source
        (['I', 'n', ' '], 'ada.txt')

    """
    generate = _answer_prompt(False) | llm | StrOutputParser()

    def prepare(value: Any) -> dict[str, Any]:
        question = _question(value)
        return {"question": question, "docs": retriever.invoke(question)}

    async def aprepare(value: Any) -> dict[str, Any]:
        question = _question(value)
        return {"question": question, "docs": await retriever.ainvoke(question)}

    def answer(states: Iterator[dict[str, Any]]) -> Iterator[RAGAnswer]:
        for state in states:
            text = ""
            for token in generate.stream({"question": state["question"], "context": format_docs(state["docs"])}):
                text += token
                yield RAGAnswer(answer=token, sources=[])
            yield RAGAnswer(answer="", sources=_sources(state["docs"], text))

    async def aanswer(states: AsyncIterator[dict[str, Any]]) -> AsyncIterator[RAGAnswer]:
        async for state in states:
            text = ""
            async for token in generate.astream({"question": state["question"], "context": format_docs(state["docs"])}):
                text += token
                yield RAGAnswer(answer=token, sources=[])
            yield RAGAnswer(answer="", sources=_sources(state["docs"], text))

    chain = RunnableLambda(prepare, afunc=aprepare, name="retrieve") | RunnableGenerator(
        answer, aanswer, name="answer_with_sources"
    )
    return chain.with_config(run_name="rag_chain")


class ChatMemory:
    """Conversation history per session: a list of messages, the last ``max_turns`` turns kept.

    Example:
        >>> memory = ChatMemory(max_turns=1)
        >>> memory.add("s", "q1", "a1"); memory.add("s", "q2", "a2")
        >>> [m.content for m in memory.get("s")]
        ['q2', 'a2']

    """

    def __init__(self, max_turns: int = 20) -> None:
        self.max_turns = max_turns
        self._sessions: dict[str, list[BaseMessage]] = {}
        self._lock = threading.Lock()

    def get(self, session_id: str) -> list[BaseMessage]:
        """A copy of the session's messages."""
        with self._lock:
            return list(self._sessions.get(session_id, []))

    def add(self, session_id: str, question: str, answer: str) -> None:
        """Record one turn."""
        with self._lock:
            messages = self._sessions.setdefault(session_id, [])
            messages += [HumanMessage(question), AIMessage(answer)]
            del messages[: max(0, len(messages) - 2 * self.max_turns)]

    def clear(self, session_id: str) -> None:
        """Forget a session."""
        with self._lock:
            self._sessions.pop(session_id, None)


def rag_chatbot(
    retriever: BaseRetriever,
    llm: BaseChatModel,
    *,
    memory: ChatMemory | None = None,
) -> Runnable[Any, RAGAnswer]:
    """A conversational RAG chain with memory: ``invoke(question, config={"configurable":
    {"session_id": s}})`` → :class:`RAGAnswer`. Follow-ups are first rewritten into standalone
    questions (with the chat model) so retrieval sees what "it" refers to.

    Args:
        retriever: where passages come from.
        llm: the chat model.
        memory: the history store (a new in-memory one by default).

    Example:
        >>> from langchain_core.language_models import FakeListChatModel
        >>> from langchain_core.retrievers import BaseRetriever
        >>> class Fixed(BaseRetriever):
        ...     def _get_relevant_documents(self, query, *, run_manager):
        ...         return [Document("Ada lives in London.", metadata={"source": "ada.txt"})]
        >>> llm = FakeListChatModel(responses=["London [1].", "Where is Ada now?", "Still London [1]."])
        >>> bot = rag_chatbot(Fixed(), llm)
        >>> cfg = {"configurable": {"session_id": "s1"}}
        >>> bot.invoke("Where does Ada live?", config=cfg).answer
        'London [1].'
        >>> bot.invoke("And now?", config=cfg).answer
        'Still London [1].'

    """
    store = memory if memory is not None else ChatMemory()
    condense = (
        ChatPromptTemplate.from_messages(
            [("system", CONDENSE_SYSTEM), MessagesPlaceholder("history"), ("human", "{question}")]
        )
        | llm
        | StrOutputParser()
    )
    generate = _answer_prompt(True) | llm | StrOutputParser()

    def session(config: RunnableConfig) -> str:
        return str((config.get("configurable") or {}).get("session_id", "default"))

    def turn(value: Any, config: RunnableConfig) -> RAGAnswer:
        sid = session(config)
        history = store.get(sid)
        question = _question(value)
        standalone = condense.invoke({"history": history, "question": question}).strip() if history else question
        docs = retriever.invoke(standalone)
        text = generate.invoke({"history": history, "question": question, "context": format_docs(docs)})
        store.add(sid, question, text)
        return RAGAnswer(answer=text, sources=_sources(docs, text))

    async def aturn(value: Any, config: RunnableConfig) -> RAGAnswer:
        sid = session(config)
        history = store.get(sid)
        question = _question(value)
        standalone = (
            (await condense.ainvoke({"history": history, "question": question})).strip() if history else question
        )
        docs = await retriever.ainvoke(standalone)
        text = await generate.ainvoke({"history": history, "question": question, "context": format_docs(docs)})
        store.add(sid, question, text)
        return RAGAnswer(answer=text, sources=_sources(docs, text))

    return RunnableLambda(turn, afunc=aturn, name="rag_chatbot")


# -- document QA without an LLM ------------------------------------------------------------------
Answerer = Callable[[str, list[Document]], list[ExtractiveAnswer]]

# A sentence: up to . ! or ?, across a wrapped line (next line starts in lower case), never across a
# blank line or into a line that starts a new one (a capital, a heading mark): headings stay apart.
_SENTENCE = re.compile(r"[^.!?\n]+(?:\n(?![ \t]*\n)(?![ \t]*[A-Z#])[^.!?\n]+)*[.!?]*")


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _meta(doc: Document) -> dict[str, Any]:
    return {"source": str(doc.metadata.get("source", "unknown")), "page": doc.metadata.get("page")}


def sentence_answerer(embeddings: Embeddings) -> Answerer:
    r"""Offline extractive QA: the sentence of the chunks most similar to the question.

    Headings and other fragments (fewer than four words, no closing punctuation) are not answers.

    Example:
        >>> from hf_tools.testing.hash_embeddings import HashEmbeddings
        >>> answer = sentence_answerer(HashEmbeddings())
        >>> docs = [Document("Cats sleep a lot. The capital of France is Paris.", metadata={"source": "f.txt"})]
        >>> answer("What is the capital of France?", docs)[0].answer
        'The capital of France is Paris.'
        >>> wrapped = [Document("Capitals\nThe capital of France\nis Paris.", metadata={"source": "g.txt"})]
        >>> answer("What is the capital of France?", wrapped)[0].answer
        'The capital of France\nis Paris.'

    """

    def answer(question: str, docs: list[Document]) -> list[ExtractiveAnswer]:
        spans: list[tuple[Document, int, int, str]] = []
        for doc in docs:
            for match in _SENTENCE.finditer(doc.page_content):
                text = match.group().strip()
                if text[-1] in ".!?" or len(text.split()) >= 4:
                    start = doc.page_content.index(text, match.start())
                    spans.append((doc, start, start + len(text), text))
        if not spans:
            return []
        query = embeddings.embed_query(question)
        vectors = embeddings.embed_documents([s[3] for s in spans])
        scored = sorted(zip(spans, vectors, strict=False), key=lambda sv: -_cosine(query, sv[1]))
        return [
            ExtractiveAnswer(
                answer=text, score=round(_cosine(query, vec), 4), start=s, end=e, context=doc.page_content, **_meta(doc)
            )
            for (doc, s, e, text), vec in scored
        ]

    return answer


def qa_task_answerer(qa: Runnable[Any, Any]) -> Answerer:
    """Extractive QA with the question-answering task (e.g. ``hf_tools.runnable("question-answering")``),
    one request per chunk, sent as one concurrent batch.
    """

    def answer(question: str, docs: list[Document]) -> list[ExtractiveAnswer]:
        outputs = qa.batch([{"question": question, "context": d.page_content} for d in docs])
        found = []
        for doc, output in zip(docs, outputs, strict=False):
            for span in output if isinstance(output, list) else [output]:
                found.append(
                    ExtractiveAnswer(
                        answer=span.answer,
                        score=float(span.score),
                        start=int(span.start),
                        end=int(span.end),
                        context=doc.page_content,
                        **_meta(doc),
                    )
                )
        return sorted(found, key=lambda a: -a.score)

    return answer


def document_qa_chain(
    retriever: BaseRetriever,
    *,
    qa: Runnable[Any, Any] | None = None,
    embeddings: Embeddings | None = None,
    k: int = 3,
) -> Runnable[Any, ExtractiveAnswer | None]:
    """Question → the best answer span among the top ``k`` chunks, with score and source (no LLM).

    Args:
        retriever: where chunks come from.
        qa: a question-answering Runnable; without it the offline sentence answerer is used.
        embeddings: for the sentence answerer (default: the retriever's vector store embedder).
        k: chunks to read.

    Returns None when nothing was retrieved.

    Example:
        >>> from langchain_core.retrievers import BaseRetriever
        >>> from hf_tools.testing.hash_embeddings import HashEmbeddings
        >>> class Fixed(BaseRetriever):
        ...     def _get_relevant_documents(self, query, *, run_manager):
        ...         return [Document("Ada lives in London. She codes.", metadata={"source": "ada.txt"})]
        >>> best = document_qa_chain(Fixed(), embeddings=HashEmbeddings()).invoke("Where does Ada live?")
        >>> best.answer, best.source
        ('Ada lives in London.', 'ada.txt')

    """
    if qa is not None:
        answerer = qa_task_answerer(qa)
    else:
        embedder = embeddings
        if embedder is None and isinstance(retriever, VectorStoreRetriever):
            embedder = retriever.vectorstore.embeddings
        if embedder is None:
            raise ValueError("document_qa_chain needs a qa Runnable or embeddings for the offline answerer")
        answerer = sentence_answerer(embedder)

    def run(value: Any) -> ExtractiveAnswer | None:
        question = _question(value)
        docs = retriever.invoke(question)[:k]
        answers = answerer(question, docs)
        return answers[0] if answers else None

    return RunnableLambda(run, name="document_qa")
