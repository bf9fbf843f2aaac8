"""The RAG agent: a tool-calling agent that searches the user's documents and cites them.

The chains it builds on (answers with cited sources, a chatbot with memory, document QA with
no LLM) and the retriever tool are in :mod:`hf_tools.rag`.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool

from hf_tools.rag.retriever_tool import retriever_tool

__all__ = ["rag_agent"]

AGENT_PROMPT = (
    "You answer questions about the user's documents. Search them with the search_documents tool, "
    "answer only from what it returns, and cite the source file of every fact in brackets."
)


def rag_agent(llm: BaseChatModel, retriever: BaseRetriever, *, extra_tools: list[BaseTool] | None = None) -> Any:
    """A tool-calling agent (``langchain.agents.create_agent``) that searches the documents with
    :func:`retriever_tool` and answers with the sources it read; ``extra_tools`` (e.g.
    ``HFToolkit(...).get_tools()``) are offered too.

    Example:
        >>> from langchain_core.documents import Document
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
