"""Lone surrogates (text JSON cannot carry) are HFInputError before any request, in every entry point."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from hf_tools import ChatHFInference, HFInferenceEmbeddings, HFToolkit
from hf_tools.errors import HFInputError
from hf_tools.testing import LoopbackServer

BAD = "caf\udce9"


async def test_embeddings_refuse_lone_surrogates_before_any_request() -> None:
    with LoopbackServer() as server:
        emb = HFInferenceEmbeddings(base_url=server.base_url)
        with pytest.raises(HFInputError, match="text 1 holds lone surrogates"):
            emb.embed_documents(["fine", BAD])
        with pytest.raises(HFInputError, match="lone surrogates"):
            await emb.aembed_query(BAD)
        assert server.requests == []


def test_chat_refuses_lone_surrogates_before_any_request() -> None:
    with LoopbackServer() as server:
        chat = ChatHFInference(model="tiny-chat", base_url=f"{server.url}/v1")
        with pytest.raises(HFInputError, match=r"messages\.0\.content: holds lone surrogates"):
            chat.invoke([HumanMessage(BAD)])
        assert server.requests == []


def test_toolkit_refuses_unknown_keywords_with_a_typed_error() -> None:
    with pytest.raises(HFInputError, match="max_retires"):
        HFToolkit(tasks=["summarization"], max_retires=3)
