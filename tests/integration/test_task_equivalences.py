"""Task pairs the router honours, and feature-extraction as the server sent it, on the loopback router.

A sentence-transformers model is mapped on the Hub for sentence-similarity; hf-inference answers
feature-extraction for it too, and huggingface_hub's own client accepts that call (its hf-inference
helper checks the model's pipeline tag and tags). The pre-call model check accepts exactly the
pairs huggingface_hub accepts, and refuses the others before any request.
"""

from __future__ import annotations

import asyncio

import pytest
from huggingface_hub import InferenceClient

import hf_tools
from hf_tools.errors import HFResponseError, HFTaskMismatchError
from hf_tools.rag.embeddings import HFInferenceEmbeddings
from hf_tools.testing import Reply
from hf_tools.testing.hub_server import HubModel, HubProvider
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_equivalence_test_0123456789"
FAST = {"token": TOKEN, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5}
SBERT = "sentence-transformers/all-mpnet-base-v2"
PLAIN = "org/similarity-only"  # a sentence-similarity model whose tags do not name feature-extraction
TOKENS = [[1.0, 3.0], [3.0, 5.0], [5.0, 7.0]]  # three tokens, two dimensions: a model that does not pool


@pytest.fixture
def router(hf_router: LoopbackRouter) -> LoopbackRouter:
    assert hf_router.hub is not None
    mapped = (HubProvider("hf-inference", "sentence-similarity"),)
    tags = ("sentence-transformers", "feature-extraction", "sentence-similarity")
    hf_router.hub.add(HubModel(SBERT, "sentence-similarity", 1_000_000, providers=mapped, tags=tags))
    hf_router.hub.add(HubModel(PLAIN, "sentence-similarity", 10, providers=mapped))
    return hf_router


def test_feature_extraction_on_a_model_mapped_for_sentence_similarity(router: LoopbackRouter) -> None:
    vector = hf_tools.runnable("feature-extraction", model=SBERT, **FAST).invoke("a cat")
    assert isinstance(vector, list) and len(vector) > 2 and all(isinstance(x, float) for x in vector)
    assert [(r.provider, r.path) for r in router.requests] == [
        ("hf-inference", f"/models/{SBERT}/pipeline/feature-extraction")
    ]
    # huggingface_hub's own client accepts the same call (and the router answers it the same way)
    raw = InferenceClient(token=TOKEN).feature_extraction("a cat", model=SBERT)
    assert [float(x) for x in raw.reshape(-1)] == vector
    # the model's own task still works
    scores = hf_tools.runnable("sentence-similarity", model=SBERT, **FAST).invoke(
        {"sentence": "a cat", "other_sentences": ["a cat", "a car"]}
    )
    assert len(scores) == 2


def test_a_pair_huggingface_hub_refuses_is_refused_before_any_request(router: LoopbackRouter) -> None:
    with pytest.raises(ValueError, match="doesn't support task"):  # huggingface_hub itself refuses it
        InferenceClient(token=TOKEN).feature_extraction("a cat", model=PLAIN)
    with pytest.raises(HFTaskMismatchError, match="sentence-similarity"):
        hf_tools.runnable("feature-extraction", model=PLAIN, **FAST).invoke("a cat")
    assert router.count() == 0


def test_feature_extraction_gives_token_level_vectors_as_sent(router: LoopbackRouter) -> None:
    router.enqueue(SBERT, Reply.ok([TOKENS]), Reply.ok([TOKENS]))
    run = hf_tools.runnable("feature-extraction", model=SBERT, **FAST)
    assert run.invoke("a cat") == TOKENS  # [tokens][dim], not pooled
    message = hf_tools.tool("feature-extraction", model=SBERT, **FAST).invoke(
        {"type": "tool_call", "id": "t1", "name": "feature_extraction", "args": {"text": "a cat"}}
    )
    assert message.artifact == TOKENS
    assert message.content.startswith("3 token vectors of 2 dimensions (not pooled)")


def test_feature_extraction_pools_on_request(router: LoopbackRouter) -> None:
    router.enqueue(SBERT, Reply.ok([TOKENS]), Reply.ok([TOKENS]), Reply.ok([TOKENS]))
    run = hf_tools.runnable("feature-extraction", model=SBERT, **FAST)
    assert run.invoke({"text": "a cat", "pooling": "mean"}) == [3.0, 5.0]
    assert asyncio.run(run.bind(pooling="mean").ainvoke("a cat")) == [3.0, 5.0]
    assert "pooling" not in str(router.requests[-1].body)  # applied here, never sent
    # the embedder keeps pooling: one vector per text
    assert HFInferenceEmbeddings(model=SBERT, **FAST).embed_query("a cat") == [3.0, 5.0]


@pytest.mark.parametrize("answer", [[[1.0, 2.0], [1.0]], [[]], [[["x", "y"]]], [TOKENS, TOKENS]])
def test_a_feature_extraction_answer_that_is_not_one_texts_vectors_is_refused(
    router: LoopbackRouter, answer: object
) -> None:
    router.enqueue(SBERT, Reply.ok(answer))
    with pytest.raises(HFResponseError):  # huggingface_hub's decoding or the task's own check
        hf_tools.runnable("feature-extraction", model=SBERT, max_retries=0, **FAST).invoke("a cat")
