"""A Chroma vector store: embedded at a path by default, a Chroma server by URL.

Built on langchain-chroma's ``Chroma`` (search, metadata filters, MMR, relevance scores) with
what it lacks here: cosine distance by default, writes split at the client's maximum batch
size, bulk writes of precomputed vectors (for ingestion) and a retriever with a ``k`` field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStoreRetriever
from pydantic import Field, model_validator

from hf_tools.errors import HFError, HFInputError

__all__ = [
    "DEFAULT_COLLECTION",
    "EMBEDDING_MODEL_KEY",
    "LOCK_FILE",
    "ChromaRetriever",
    "EmbeddingModelMismatchError",
    "HFChroma",
    "HFStoreBusyError",
    "HFStoreError",
    "chroma_client",
    "chroma_store",
    "database_lock",
]

EMBEDDING_MODEL_KEY = "hf_tools:embedding_model"
"""Collection metadata key holding the embedding model that filled the collection."""


class EmbeddingModelMismatchError(HFInputError):
    """A collection filled by one embedding model was opened with another (its vectors would mix spaces).

    Attributes:
        stored: the model recorded in the collection's metadata.
        given: the model of the embedder it was opened with.

    """

    def __init__(self, message: str, *, stored: str, given: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.stored = stored
        self.given = given


def embedding_model_of(embedding: Any) -> str | None:
    """What identifies the vector space of an embedder, or None for embedders that do not say.

    An embedder with an ``embedding_model_id()`` method (:class:`~hf_tools.HFInferenceEmbeddings`:
    the served model's id, never an endpoint's host or port) is asked; otherwise its ``model`` or
    ``model_name``.

    Example:
        >>> from hf_tools import HFInferenceEmbeddings
        >>> embedding_model_of(HFInferenceEmbeddings(model="BAAI/bge-small-en-v1.5"))
        'BAAI/bge-small-en-v1.5'

    """
    identify = getattr(embedding, "embedding_model_id", None)
    if callable(identify):
        value = identify()
        if isinstance(value, str) and value:
            return value
    for attribute in ("model", "model_name"):
        value = getattr(embedding, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def _former_names(embedding: Any) -> set[str]:
    """Names an older hf_tools recorded for this embedder's vector space: its endpoint URL."""
    endpoint = getattr(embedding, "endpoint", None)
    return {endpoint} if isinstance(endpoint, str) else set()


DEFAULT_COLLECTION = "hf_tools"
LOCK_FILE = ".hf-tools-write.lock"


class HFStoreError(HFError):
    """The vector store failed or could not be reached (a Chroma server down, a database error)."""


class HFStoreBusyError(HFStoreError):
    """Another process holds the write lock of an embedded Chroma database."""


def store_failure_types() -> tuple[type[BaseException], ...]:
    """What a chromadb client raises when its database or server fails (not our own errors)."""
    import httpx
    from chromadb.errors import ChromaError

    return (httpx.HTTPError, ChromaError, ConnectionError)


@contextmanager
def database_lock(
    path: str | Path, *, timeout: float | None = 300.0, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the inter-process write lock of the embedded Chroma database at ``path``.

    Embedded Chroma is thread-safe but not process-safe: two processes writing to one folder
    corrupt it. Writers (:func:`~hf_tools.rag.ingest.ingest_files`, ``hf-tools ingest``) take this
    lock (a ``filelock`` lock file, ``LOCK_FILE`` in the folder); a second writer waits up to
    ``timeout`` seconds (``None``: no limit, ``0``: not at all) and then raises
    :class:`HFStoreBusyError`. The lock is re-entrant within a process.

    Args:
        path: the database folder (created if missing).
        timeout: seconds to wait for another writer.
        on_wait: called once with a message when the lock is held elsewhere and we wait.

    """
    from filelock import FileLock, Timeout

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / LOCK_FILE
    # one lock object per file in this process: re-entrant across threads and nested writers
    lock = FileLock(str(lock_path), thread_local=False, is_singleton=True)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if timeout == 0:
                raise
            if on_wait is not None:
                limit = "" if timeout is None else f" (at most {timeout:g}s)"
                on_wait(f"another process is writing to the Chroma database at {folder}; waiting{limit}")
            lock.acquire(timeout=-1 if timeout is None else timeout)
    except Timeout as exc:
        raise HFStoreBusyError(
            f"another process is writing to the Chroma database at {folder} (lock file {lock_path}); "
            f"gave up after {timeout:g}s. Run the ingests one after the other, wait longer, or use a Chroma "
            "server (chroma run; --chroma-url) for concurrent writers."
        ) from exc
    try:
        yield
    finally:
        lock.release()


class ChromaRetriever(VectorStoreRetriever):
    """A vector store retriever whose result count is the field ``k`` (overridable per call).

    Example:
        >>> from langchain_core.embeddings import DeterministicFakeEmbedding
        >>> from hf_tools import chroma_store
        >>> store = chroma_store(DeterministicFakeEmbedding(size=8), collection="doc_retriever")
        >>> _ = store.add_texts(["alpha", "beta", "gamma"])
        >>> retriever = store.as_retriever(k=2)
        >>> len(retriever.invoke("alpha")), len(retriever.invoke("alpha", k=1))
        (2, 1)

    """

    k: int = Field(default=4, ge=1, description="Number of documents to return.")

    @model_validator(mode="after")
    def _k_into_search_kwargs(self) -> ChromaRetriever:
        self.search_kwargs = {"k": self.k, **self.search_kwargs}
        return self


def chroma_client(path: str | None = None, url: str | None = None) -> ClientAPI:
    """A chromadb client: a server at ``url`` (``http://host:port``), else persistent at ``path``,
    else in memory.

    Raises:
        HFInputError: both given, or a URL that is not ``http(s)://host[:port]``.

    """
    if path is not None and url is not None:
        raise HFInputError("give a Chroma path or a Chroma server URL, not both")
    if url is not None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise HFInputError(f"Chroma URL must look like http://host:port, got {url!r}")
        ssl = parsed.scheme == "https"
        port = parsed.port or (443 if ssl else 8000)
        try:
            return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=ssl)
        except (ValueError, *store_failure_types()) as exc:  # type: ignore[misc]
            raise HFStoreError(f"cannot reach the Chroma server at {url}: {exc}") from exc
    if path is not None:
        return chromadb.PersistentClient(path=str(path))
    return chromadb.EphemeralClient()


class HFChroma(Chroma):
    """langchain-chroma's ``Chroma`` with cosine distance, batched writes and :class:`ChromaRetriever`.

    Build it with :func:`chroma_store`.

    Example:
        >>> from langchain_core.embeddings import DeterministicFakeEmbedding
        >>> from hf_tools import chroma_store
        >>> store = chroma_store(DeterministicFakeEmbedding(size=8), collection="doc_store")
        >>> store.add_texts(["a", "b"], metadatas=[{"lang": "x"}, {"lang": "y"}], ids=["1", "2"])
        ['1', '2']
        >>> [d.id for d in store.similarity_search("a", k=2, filter={"lang": "y"})]
        ['2']
        >>> store.distance
        'cosine'

    """

    @property
    def client(self) -> ClientAPI:
        """The chromadb client."""
        client: ClientAPI = self._client
        return client

    @property
    def collection(self) -> chromadb.Collection:
        """The chromadb collection."""
        return self._collection

    @property
    def distance(self) -> str:
        """The collection's distance function (``cosine``, ``l2`` or ``ip``)."""
        hnsw = self._collection.configuration.get("hnsw") or {}
        return str(hnsw.get("space") or "l2")

    @property
    def persist_directory(self) -> str | None:
        """The folder of an embedded, persistent database (``None`` for a server or in memory)."""
        settings = self._client.get_settings()
        if settings.is_persistent and not settings.chroma_server_host:
            return str(settings.persist_directory)
        return None

    @property
    def location(self) -> str:
        """Where the records live, for messages: a server URL, a database folder or memory."""
        settings = self._client.get_settings()
        if settings.chroma_server_host:
            scheme = "https" if settings.chroma_server_ssl_enabled else "http"
            return f"the Chroma server at {scheme}://{settings.chroma_server_host}:{settings.chroma_server_http_port}"
        folder = self.persist_directory
        return f"the Chroma database at {folder}" if folder else "the in-memory Chroma"

    @contextmanager
    def failures(self, doing: str, *, resumable: bool = False) -> Iterator[None]:
        """Turn a chromadb or transport failure into :class:`HFStoreError` saying what failed."""
        try:
            yield
        except store_failure_types() as exc:
            hint = (
                " Nothing already stored is lost: run the same ingest again to resume (only missing chunks are"
                " added, then stale ones removed)."
                if resumable
                else ""
            )
            raise HFStoreError(f"{self.location} failed while {doing}: {type(exc).__name__}: {exc}.{hint}") from exc

    @property
    def max_batch_size(self) -> int:
        """The most records one write may carry."""
        return int(self._client.get_max_batch_size())

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[Any, Any]] | None = None,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed and store ``texts``, in writes no larger than :attr:`max_batch_size`."""
        items = list(texts)
        size = self.max_batch_size
        if len(items) <= size:
            return super().add_texts(items, metadatas=metadatas, ids=ids, **kwargs)
        out: list[str] = []
        for start in range(0, len(items), size):
            end = start + size
            out += super().add_texts(
                items[start:end],
                metadatas=metadatas[start:end] if metadatas else None,
                ids=ids[start:end] if ids else None,
                **kwargs,
            )
        return out

    def upsert_vectors(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        vectors: Sequence[Sequence[float]],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        """Store precomputed vectors (no embedding call), in writes of at most :attr:`max_batch_size`."""
        if not (len(ids) == len(texts) == len(vectors) == len(metadatas)):
            raise HFInputError("ids, texts, vectors and metadatas must have the same length")
        import numpy as np

        size = self.max_batch_size
        for start in range(0, len(ids), size):
            end = start + size
            self._collection.upsert(
                ids=list(ids[start:end]),
                documents=list(texts[start:end]),
                # one float32 array: chromadb validates it at once instead of float by float
                embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                metadatas=list(metadatas[start:end]),  # type: ignore[arg-type]
            )

    def ids_where(self, where: dict[str, Any] | None = None) -> set[str]:
        """Ids of the records matching a metadata filter (all records without one)."""
        result = self._collection.get(where=where, include=[])  # type: ignore[arg-type]
        return set(result["ids"])

    def digests_where(self, where: dict[str, Any]) -> dict[str, str | None]:
        """``{id: file_sha256}`` of the records matching a metadata filter."""
        result = self._collection.get(where=where, include=["metadatas"])  # type: ignore[arg-type,list-item]
        stored: list[Any] | None = result["metadatas"]  # type: ignore[assignment]
        metas = stored or [None] * len(result["ids"])
        pairs = zip(result["ids"], metas, strict=True)
        return {i: (str(m["file_sha256"]) if m and "file_sha256" in m else None) for i, m in pairs}

    def metadatas_where(self, where: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """``{id: metadata}`` of the records matching a metadata filter."""
        result = self._collection.get(where=where, include=["metadatas"])  # type: ignore[arg-type,list-item]
        stored: list[Any] | None = result["metadatas"]  # type: ignore[assignment]
        metas = stored or [None] * len(result["ids"])
        return {i: dict(m or {}) for i, m in zip(result["ids"], metas, strict=True)}

    def update_metadatas(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        """Rewrite the metadata of stored records (no embedding call; documents and vectors kept),
        in writes of at most :attr:`max_batch_size`. Chroma merges metadata: a key set to ``None``
        is removed.
        """
        if len(ids) != len(metadatas):
            raise HFInputError("ids and metadatas must have the same length")
        size = self.max_batch_size
        for start in range(0, len(ids), size):
            end = start + size
            self._collection.update(ids=list(ids[start:end]), metadatas=list(metadatas[start:end]))  # type: ignore[arg-type]

    def sources(self, page: int | None = None) -> set[str]:
        """Every ``source`` in the collection (read in pages of ``page`` records)."""
        size = page or self.max_batch_size
        found: set[str] = set()
        offset = 0
        while True:
            result = self._collection.get(include=["metadatas"], limit=size, offset=offset)  # type: ignore[list-item]
            metas = result["metadatas"] or []
            found.update(str(m["source"]) for m in metas if m and "source" in m)
            if len(result["ids"]) < size:
                return found
            offset += size

    def delete_ids(self, ids: Iterable[str]) -> None:
        """Delete records by id, in batches of at most :attr:`max_batch_size`."""
        items = list(ids)
        size = self.max_batch_size
        for start in range(0, len(items), size):
            self._collection.delete(ids=items[start : start + size])

    def as_retriever(self, **kwargs: Any) -> ChromaRetriever:
        """A :class:`ChromaRetriever` (``k``, ``search_type`` "similarity"/"mmr"/
        "similarity_score_threshold", ``search_kwargs`` such as ``filter`` or ``fetch_k``).
        """
        tags = kwargs.pop("tags", None) or [*self._get_retriever_tags()]
        return ChromaRetriever(vectorstore=self, tags=tags, **kwargs)


def chroma_store(
    embedding: Embeddings,
    *,
    path: str | None = None,
    url: str | None = None,
    collection: str = DEFAULT_COLLECTION,
    client: ClientAPI | None = None,
    distance: str = "cosine",
    metadata: dict[str, Any] | None = None,
) -> HFChroma:
    """Open (or create) a Chroma collection as an :class:`HFChroma` store.

    Args:
        embedding: the LangChain embedder for texts and queries.
        path: directory of an embedded, persistent Chroma.
        url: a Chroma server, ``http://host:port`` (instead of ``path``).
        collection: the collection name.
        client: an existing chromadb client (instead of ``path``/``url``).
        distance: ``cosine`` (default), ``l2`` or ``ip``, for a new collection.
        metadata: metadata of a new collection. What identifies the embedder's vector space
            (:func:`embedding_model_of`: for an endpoint, the model it serves, not its URL) is
            recorded under ``"hf_tools:embedding_model"``.

    Raises:
        EmbeddingModelMismatchError: the collection was filled by another embedding model.

    Without ``path``, ``url`` or ``client`` the store lives in memory.

    Example:
        >>> from langchain_core.embeddings import DeterministicFakeEmbedding
        >>> chroma_store(DeterministicFakeEmbedding(size=8), collection="doc_open").distance
        'cosine'

    """
    if distance not in ("cosine", "l2", "ip"):
        raise HFInputError(f"distance must be cosine, l2 or ip, not {distance!r}")
    chroma = client if client is not None else chroma_client(path, url)
    model = embedding_model_of(embedding)
    if model is not None:
        metadata = {**(metadata or {}), EMBEDDING_MODEL_KEY: model}
    store = HFChroma(
        collection_name=collection,
        embedding_function=embedding,
        client=chroma,
        collection_metadata=metadata,
        collection_configuration={"hnsw": {"space": distance}},  # type: ignore[arg-type,typeddict-item]
    )
    if model is not None:
        _check_embedding_model(store, collection, model, _former_names(embedding))
    return store


def _check_embedding_model(store: HFChroma, collection: str, model: str, former: set[str]) -> None:
    """Refuse a collection another embedding model filled; record the model in one that has none
    (or that holds a former name of this very embedder, such as its endpoint URL).
    """
    chroma_collection = store._collection
    existing = dict(chroma_collection.metadata or {})
    stored = existing.get(EMBEDDING_MODEL_KEY)
    if stored is None:
        if chroma_collection.count() == 0:  # a filled collection without the key: its model is unknown
            chroma_collection.modify(metadata={**existing, EMBEDDING_MODEL_KEY: model})
        return
    if stored != model and stored in former:
        chroma_collection.modify(metadata={**existing, EMBEDDING_MODEL_KEY: model})
        return
    if stored != model:
        raise EmbeddingModelMismatchError(
            f"collection {collection!r} holds vectors of the embedding model {stored!r}; opening it with"
            f" {model!r} would mix two vector spaces. Open it with the same model, or use another collection.",
            stored=str(stored),
            given=model,
        )
