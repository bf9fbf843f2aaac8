"""A RAG chat with memory on LangGraph: a checkpointer keeps each conversation (``thread_id``),
follow-ups are rewritten into standalone questions for retrieval, and answers stream token by token
with the sources they cite.

The rewrite step's model call never streams (``disable_streaming``), so ``stream``/``astream``
(custom mode, the graph's default) and ``astream_events`` show the answer's tokens only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Annotated, Any, TypedDict

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph.message import add_messages

from hf_tools.rag.chains import CONDENSE_SYSTEM, Source, format_docs
from hf_tools.rag.chains import _answer_prompt as answer_prompt
from hf_tools.rag.chains import _sources as cited_sources

__all__ = ["RAGChatState", "rag_chat"]


class RAGChatState(TypedDict, total=False):
    """What one conversation holds: its messages, and the last turn's question, answer and sources."""

    messages: Annotated[list[AnyMessage], add_messages]
    question: str
    standalone: str
    answer: str
    sources: list[Source]


def rag_chat(
    retriever: BaseRetriever,
    llm: BaseChatModel,
    *,
    checkpointer: Any = None,
    max_turns: int = 10,
) -> Any:
    """A conversational RAG graph with memory: ``invoke({"question": q}, {"configurable": {"thread_id": t}})``.

    Each turn rewrites a follow-up into a standalone question (with ``llm``, from the conversation's
    history; the first turn is used as asked), retrieves passages for it, and answers from them
    citing ``[n]``. The result state holds ``answer`` and ``sources`` (the cited passages only; none
    when the answer cites none) and the conversation's ``messages``.

    ``stream``/``astream`` yield ``{"token": text}`` for each token of the answer, then one
    ``{"sources": [Source, ...]}``; ``astream_events`` has the answer's ``on_chat_model_stream``
    events and none for the rewrite. Pass ``stream_mode="values"`` or ``"updates"`` for LangGraph's
    usual streams.

    Args:
        retriever: where passages come from.
        llm: the chat model (``ChatHFInference`` or any other).
        checkpointer: a LangGraph checkpointer (default: an in-memory ``InMemorySaver``; use a
            SQLite or Postgres saver to keep conversations across restarts).
        max_turns: how many past turns the rewrite and the answer see.

    Example:
        >>> from langchain_core.language_models import GenericFakeChatModel
        >>> class Fixed(BaseRetriever):
        ...     def _get_relevant_documents(self, query, *, run_manager):
        ...         return [Document("Ada lives in London.", metadata={"source": "ada.txt"})]
        >>> llm = GenericFakeChatModel(messages=iter(["London [1].", "Where is Ada now?", "Still London [1]."]))
        >>> chat = rag_chat(Fixed(), llm)
        >>> thread = {"configurable": {"thread_id": "t1"}}
        >>> chat.invoke({"question": "Where does Ada live?"}, thread)["answer"]
        'London [1].'
        >>> [part for part in chat.stream({"question": "And now?"}, thread)][-1]["sources"][0].source
        'ada.txt'

    """
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.config import get_stream_writer
    from langgraph.graph import END, START, StateGraph

    quiet_llm = llm.model_copy(update={"disable_streaming": True})
    condense = (
        ChatPromptTemplate.from_messages(
            [("system", CONDENSE_SYSTEM), MessagesPlaceholder("history"), ("human", "{question}")]
        )
        | quiet_llm
        | StrOutputParser()
    ).with_config(run_name="rewrite_question")
    generate = (answer_prompt(with_history=True) | llm | StrOutputParser()).with_config(run_name="answer")
    keep = 2 * max_turns

    def history(state: RAGChatState) -> list[AnyMessage]:
        return list(state.get("messages") or [])[-keep:]

    def rewrite(state: RAGChatState, config: RunnableConfig) -> dict[str, Any]:
        past = history(state)
        question = state["question"]
        if not past:
            return {"standalone": question}
        return {"standalone": condense.invoke({"history": past, "question": question}, config).strip() or question}

    async def arewrite(state: RAGChatState, config: RunnableConfig) -> dict[str, Any]:
        past = history(state)
        question = state["question"]
        if not past:
            return {"standalone": question}
        text = await condense.ainvoke({"history": past, "question": question}, config)
        return {"standalone": text.strip() or question}

    def _finish(state: RAGChatState, docs: Sequence[Document], text: str) -> dict[str, Any]:
        sources = cited_sources(docs, text)
        get_stream_writer()({"sources": sources})
        return {
            "answer": text,
            "sources": sources,
            "messages": [HumanMessage(state["question"]), AIMessage(text)],
        }

    def answer(state: RAGChatState, config: RunnableConfig) -> dict[str, Any]:
        docs = retriever.invoke(state.get("standalone") or state["question"], config)
        write = get_stream_writer()
        inputs = {"history": history(state), "question": state["question"], "context": format_docs(docs)}
        text = "".join(_written(generate.stream(inputs, config), write))
        return _finish(state, docs, text)

    async def aanswer(state: RAGChatState, config: RunnableConfig) -> dict[str, Any]:
        docs = await retriever.ainvoke(state.get("standalone") or state["question"], config)
        write = get_stream_writer()
        inputs = {"history": history(state), "question": state["question"], "context": format_docs(docs)}
        parts = [token async for token in _awritten(generate.astream(inputs, config), write)]
        return _finish(state, docs, "".join(parts))

    graph = StateGraph(RAGChatState)
    graph.add_node("rewrite", RunnableLambda(rewrite, afunc=arewrite, name="rewrite"))
    graph.add_node("answer", RunnableLambda(answer, afunc=aanswer, name="answer"))
    graph.add_edge(START, "rewrite")
    graph.add_edge("rewrite", "answer")
    graph.add_edge("answer", END)
    saver = checkpointer if checkpointer is not None else InMemorySaver()
    compiled = graph.compile(checkpointer=saver, name="rag_chat")
    compiled.stream_mode = "custom"  # stream()/astream(): the answer's tokens, then its sources
    return compiled


def _written(tokens: Iterator[str], write: Any) -> Iterator[str]:
    for token in tokens:
        if token:
            write({"token": token})
            yield token


async def _awritten(tokens: AsyncIterator[str], write: Any) -> AsyncIterator[str]:
    async for token in tokens:
        if token:
            write({"token": token})
            yield token
