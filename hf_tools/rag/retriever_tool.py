"""A retriever as an agent tool: numbered passages with their sources for the model, ``Document``s as the artifact.

Example:
    >>> from langchain_core.documents import Document
    >>> from langchain_core.retrievers import BaseRetriever
    >>> from hf_tools.rag import retriever_tool
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
from langchain_core.prompts import PromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool
from langchain_core.tools.retriever import create_retriever_tool

from hf_tools.tool_feedback import source_label

__all__ = ["retriever_tool"]


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
