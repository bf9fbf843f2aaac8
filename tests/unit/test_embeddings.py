"""HFInferenceEmbeddings against the real InferenceClient and loopback/TEI-like servers."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.unit_tests import EmbeddingsUnitTests

from hf_tools import HFInferenceEmbeddings
from hf_tools.errors import HFInputError, HFInvalidRequestError, HFResponseError
from hf_tools.settings import HFSettings
from hf_tools.tasks.embedding import DEFAULT_EMBEDDING_MODEL, pool
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.hash_embeddings import hash_vectors
from hf_tools.testing.tei import TEIServer

FAST = {"backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "deadline": 20}


class TestStandardUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[Embeddings]:
        return HFInferenceEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": "BAAI/bge-small-en-v1.5", "token": "hf_test", "batch_size": 16}


def test_batches_of_batch_size_in_order(hf_server: LoopbackServer) -> None:
    texts = [f"text number {i}" for i in range(70)]
    emb = HFInferenceEmbeddings(base_url=hf_server.base_url, batch_size=32, **FAST)
    assert np.allclose(emb.embed_documents(texts), hash_vectors(texts), atol=1e-6)
    sizes = sorted(len(r.body["inputs"]) for r in hf_server.requests)
    assert sizes == [6, 32, 32]
    assert all(r.task == "feature-extraction" for r in hf_server.requests)


async def test_async_batches_in_order(hf_server: LoopbackServer) -> None:
    texts = [f"async text {i}" for i in range(45)]
    emb = HFInferenceEmbeddings(base_url=hf_server.base_url, batch_size=10, **FAST)
    assert np.allclose(await emb.aembed_documents(texts), hash_vectors(texts), atol=1e-6)
    assert len(hf_server.requests) == 5
    assert np.allclose(await emb.aembed_query("a query"), hash_vectors(["a query"])[0], atol=1e-6)


def test_texts_are_sent_exactly_as_given(hf_server: LoopbackServer) -> None:
    texts = ["  leading spaces", "line\nbreaks\tand tabs ", "UPPER case"]
    HFInferenceEmbeddings(base_url=hf_server.base_url, **FAST).embed_documents(texts)
    assert hf_server.requests[0].body["inputs"] == texts


def test_options_go_at_top_level_and_query_prompt_only_for_queries(hf_server: LoopbackServer) -> None:
    emb = HFInferenceEmbeddings(
        base_url=hf_server.base_url,
        normalize=True,
        truncate=True,
        truncation_direction="left",
        prompt_name="document",
        query_prompt_name="query",
        **FAST,
    )
    emb.embed_documents(["doc"])
    emb.embed_query("question")
    doc_body, query_body = (r.body for r in hf_server.requests)
    assert "parameters" not in doc_body
    assert doc_body["normalize"] is True and doc_body["truncate"] is True
    assert doc_body["truncation_direction"] == "left"
    assert doc_body["prompt_name"] == "document"
    assert query_body["prompt_name"] == "query"


def test_dimensions_passed_and_checked(hf_server: LoopbackServer) -> None:
    emb = HFInferenceEmbeddings(base_url=hf_server.base_url, dimensions=64, **FAST)
    assert len(emb.embed_query("hello")) == 64
    assert hf_server.requests[0].body["dimensions"] == 64
    hf_server.enqueue(DEFAULT_EMBEDDING_MODEL, Reply.ok([[0.1] * 32]))
    with pytest.raises(HFResponseError, match="64 dimensions"):
        emb.embed_query("hello")


@pytest.mark.parametrize(
    "bad",
    [
        "a plain string",
        ["ok", ""],
        ["ok", 3],
        None,
    ],
)
def test_bad_input_is_a_typed_error_before_any_request(hf_server: LoopbackServer, bad: object) -> None:
    emb = HFInferenceEmbeddings(base_url=hf_server.base_url, **FAST)
    with pytest.raises(HFInputError):
        emb.embed_documents(bad)  # type: ignore[arg-type]
    assert hf_server.requests == []


def test_empty_list_sends_nothing(hf_server: LoopbackServer) -> None:
    assert HFInferenceEmbeddings(base_url=hf_server.base_url, **FAST).embed_documents([]) == []
    assert hf_server.requests == []


def test_token_level_outputs_are_mean_pooled(hf_server: LoopbackServer) -> None:
    hf_server.enqueue(DEFAULT_EMBEDDING_MODEL, Reply.ok([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 10.0]]]))
    vectors = HFInferenceEmbeddings(base_url=hf_server.base_url, **FAST).embed_documents(["a b", "c d"])
    assert vectors == [[2.0, 3.0], [6.0, 8.0]]


def test_wrong_vector_count_is_a_response_error(hf_server: LoopbackServer) -> None:
    hf_server.enqueue(DEFAULT_EMBEDDING_MODEL, Reply.ok([[0.1, 0.2]]))
    with pytest.raises(HFResponseError, match="expected 2"):
        HFInferenceEmbeddings(base_url=hf_server.base_url, **FAST).embed_documents(["a", "b"])


def test_cold_start_is_retried(hf_server: LoopbackServer) -> None:
    hf_server.enqueue(DEFAULT_EMBEDDING_MODEL, Reply.error(503, "loading", estimated_time=0.01))
    vectors = HFInferenceEmbeddings(base_url=hf_server.base_url, **FAST).embed_documents(["a", "b"])
    assert len(vectors) == 2 and len(hf_server.requests) == 2


def test_tei_limit_413_is_not_retried_and_batch_size_32_respects_it() -> None:
    texts = [f"t{i}" for i in range(100)]
    with TEIServer() as tei:
        too_big = HFInferenceEmbeddings(model=tei.url, batch_size=33, **FAST)
        with pytest.raises(HFInvalidRequestError, match="maximum allowed batch size 32"):
            too_big.embed_documents(texts[:66])
        assert tei.stats()["requests"] == 0
        assert tei.stats()["rejected"] == 2  # one 413 per batch: never retried
        assert len(HFInferenceEmbeddings(model=tei.url, **FAST).embed_documents(texts)) == 100
        assert tei.stats()["largest_batch"] == 32


def test_concurrency_is_bounded_sync_and_async() -> None:
    texts = [f"t{i}" for i in range(40)]
    with TEIServer(delay=0.05) as tei:
        emb = HFInferenceEmbeddings(model=tei.url, batch_size=2, max_concurrency=3, **FAST)
        assert len(emb.embed_documents(texts)) == 40
        assert 2 <= tei.stats()["max_in_flight"] <= 3
    with TEIServer(delay=0.05) as tei:
        emb = HFInferenceEmbeddings(model=tei.url, batch_size=2, max_concurrency=3, **FAST)
        assert len(asyncio.run(emb.aembed_documents(texts))) == 40
        assert 2 <= tei.stats()["max_in_flight"] <= 3


def test_token_never_shows(hf_server: LoopbackServer) -> None:
    secret = "hf_SuperSecretToken123"
    hf_server.enqueue(DEFAULT_EMBEDDING_MODEL, Reply.error(401, f"bad token {secret}"))
    emb = HFInferenceEmbeddings(base_url=hf_server.base_url, token=secret, **FAST)
    assert secret not in repr(emb) and secret not in str(emb.model_dump())
    with pytest.raises(Exception) as info:
        emb.embed_query("x")
    assert secret not in str(info.value) and secret not in repr(info.value)
    assert hf_server.requests[0].authorized


def test_settings_fields_fold_into_settings() -> None:
    emb = HFInferenceEmbeddings(provider="hf-inference", timeout=7, settings=HFSettings(max_retries=1))
    assert emb.settings.provider == "hf-inference"
    assert emb.settings.timeout == 7 and emb.settings.max_retries == 1


def test_a_tei_url_as_model_gets_every_request() -> None:
    with TEIServer() as tei:
        emb = HFInferenceEmbeddings(model=f"{tei.url}/embed", **FAST)
        assert len(emb.embed_documents(["a", "b", "c"])) == 3
        assert tei.stats()["requests"] == 1


@pytest.mark.parametrize(
    ("raw", "count", "expected"),
    [
        ([1.0, 2.0], 1, [[1.0, 2.0]]),
        ([[1.0, 2.0]], 1, [[1.0, 2.0]]),
        ([[1.0, 2.0], [3.0, 4.0]], 2, [[1.0, 2.0], [3.0, 4.0]]),
        ([[1.0, 2.0], [3.0, 4.0]], 1, [[2.0, 3.0]]),
        ([[[1.0], [3.0]]], 1, [[2.0]]),
    ],
)
def test_pool_shapes(raw: object, count: int, expected: list[list[float]]) -> None:
    assert pool(raw, count) == expected


def test_pool_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        pool([[1.0], [2.0]], 3)
    with pytest.raises(ValueError):
        pool(5.0, 1)


def test_embeddings_keep_16_requests_in_flight_unless_told_otherwise() -> None:
    from hf_tools import HFInferenceEmbeddings
    from hf_tools.settings import HFSettings

    assert HFInferenceEmbeddings().settings.max_concurrency == 16
    assert HFInferenceEmbeddings(max_concurrency=4).settings.max_concurrency == 4
    assert HFInferenceEmbeddings(settings=HFSettings(max_concurrency=3)).settings.max_concurrency == 3
    assert HFInferenceEmbeddings(settings=HFSettings(timeout=5)).settings.max_concurrency == 16
