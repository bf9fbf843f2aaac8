"""Distributed ingestion on Ray Data into a Chroma server: :func:`ingest_files_ray`.

The pipeline::

    driver: list the files, read what the collection holds ({source: {id: metadata}})
      → parse + chunk  (Ray tasks: the same loaders, splitter, ids and metadata as ingest_files)
      → embed          (Ray actors: the store's embedder, e.g. HFInferenceEmbeddings on TEI)
      → store          (Ray actors: upserts to the Chroma server, in writes under its max batch size)
    driver: count the report; rewrite the metadata of unchanged chunks whose file changed around
      them (no embedding); then remove stale chunks and the chunks of deleted files.

It converges on the very collection :func:`~hf_tools.rag.ingest.ingest_files` builds (same ids,
documents, metadata and vectors), and a retried Ray task changes nothing: planning is a pure
function of the files and of the snapshot read at the start, ids are content hashes, writes are
upserts, and stale chunks are removed only after every new chunk is stored. So a run that is
interrupted (a worker killed, the Chroma server down) is resumed by running it again.

Only a Chroma server can take writes from several processes: an embedded database is refused.
On a cluster, every node needs hf_tools installed, the files at the same paths (a shared
filesystem) and network access to the Chroma server and the embedding endpoint.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from hf_tools.errors import HFError, HFInputError
from hf_tools.rag.ingest import IngestReport, chunk_file, plan_file, removed_sources, source_of
from hf_tools.rag.loaders import UnusableFileError, iter_files, load_file
from hf_tools.rag.vectorstores import HFChroma, HFStoreError, chroma_client, store_failure_types
from hf_tools.ray.runtime import init_ray, ray_data, ray_data_context

__all__ = ["ingest_files_ray", "stored_snapshot"]

# the columns every row carries between stages; a row is a chunk to store or one file's outcome
_CHUNK, _FILE, _WRITTEN = "chunk", "file", "written"


def _row(kind: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": kind, "id": "", "text": "", "metadata": "", "vector": b""}
    row |= {"path": "", "status": "", "reason": "", "count": 0, "stale": "", "relabel": ""}
    row.update(values)
    return row


def _columns(rows: list[dict[str, Any]], names: Iterable[str]) -> dict[str, list[Any]]:
    return {name: [r[name] for r in rows] for name in names}


_ALL = ("kind", "id", "text", "metadata", "vector", "path", "status", "reason", "count", "stale", "relabel")
_REPORT = ("kind", "path", "status", "reason", "count", "stale", "relabel")


def stored_snapshot(store: HFChroma, page: int | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """What the collection holds, by source: ``{source: {id: metadata}}`` (read in pages)."""
    size = page or store.max_batch_size
    found: dict[str, dict[str, dict[str, Any]]] = {}
    offset = 0
    while True:
        result = store.collection.get(include=["metadatas"], limit=size, offset=offset)  # type: ignore[list-item]
        given: list[Any] | None = result["metadatas"]  # type: ignore[assignment]
        metas = given or [None] * len(result["ids"])
        for key, meta in zip(result["ids"], metas, strict=True):
            if meta and "source" in meta:
                found.setdefault(str(meta["source"]), {})[key] = dict(meta)
        if len(result["ids"]) < size:
            return found
        offset += size


def _plan_batch(batch: dict[str, Any], chunk_size: int, chunk_overlap: int) -> dict[str, list[Any]]:
    """Parse and chunk files; one ``file`` row per file and one ``chunk`` row per chunk to store."""
    rows: list[dict[str, Any]] = []
    for path_value, stored_json in zip(batch["path"], batch["stored"], strict=True):
        path = Path(str(path_value))
        try:
            loaded = load_file(path)
        except UnusableFileError as exc:
            rows.append(_row(_FILE, path=str(path), status="skipped", reason=exc.reason))
            continue
        chunks = chunk_file(loaded, chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        plan = plan_file(chunks, json.loads(str(stored_json)))
        relabel = json.dumps({c.id: c.metadata for c in plan.relabel})
        stale = json.dumps(sorted(plan.stale))
        rows.append(_row(_FILE, path=str(path), status=plan.status, count=plan.unchanged, stale=stale, relabel=relabel))
        rows += [_row(_CHUNK, id=c.id, text=c.text, metadata=json.dumps(c.metadata)) for c in plan.fresh]
    return _columns(rows, _ALL)


class _Embed:
    """Embeds the ``chunk`` rows of a block (float32 bytes in ``vector``); other rows pass through."""

    def __init__(self, embedder: Any) -> None:
        import numpy  # noqa: F401 - import before fanning out (huggingface_hub 1.x lazy-import race)

        self.embedder = embedder

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        kinds = [str(k) for k in batch["kind"]]
        picks = [i for i, k in enumerate(kinds) if k == _CHUNK]
        vectors: list[bytes] = [b""] * len(kinds)
        if picks:
            embedded = self.embedder.embed_documents([str(batch["text"][i]) for i in picks])
            array = np.asarray(embedded, dtype=np.float32)
            for row, i in enumerate(picks):
                vectors[i] = array[row].tobytes()
        return {**batch, "vector": vectors}


class _Store:
    """Upserts the ``chunk`` rows of a block into the Chroma server; passes ``file`` rows on and
    reports the stored count in one ``written`` row.
    """

    attempts = 3

    def __init__(self, url: str, collection: str) -> None:
        client = chroma_client(url=url)
        self.url = url
        self.collection = client.get_collection(collection)
        self.max_batch = int(client.get_max_batch_size())

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        import numpy as np

        rows = [dict(zip(batch, values, strict=True)) for values in zip(*batch.values(), strict=True)]
        chunks = [r for r in rows if r["kind"] == _CHUNK]
        for start in range(0, len(chunks), self.max_batch):
            part = chunks[start : start + self.max_batch]
            records: dict[str, Any] = {
                "ids": [str(r["id"]) for r in part],
                "documents": [str(r["text"]) for r in part],
                "embeddings": np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in part]),
                "metadatas": [json.loads(str(r["metadata"])) for r in part],
            }
            for attempt in range(1, self.attempts + 1):
                try:
                    self.collection.upsert(**records)
                    break
                except store_failure_types() as exc:  # an upsert is idempotent: try again, then give up
                    if attempt == self.attempts:
                        raise HFStoreError(
                            f"the Chroma server at {self.url} failed while storing chunks ({self.attempts} attempts):"
                            f" {type(exc).__name__}: {exc}"
                        ) from exc
                    time.sleep(0.5 * 2**attempt)
        out = [_row(_FILE, **{k: r[k] for k in _REPORT if k != "kind"}) for r in rows if r["kind"] == _FILE]
        if chunks:
            out.append(_row(_WRITTEN, count=len(chunks)))
        return _columns(out, _REPORT)


def _server_url(store: HFChroma) -> str:
    settings = store.client.get_settings()
    if not settings.chroma_server_host:
        raise HFInputError(
            "ingest_files_ray writes from many processes, so it needs a Chroma server (chroma_store(url=...)); "
            "an embedded database is not process-safe: use ingest_files for it"
        )
    scheme = "https" if settings.chroma_server_ssl_enabled else "http"
    return f"{scheme}://{settings.chroma_server_host}:{settings.chroma_server_http_port}"


_REMOTE_ERROR = re.compile(r"^hf_tools(?:\.\w+)*\.(HF\w+Error): (.+)$", re.MULTILINE)


def _worker_error(exc: BaseException) -> HFError | None:
    """Our own error behind Ray's wrappers. Ray ships a worker's exception as text
    (``RayTaskError`` → ``UserCodeException``, the original not attached), so it is found in the
    remote traceback and rebuilt with the same class and message.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    texts: list[str] = []
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, HFError):
            return current
        texts += [str(current), str(getattr(current, "traceback_str", "") or "")]
        current = current.__cause__ or getattr(current, "cause", None) or current.__context__
    found = [m for text in texts for m in _REMOTE_ERROR.finditer(text)]
    if not found:
        return None
    name, message = found[-1].group(1), found[-1].group(2)
    import hf_tools.errors as errors
    import hf_tools.rag.vectorstores as stores

    cls = getattr(stores, name, None) or getattr(errors, name, None)
    try:
        return cls(message) if isinstance(cls, type) and issubclass(cls, HFError) else HFError(f"{name}: {message}")
    except TypeError:  # a subclass with required fields
        return HFError(f"{name}: {message}")


def _iter_rows(ds: Any) -> Iterator[dict[str, Any]]:
    for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
        names = list(batch)
        for values in zip(*(batch[n] for n in names), strict=True):
            yield dict(zip(names, values, strict=True))


def _collect(ds: Any, report: IngestReport, stale: set[str], relabel: dict[str, dict[str, Any]]) -> None:
    """Run the pipeline and count its rows into ``report`` (stale ids into ``stale``, metadata to
    rewrite into ``relabel``).
    """
    with warnings.catch_warnings():
        # Ray Data warns when a small job cannot keep every worker busy
        warnings.filterwarnings("ignore", message="The minimum number of concurrent actors")
        for row in _iter_rows(ds):
            if str(row["kind"]) == _WRITTEN:
                report.chunks_added += int(row["count"])
            elif str(row["status"]) == "skipped":
                report.skipped.append((str(row["path"]), str(row["reason"])))
            else:
                report.count(str(row["status"]))
                report.chunks_unchanged += int(row["count"])
                stale.update(json.loads(str(row["stale"])))
                relabel.update(json.loads(str(row["relabel"]) or "{}"))


def ingest_files_ray(
    paths: Iterable[str | Path],
    store: HFChroma,
    *,
    chunk_size: int = 1000,
    chunk_overlap: int = 150,
    write_batch: int = 512,
    embed_workers: int = 2,
    store_workers: int = 1,
    files_per_task: int = 8,
    progress: bool = False,
    address: str | None = None,
) -> IngestReport:
    """Ingest files and folders into ``store`` (a Chroma server) with Ray Data workers.

    The same files, chunks, ids, metadata and vectors as :func:`~hf_tools.rag.ingest.ingest_files`
    with the same ``chunk_size``/``chunk_overlap``, and the same :class:`IngestReport`.

    Args:
        paths: files and folders (on a cluster: at the same paths on every node).
        store: an :class:`HFChroma` on a Chroma server (``chroma_store(embedder, url=...)``); its
            embedder is shipped to the embedding workers.
        chunk_size: most characters per chunk (as for ``ingest_files``).
        chunk_overlap: characters shared by neighbouring chunks.
        write_batch: chunks per embedding call and per write.
        embed_workers: embedding workers (each keeps its embedder's ``max_concurrency`` in flight).
        store_workers: workers writing to the Chroma server.
        files_per_task: files parsed by one Ray task.
        progress: Ray Data's progress bars (on stderr).
        address: a Ray cluster to join (else ``RAY_ADDRESS``, else a local Ray).

    Raises:
        HFStoreError: the Chroma server failed; what was stored stays and a re-run resumes.
        HFInputError: an embedded store, or bad arguments.

    """
    if chunk_overlap >= chunk_size:
        raise HFInputError("chunk_overlap must be smaller than chunk_size")
    if min(write_batch, embed_workers, store_workers, files_per_task) < 1:
        raise HFInputError("write_batch, embed_workers, store_workers and files_per_task must be at least 1")
    embedder = store.embeddings
    if embedder is None:
        raise HFInputError("the store has no embedding function")
    url = _server_url(store)
    paths = list(paths)
    started = time.perf_counter()
    with store.failures("reading what is stored"):
        snapshot = stored_snapshot(store)
    files = [str(p) for p in iter_files(paths)]
    report = IngestReport()
    stale: set[str] = set()
    relabel: dict[str, dict[str, Any]] = {}
    if files:
        init_ray(address)
        ray_data_context(progress=progress)
        data = ray_data()
        items = [{"path": f, "stored": json.dumps(snapshot.get(source_of(Path(f)), {}))} for f in files]
        blocks = max(1, min(len(items), -(-len(items) // files_per_task)))
        planned = data.from_items(items, override_num_blocks=blocks).map_batches(
            _plan_batch,
            fn_kwargs={"chunk_size": chunk_size, "chunk_overlap": chunk_overlap},
            batch_size=files_per_task,
            num_cpus=0.5,
        )
        # Ray Data's defaults re-run the block of a task or actor whose worker died (max_retries /
        # max_restarts / max_task_retries -1); our own errors fail the job after their own retries
        embedded = planned.map_batches(
            _Embed,
            fn_constructor_args=(embedder,),
            compute=data.ActorPoolStrategy(size=embed_workers),
            batch_size=write_batch,
            num_cpus=0.25,
        )
        stored = embedded.map_batches(
            _Store,
            fn_constructor_args=(url, store.collection.name),
            compute=data.ActorPoolStrategy(size=store_workers),
            batch_size=write_batch,
            num_cpus=0.25,
        )
        try:
            _collect(stored, report, stale, relabel)
        except Exception as exc:  # Ray wraps the workers' errors: find ours
            hint = " Nothing already stored is lost: run the same ingest again to resume."
            ours = _worker_error(exc)
            if ours is not None:
                ours.message = f"{ours.message.rstrip('.')}.{hint}"
                raise ours from exc
            raise HFStoreError(f"the Ray ingestion failed: {type(exc).__name__}: {exc}.{hint}") from exc
    for source in removed_sources(paths, snapshot):
        report.count("removed")
        stale |= set(snapshot[source])
    with store.failures(f"updating the metadata of {len(relabel)} unchanged chunks", resumable=True):
        store.update_metadatas(list(relabel), list(relabel.values()))
    report.chunks_updated = len(relabel)
    with store.failures(f"removing {len(stale)} stale chunks", resumable=True):
        store.delete_ids(sorted(stale))
    report.chunks_removed = len(stale)
    order = {f: i for i, f in enumerate(files)}
    report.skipped.sort(key=lambda item: order.get(item[0], len(order)))
    report.seconds = time.perf_counter() - started
    return report
