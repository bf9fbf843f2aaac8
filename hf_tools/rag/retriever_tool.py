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

from typing import Any

from langchain_core.documents import Document
from langchain_core.prompts import PromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool
from langchain_core.tools.retriever import create_retriever_tool

__all__ = ["retriever_tool"]


def retriever_tool(
    retriever: BaseRetriever,
    name: str = "search_documents",
    description: str = "Search the ingested documents; returns numbered passages with their source files.",
) -> BaseTool:
    """A retriever tool for agents: passages as content, the ``Document`` list as the artifact.

    Example:
        >>> from langchain_core.retrievers import BaseRetriever
        >>> class Fixed(BaseRetriever):
        ...     def _get_relevant_documents(self, query, *, run_manager):
        ...         return [Document("Ada lives in London.", metadata={"source": "/d/ada.txt"})]
        >>> tool = retriever_tool(Fixed())
        >>> msg = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": {"query": "Ada"}})
        >>> msg.content, msg.artifact[0].metadata["source"]
        ('[/d/ada.txt] Ada lives in London.', '/d/ada.txt')

    """
    prompt = PromptTemplate.from_template("[{source}] {page_content}")

    class _Sourced(BaseRetriever):
        inner: BaseRetriever

        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
            return [_with_source(d) for d in self.inner.invoke(query)]

        async def _aget_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
            return [_with_source(d) for d in await self.inner.ainvoke(query)]

    return create_retriever_tool(
        _Sourced(inner=retriever),
        name,
        description,
        document_prompt=prompt,
        response_format="content_and_artifact",
    )


def _with_source(doc: Document) -> Document:
    if "source" in doc.metadata:
        return doc
    return Document(doc.page_content, metadata={**doc.metadata, "source": "unknown"}, id=doc.id)
