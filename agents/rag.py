"""RAG for agents: a retriever tool and a tool-calling RAG agent, on top of :mod:`hf_tools.rag`
(answers with cited sources, a chatbot with memory, document QA with no LLM), re-exported here.

Example:
    >>> from langchain_core.documents import Document
    >>> from langchain_core.retrievers import BaseRetriever
    >>> from agents.rag import retriever_tool
    >>> class Fixed(BaseRetriever):
    ...     def _get_relevant_documents(self, query, *, run_manager):
    ...         return [Document("Ada lives in London.", metadata={"source": "/d/ada.txt"})]
    >>> retriever_tool(Fixed()).name
    'search_documents'

"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.prompts import PromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool
from langchain_core.tools.retriever import create_retriever_tool

from hf_tools.rag import (
    ChatMemory,
    ExtractiveAnswer,
    RAGAnswer,
    Source,
    document_qa_chain,
    format_docs,
    qa_task_answerer,
    rag_chain,
    rag_chatbot,
    sentence_answerer,
)
from hf_tools.tool_feedback import source_label

__all__ = [
    "ChatMemory",
    "ExtractiveAnswer",
    "RAGAnswer",
    "Source",
    "document_qa_chain",
    "format_docs",
    "qa_task_answerer",
    "rag_agent",
    "rag_chain",
    "rag_chatbot",
    "retriever_tool",
    "sentence_answerer",
]

AGENT_PROMPT = (
    "You answer questions about the user's documents. Search them with the search_documents tool, "
    "answer only from what it returns, and cite the source file of every fact in brackets."
)


def retriever_tool(
    retriever: BaseRetriever,
    name: str = "search_documents",
    description: str = "Search the ingested documents; returns numbered passages with their source files.",
    *,
    roots: Sequence[str | os.PathLike[str]] = (),
) -> BaseTool:
    """A retriever tool for agents: passages as content, the ``Document`` list as the artifact.

    The model sees each passage's source relative to the working directory or to the corpus
    folder in ``roots`` it lies in (never the machine's layout, see
    :func:`hf_tools.tool_feedback.source_label`); the artifact keeps the full ``source``.

    Example:
        >>> from langchain_core.retrievers import BaseRetriever
        >>> class Fixed(BaseRetriever):
        ...     def _get_relevant_documents(self, query, *, run_manager):
        ...         return [Document("Ada lives in London.", metadata={"source": "/d/notes/ada.txt"})]
        >>> tool = retriever_tool(Fixed(), roots=["/d"])
        >>> msg = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": {"query": "Ada"}})
        >>> msg.content, msg.artifact[0].metadata["source"]
        ('[d/notes/ada.txt] Ada lives in London.', '/d/notes/ada.txt')

    """
    prompt = PromptTemplate.from_template("[{source_label}] {page_content}")
    shown = tuple(roots)

    class _Sourced(BaseRetriever):
        inner: BaseRetriever

        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
            return [_with_source(d, shown) for d in self.inner.invoke(query)]

        async def _aget_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
            return [_with_source(d, shown) for d in await self.inner.ainvoke(query)]

    return create_retriever_tool(
        _Sourced(inner=retriever),
        name,
        description,
        document_prompt=prompt,
        response_format="content_and_artifact",
    )


def _with_source(doc: Document, roots: Sequence[str | os.PathLike[str]]) -> Document:
    metadata = {"source": "unknown", **doc.metadata, "source_label": source_label(doc.metadata, roots)}
    return Document(doc.page_content, metadata=metadata, id=doc.id)


def rag_agent(llm: BaseChatModel, retriever: BaseRetriever, *, extra_tools: list[BaseTool] | None = None) -> Any:
    """A tool-calling agent (``langchain.agents.create_agent``) that searches the documents with
    :func:`retriever_tool` and answers with the sources it read; ``extra_tools`` (e.g.
    ``HFToolkit(...).get_tools()``) are offered too.

    Example:
        >>> from langchain_core.language_models import FakeMessagesListChatModel
        >>> from langchain_core.messages import AIMessage
        >>> class Fixed(BaseRetriever):
        ...     def _get_relevant_documents(self, query, *, run_manager):
        ...         return [Document("Ada lives in London.", metadata={"source": "ada.txt"})]
        >>> class Model(FakeMessagesListChatModel):
        ...     def bind_tools(self, tools, **kwargs):
        ...         return self
        >>> llm = Model(responses=[
        ...     AIMessage("", tool_calls=[{"name": "search_documents", "args": {"query": "Ada"}, "id": "c1"}]),
        ...     AIMessage("Ada lives in London [ada.txt]."),
        ... ])
        >>> result = rag_agent(llm, Fixed()).invoke({"messages": [("user", "Where does Ada live?")]})
        >>> result["messages"][2].content, result["messages"][-1].content
        ('[ada.txt] Ada lives in London.', 'Ada lives in London [ada.txt].')

    """
    from langchain.agents import create_agent

    tools: list[BaseTool] = [retriever_tool(retriever), *(extra_tools or [])]
    return create_agent(model=llm, tools=tools, system_prompt=AGENT_PROMPT)
