"""``HFInferenceEmbeddings``: LangChain ``Embeddings`` on the Inference API's feature-extraction.

Texts are sent in batches of ``batch_size`` (default 32, the limit of a Text Embeddings
Inference server), at most ``max_concurrency`` requests in flight, each with the retries,
timeout and deadline of the settings. Texts are sent exactly as given: nothing is stripped,
lower-cased or joined. Token-level outputs are mean-pooled.

Calls routed by the Hugging Face router (a model id, any provider) go through
:class:`~hf_tools.client.HFClient` and ``InferenceClient.feature_extraction``. Calls to an
explicit endpoint (a TEI URL, an Inference Endpoint, a ``base_url``) POST the same wire body
(``{"inputs": [...], **options}``) with :meth:`~hf_tools.client.HFClient.post_json`, which
skips the per-request client set-up and numpy decoding (about twice the throughput).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from hf_tools.client import HFClient, get_client
from hf_tools.errors import HFInputError, HFResponseError
from hf_tools.settings import SETTINGS_FIELDS, HFSettings
from hf_tools.tasks.embedding import DEFAULT_EMBEDDING_MODEL, pool

__all__ = ["HFInferenceEmbeddings", "check_texts", "model_id_in_url", "served_model_id"]

TASK = "feature-extraction"
# Requests in flight unless set: twice a TEI server's own concurrency keeps it busy while
# answers travel back (measured: 8 in flight reach about half the server's rate, 16 all of it).
DEFAULT_MAX_CONCURRENCY = 16


def check_texts(texts: Any) -> list[str]:
    """Validate a batch of texts before any request: a list of non-empty strings.

    Raises:
        HFInputError: not a list/tuple of strings, or an empty string in it.

    Example:
        >>> check_texts(["a", "b"])
        ['a', 'b']
        >>> check_texts(["a", ""])
        Traceback (most recent call last):
        ...
        hf_tools.errors.HFInputError: text 1 is empty; embedding servers reject empty inputs

    """
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise HFInputError(f"expected a list of strings, got {type(texts).__name__}")
    out = list(texts)
    for index, text in enumerate(out):
        if not isinstance(text, str):
            raise HFInputError(f"text {index} is a {type(text).__name__}, not a str")
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise HFInputError(f"text {index} holds lone surrogates, which are not valid Unicode text") from None
        if not text:
            raise HFInputError(f"text {index} is empty; embedding servers reject empty inputs")
    return out


_MODEL_IN_PATH = re.compile(r"/models/([\w.-]+/[\w.-]+|[\w.-]+)(?:/pipeline/[\w-]+)?/?$")
_INFO_TIMEOUT = 10.0


def model_id_in_url(url: str) -> str | None:
    """The model id a router-style URL names (``.../models/<id>[/pipeline/<task>]``), else None.

    Example:
        >>> model_id_in_url("https://router.huggingface.co/hf-inference/models/BAAI/bge-small-en-v1.5/pipeline/feature-extraction")
        'BAAI/bge-small-en-v1.5'
        >>> model_id_in_url("http://127.0.0.1:8080") is None
        True

    """
    match = _MODEL_IN_PATH.search(urlsplit(url).path)
    return match.group(1) if match else None


def served_model_id(url: str, token: str | None = None, timeout: float = _INFO_TIMEOUT) -> str | None:
    """The model a Text Embeddings Inference server at ``url`` says it serves (``GET /info``'s
    ``model_id``), or None when it does not say (another kind of server, unreachable, an error).

    ``url`` is the server's root or its ``/embed`` route. One request, no retries.

    Example:
        >>> from hf_tools.testing.tei import TEIServer
        >>> with TEIServer(model_id="BAAI/bge-small-en-v1.5") as tei:
        ...     served_model_id(tei.url)
        'BAAI/bge-small-en-v1.5'

    """
    from huggingface_hub import get_session

    root = url.rstrip("/")
    root = root.removesuffix("/embed")
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = get_session().get(f"{root}/info", headers=headers, timeout=timeout)
        if response.status_code != 200:
            return None
        model = response.json().get("model_id")
    except Exception:  # noqa: BLE001 - a server that does not answer /info does not name its model
        return None
    return model if isinstance(model, str) and model else None


class HFInferenceEmbeddings(BaseModel, Embeddings):
    """Text embeddings from the Hugging Face Inference API (router, any provider, TEI, endpoint).

    Any :class:`~hf_tools.settings.HFSettings` field (``token``, ``provider``, ``base_url``,
    ``timeout``, ``max_retries``, ``max_concurrency``, ...) may be passed as a keyword. Unless
    set, ``max_concurrency`` is 16 here: batch requests pipeline well on embedding servers.

    Args:
        model: model id, or the URL of a TEI server / Inference Endpoint.
        batch_size: texts per request (TEI accepts at most 32 by default).
        normalize: ask the server for unit-length vectors (TEI).
        truncate: ask the server to cut over-long inputs instead of failing (TEI).
        truncation_direction: which side ``truncate`` cuts.
        prompt_name: sentence-transformers prompt applied to documents (and to queries unless
            ``query_prompt_name`` is set).
        query_prompt_name: prompt applied to queries only (e.g. ``"query"`` for e5/bge models).
        dimensions: vector size (OpenAI-compatible endpoints).

    Example:
        >>> from hf_tools import HFInferenceEmbeddings
        >>> from hf_tools.testing import LoopbackServer
        >>> with LoopbackServer() as server:
        ...     emb = HFInferenceEmbeddings(base_url=server.base_url, token="hf_secret", batch_size=2)
        ...     vectors = emb.embed_documents(["one", "two", "three"])
        ...     len(vectors), len(vectors[0]), len(server.requests)
        (3, 384, 2)
        >>> "hf_secret" in repr(emb)
        False

    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", frozen=True)

    model: str = Field(default=DEFAULT_EMBEDDING_MODEL, description="Model id or endpoint URL.")
    settings: HFSettings = Field(default_factory=HFSettings)
    batch_size: int = Field(default=32, ge=1, description="Texts per request.")
    normalize: bool | None = None
    truncate: bool | None = None
    truncation_direction: Literal["left", "right"] | None = None
    prompt_name: str | None = None
    query_prompt_name: str | None = None
    dimensions: int | None = Field(default=None, ge=1)

    _model_id: str | None = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        """Fields of this class, plus any :class:`~hf_tools.settings.HFSettings` field."""
        super().__init__(**kwargs)
        self.settings.refuse_provider_ordering("HFInferenceEmbeddings")

    @model_validator(mode="before")
    @classmethod
    def _fold_settings(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        loose = {k: values[k] for k in values if k in SETTINGS_FIELDS}
        rest = {k: v for k, v in values.items() if k not in SETTINGS_FIELDS}
        base = rest.get("settings") or HFSettings()
        if "max_concurrency" not in loose and "max_concurrency" not in base.model_fields_set:
            loose["max_concurrency"] = DEFAULT_MAX_CONCURRENCY
        rest["settings"] = base.merged(**loose)
        return rest

    @property
    def client(self) -> HFClient:
        """The shared client of these settings."""
        return get_client(self.settings)

    @property
    def endpoint(self) -> str | None:
        """The explicit endpoint URL requests go to, or None when the Hub routes them."""
        return self.settings.endpoint_for(self.model, TASK)

    def embedding_model_id(self) -> str:
        """What identifies the vector space of these embeddings: the model that makes the vectors.

        For an explicit endpoint it does not depend on how the endpoint is named (``model=URL`` or
        ``base_url=URL``) nor on its host or port: it is the model id in a router-style URL
        (``.../models/<id>``), else the id the server says it serves (a TEI server's ``GET /info``),
        else the configured model id. Only a ``model=URL`` server that names no model is identified
        by its URL. Routed calls are identified by the model id. Asked once per object.

        Example:
            >>> from hf_tools.testing.tei import TEIServer
            >>> with TEIServer(model_id="BAAI/bge-small-en-v1.5") as tei:
            ...     HFInferenceEmbeddings(model=tei.url).embedding_model_id()
            'BAAI/bge-small-en-v1.5'
            >>> HFInferenceEmbeddings(model="BAAI/bge-small-en-v1.5").embedding_model_id()
            'BAAI/bge-small-en-v1.5'

        """
        if self._model_id is None:
            self._model_id = self._find_model_id()
        return self._model_id

    def _find_model_id(self) -> str:
        endpoint = self.endpoint
        if endpoint is None:
            return self.model
        named = model_id_in_url(endpoint)
        if named is not None:
            return named
        served = served_model_id(endpoint, self.settings.resolved_token(), min(self.settings.timeout, _INFO_TIMEOUT))
        if served is not None:
            return served
        return endpoint if self.model.startswith(("http://", "https://")) else self.model

    # -- request building -------------------------------------------------------------------
    def _options(self, query: bool) -> dict[str, Any]:
        prompt = self.query_prompt_name if query and self.query_prompt_name else self.prompt_name
        options = {
            "normalize": self.normalize,
            "truncate": self.truncate,
            "truncation_direction": self.truncation_direction,
            "prompt_name": prompt,
            "dimensions": self.dimensions,
        }
        return {k: v for k, v in options.items() if v is not None}

    def _batches(self, texts: list[str]) -> list[list[str]]:
        size = self.batch_size
        return [texts[i : i + size] for i in range(0, len(texts), size)]

    def _finish(self, raw: Any, count: int) -> list[list[float]]:
        try:
            vectors = pool(raw, count)
        except (TypeError, ValueError, IndexError) as exc:
            raise HFResponseError(f"unexpected feature-extraction response from {self.model!r}: {exc}") from exc
        if self.dimensions is not None and any(len(v) != self.dimensions for v in vectors):
            raise HFResponseError(f"asked for {self.dimensions} dimensions, got {len(vectors[0])}")
        return vectors

    def _embed_batch(self, batch: list[str], query: bool) -> list[list[float]]:
        endpoint = self.endpoint
        if endpoint is not None:
            raw = self.client.post_json(endpoint, {"inputs": batch, **self._options(query)})
        else:
            raw = self.client.call("feature_extraction", self.model, batch, task=TASK, **self._options(query))
        return self._finish(raw, len(batch))

    async def _aembed_batch(self, batch: list[str], query: bool) -> list[list[float]]:
        endpoint = self.endpoint
        if endpoint is not None:
            raw = await self.client.apost_json(endpoint, {"inputs": batch, **self._options(query)})
        else:
            raw = await self.client.acall("feature_extraction", self.model, batch, task=TASK, **self._options(query))
        return self._finish(raw, len(batch))

    # -- Embeddings API ---------------------------------------------------------------------
    def embed_texts(self, texts: list[str], *, query: bool = False) -> list[list[float]]:
        """Embed ``texts`` in batches, ``max_concurrency`` requests at a time, order kept."""
        batches = self._batches(check_texts(texts))
        if not batches:
            return []
        if len(batches) == 1:
            return self._embed_batch(batches[0], query)
        import numpy  # noqa: F401 - imported before the fan-out: huggingface_hub 1.x imports it lazily, racily

        workers = min(self.settings.max_concurrency, len(batches))
        from langchain_core.runnables.config import ContextThreadPoolExecutor

        # each batch runs in the caller's context: a track_usage block around embed_texts counts it
        with ContextThreadPoolExecutor(max_workers=workers, thread_name_prefix="hf-embed") as pool_:
            results = list(pool_.map(lambda b: self._embed_batch(b, query), batches))
        return [vector for result in results for vector in result]

    async def aembed_texts(self, texts: list[str], *, query: bool = False) -> list[list[float]]:
        """Async :meth:`embed_texts` on ``AsyncInferenceClient`` (the client caps concurrency)."""
        batches = self._batches(check_texts(texts))
        results = await asyncio.gather(*(self._aembed_batch(b, query) for b in batches))
        return [vector for result in results for vector in result]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (``prompt_name`` applies)."""
        return self.embed_texts(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (``query_prompt_name`` applies when set)."""
        return self.embed_texts([text], query=True)[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents`."""
        return await self.aembed_texts(texts)

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        return (await self.aembed_texts([text], query=True))[0]
