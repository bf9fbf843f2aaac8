r"""Idempotent, resumable ingestion of files and folders into an :class:`~hf_tools.rag.vectorstores.HFChroma`.

* Each file is split with langchain-text-splitters (Markdown-aware for ``.md``).
* A chunk's id is a hash of its source and its text (and which repeat of that text in the file
  it is), so re-ingesting unchanged files adds nothing, and a changed file's new chunks are
  added before its stale ones are removed.
* After any re-ingest the collection equals a fresh ingest of the same files (ids, documents,
  metadata, vectors): a chunk whose text did not change keeps its id and vector (it is not
  embedded again), and its metadata (``start_index``, ``chunk``, ``file_sha256``, ...) is
  rewritten where the file around it changed.
* Because ids are deterministic and stale chunks go last, an interrupted run loses nothing
  and duplicates nothing: running it again stores only what is missing.
* Embedding runs ahead of storage in worker threads, so the two overlap.
* A file that cannot be read is reported in the summary and skipped.
* Files deleted from a folder lose their chunks the next time that folder is ingested.
* A file stored only in part by an interrupted run is reported as *resumed*, not changed.
* Writers of one embedded database take an inter-process lock
  (:func:`~hf_tools.rag.vectorstores.database_lock`); a failing Chroma server raises
  :class:`~hf_tools.rag.vectorstores.HFStoreError`, and re-running resumes.

Example:
    >>> import tempfile, pathlib
    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> from hf_tools import chroma_store, ingest_files
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.md").write_text("# Cats\n\nCats purr when they are content.")
    >>> _ = (folder / "b.bin").write_bytes(b"\x00\x01")
    >>> store = chroma_store(DeterministicFakeEmbedding(size=8), collection="doc_ingest")
    >>> first = ingest_files([folder, folder / "b.bin"], store)
    >>> first.chunks_added, first.files_new, [reason for _, reason in first.skipped]
    (1, 1, ["unsupported file type '.bin'"])
    >>> ingest_files([folder], store).chunks_added
    0

"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hf_tools.errors import HFInputError
from hf_tools.rag.loaders import LoadedFile, UnusableFileError, iter_files, load_file
from hf_tools.rag.vectorstores import HFChroma, database_lock

__all__ = ["Chunk", "FilePlan", "IngestReport", "chunk_file", "ingest_files", "plan_file", "removed_sources"]


@dataclass(frozen=True)
class Chunk:
    """One piece of a file, ready to store."""

    id: str
    text: str
    metadata: dict[str, Any]


@dataclass
class IngestReport:
    """What one ingestion did.

    Attributes:
        files_new / files_changed / files_unchanged: files by what happened to them.
        files_resumed: files an interrupted run had stored in part (now completed).
        files_removed: files gone from an ingested folder, whose chunks were removed.
        skipped: ``(path, reason)`` of each file that could not be used.
        chunks_added / chunks_removed / chunks_unchanged: chunk counts (unchanged: the text was
            already stored, so it was not embedded again).
        chunks_updated: unchanged chunks whose metadata was rewritten (their position or their
            file's digest changed), without embedding them again.
        seconds: wall time.

    """

    files_new: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_resumed: int = 0
    files_removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    chunks_updated: int = 0
    seconds: float = 0.0

    @property
    def files(self) -> int:
        """Files ingested (skipped ones not counted)."""
        return self.files_new + self.files_changed + self.files_resumed + self.files_unchanged

    def count(self, status: str) -> None:
        """Count one file as ``new``, ``changed``, ``resumed``, ``unchanged`` or ``removed``."""
        name = f"files_{status}"
        setattr(self, name, getattr(self, name) + 1)

    def summary(self) -> str:
        """A few lines for people."""
        resumed = f"{self.files_resumed} resumed, " if self.files_resumed else ""
        removed = f", {self.files_removed} removed" if self.files_removed else ""
        updated = f" ({self.chunks_updated} with new metadata)" if self.chunks_updated else ""
        lines = [
            f"files: {self.files} ({self.files_new} new, {self.files_changed} changed, {resumed}"
            f"{self.files_unchanged} unchanged, {len(self.skipped)} skipped{removed})",
            f"chunks: {self.chunks_added} added, {self.chunks_removed} removed, {self.chunks_unchanged} unchanged"
            f"{updated}",
            f"time: {self.seconds:.2f}s",
        ]
        lines += [f"skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)


def _splitter(kind: str, chunk_size: int, chunk_overlap: int) -> Any:
    from langchain_text_splitters import Language, RecursiveCharacterTextSplitter

    if kind == "markdown":
        return RecursiveCharacterTextSplitter.from_language(
            Language.MARKDOWN, chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True
        )
    return RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True)


def source_of(path: Path) -> str:
    """The ``source`` recorded for a file: its absolute path."""
    return path.resolve().as_posix()


def chunk_file(loaded: LoadedFile, *, chunk_size: int = 1000, chunk_overlap: int = 150) -> list[Chunk]:
    r"""Split a loaded file into chunks with content-derived ids.

    Example:
        >>> from pathlib import Path
        >>> from hf_tools.rag.loaders import LoadedFile
        >>> f = LoadedFile(Path("/notes.txt"), "text", [("same\n\nsame", {})])
        >>> [c.text for c in chunk_file(f, chunk_size=5, chunk_overlap=0)]
        ['same', 'same']
        >>> len({c.id for c in chunk_file(f, chunk_size=5, chunk_overlap=0)})
        2

    """
    source = source_of(loaded.path)
    digest = hashlib.sha256(loaded.raw_bytes).hexdigest()
    splitter = _splitter(loaded.kind, chunk_size, chunk_overlap)
    seen: dict[str, int] = {}
    chunks: list[Chunk] = []
    for text, part_meta in loaded.parts:
        for doc in splitter.create_documents([text], metadatas=[part_meta]):
            body = doc.page_content
            repeat = seen.get(body, 0)
            seen[body] = repeat + 1
            key = hashlib.sha256(f"{source}\x00{repeat}\x00{body}".encode()).hexdigest()[:32]
            metadata = {
                **doc.metadata,
                "source": source,
                "file_name": loaded.path.name,
                "file_sha256": digest,
                "chunk": len(chunks),
            }
            chunks.append(Chunk(id=key, text=body, metadata=metadata))
    return chunks


@dataclass
class FilePlan:
    """What ingesting one file takes.

    Attributes:
        status: ``new``, ``changed``, ``resumed`` or ``unchanged``.
        fresh: chunks not yet stored (to embed and store).
        stale: ids of stored chunks the file no longer has (to remove).
        unchanged: how many chunks are stored already (not embedded again).
        relabel: stored chunks whose metadata differs from the file's now, each with the metadata
            to write (keys no longer present set to ``None``, which removes them).

    """

    status: str
    fresh: list[Chunk]
    stale: set[str]
    unchanged: int
    relabel: list[Chunk] = field(default_factory=list)


def _relabelled(chunk: Chunk, stored: dict[str, Any]) -> Chunk | None:
    """The metadata update that makes a stored chunk equal ``chunk``, or None when it does."""
    if stored == chunk.metadata:
        return None
    gone = {key: None for key in stored if key not in chunk.metadata}
    return Chunk(id=chunk.id, text=chunk.text, metadata={**chunk.metadata, **gone})


def plan_file(chunks: list[Chunk], stored: dict[str, dict[str, Any]]) -> FilePlan:
    """Compare a file's chunks with what is stored for its source (``{id: metadata}``).

    ``new``: nothing stored; ``unchanged``: the same file content, all stored, nothing stale;
    ``resumed``: only some chunks stored, all from this very file content (an interrupted run);
    ``changed``: otherwise. Stored chunks whose text is unchanged but whose metadata differs
    (their position or the file's digest changed) are listed in ``relabel``.

    Example:
        >>> c = [Chunk("a", "x", {"file_sha256": "h"}), Chunk("b", "y", {"file_sha256": "h"})]
        >>> same = {"file_sha256": "h"}
        >>> plan_file(c, {}).status, plan_file(c, {"a": same, "b": same}).status
        ('new', 'unchanged')
        >>> plan_file(c, {"a": same}).status, plan_file(c, {"z": {"file_sha256": "old"}}).stale
        ('resumed', {'z'})
        >>> changed = plan_file(c, {"a": {"file_sha256": "old", "start_index": 9}})
        >>> changed.status, [(r.id, r.metadata) for r in changed.relabel]
        ('changed', [('a', {'file_sha256': 'h', 'start_index': None})])

    """
    new_ids = {c.id for c in chunks}
    fresh = [c for c in chunks if c.id not in stored]
    stale = set(stored) - new_ids
    relabel = [r for c in chunks if c.id in stored and (r := _relabelled(c, stored[c.id])) is not None]
    digest = chunks[0].metadata.get("file_sha256") if chunks else None
    same_content = all(meta.get("file_sha256") == digest for meta in stored.values())
    if not stored:
        status = "new"
    elif not fresh and not stale and same_content:
        status = "unchanged"
    elif not stale and same_content:
        status = "resumed"
    else:
        status = "changed"
    return FilePlan(status=status, fresh=fresh, stale=stale, unchanged=len(chunks) - len(fresh), relabel=relabel)


def removed_sources(paths: Iterable[str | Path], stored_sources: Iterable[str]) -> list[str]:
    """Stored sources under one of the given folders whose file no longer exists."""
    roots = [source_of(Path(p)) for p in paths if Path(p).is_dir()]
    prefixes = tuple(root.rstrip("/") + "/" for root in roots)
    if not prefixes:
        return []
    return sorted(s for s in stored_sources if s.startswith(prefixes) and not os.path.lexists(s))


def _batches(items: list[Chunk], size: int) -> Iterator[list[Chunk]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _progress(total: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="chunk", desc="embedding + storing", disable=not enabled or total == 0)


def ingest_files(
    paths: Iterable[str | Path],
    store: HFChroma,
    *,
    chunk_size: int = 1000,
    chunk_overlap: int = 150,
    write_batch: int = 512,
    embed_ahead: int = 2,
    progress: bool = False,
    lock_timeout: float | None = 300.0,
) -> IngestReport:
    """Ingest files and folders (txt, md, html, pdf) into ``store``.

    Args:
        paths: files and folders (searched recursively; hidden entries skipped). Chunks of files
            that were ingested from a given folder and no longer exist are removed.
        store: the vector store; its embedder embeds the chunks.
        chunk_size: most characters per chunk.
        chunk_overlap: characters shared by neighbouring chunks.
        write_batch: chunks embedded and stored together.
        embed_ahead: batches being embedded while one is stored (storage is the slow part; the
            embedder's own ``max_concurrency`` applies within each batch).
        progress: show a progress bar (on stderr).
        lock_timeout: for an embedded database, seconds to wait while another process writes to
            it (``None``: no limit); then :class:`~hf_tools.rag.vectorstores.HFStoreBusyError`.

    Returns:
        An :class:`IngestReport`.

    Raises:
        HFStoreError: the Chroma server or database failed; what was stored stays, and running
            the same ingest again resumes.

    """
    if chunk_overlap >= chunk_size:
        raise HFInputError("chunk_overlap must be smaller than chunk_size")
    if write_batch < 1 or embed_ahead < 1:
        raise HFInputError("write_batch and embed_ahead must be at least 1")
    if store.embeddings is None:
        raise HFInputError("the store has no embedding function")
    paths = list(paths)
    folder = store.persist_directory
    if folder is None:
        return _ingest(paths, store, chunk_size, chunk_overlap, write_batch, embed_ahead, progress)
    with database_lock(folder, timeout=lock_timeout):
        return _ingest(paths, store, chunk_size, chunk_overlap, write_batch, embed_ahead, progress)


def _ingest(
    paths: list[str | Path],
    store: HFChroma,
    chunk_size: int,
    chunk_overlap: int,
    write_batch: int,
    embed_ahead: int,
    progress: bool,
) -> IngestReport:
    embedder = store.embeddings
    assert embedder is not None
    started = time.perf_counter()
    report = IngestReport()
    pending: list[Chunk] = []
    relabel: list[Chunk] = []
    stale: set[str] = set()
    with store.failures("reading what is stored"):
        empty_store = store.collection.count() == 0  # nothing to compare with: skip the per-file look-ups
    for path in iter_files(paths):
        try:
            loaded = load_file(path)
        except UnusableFileError as exc:
            report.skipped.append((str(path), exc.reason))
            continue
        chunks = chunk_file(loaded, chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        with store.failures("reading what is stored", resumable=True):
            stored = store.metadatas_where({"source": source_of(path)}) if not empty_store else {}
        plan = plan_file(chunks, stored)
        report.count(plan.status)
        report.chunks_unchanged += plan.unchanged
        pending += plan.fresh
        relabel += plan.relabel
        stale |= plan.stale
    if not empty_store and any(Path(p).is_dir() for p in paths):  # only folders lose deleted files
        with store.failures("listing the stored files", resumable=True):
            for source in removed_sources(paths, store.sources()):
                report.count("removed")
                stale |= store.ids_where({"source": source})
    bar = _progress(len(pending), progress)
    try:
        with ThreadPoolExecutor(max_workers=embed_ahead, thread_name_prefix="hf-ingest-embed") as ahead:
            batches = iter(list(_batches(pending, write_batch)))
            queued: deque[tuple[list[Chunk], Future[list[list[float]]]]] = deque()

            def submit_next() -> None:
                batch = next(batches, None)
                if batch is not None:
                    queued.append((batch, ahead.submit(embedder.embed_documents, [c.text for c in batch])))

            for _ in range(embed_ahead):
                submit_next()
            while queued:
                batch, future = queued.popleft()
                vectors = future.result()
                submit_next()
                texts = [c.text for c in batch]
                doing = f"storing chunks ({report.chunks_added} of {len(pending)} stored so far)"
                with store.failures(doing, resumable=True):
                    store.upsert_vectors([c.id for c in batch], texts, vectors, [c.metadata for c in batch])
                report.chunks_added += len(batch)
                bar.update(len(batch))
    finally:
        bar.close()
    with store.failures(f"updating the metadata of {len(relabel)} unchanged chunks", resumable=True):
        store.update_metadatas([c.id for c in relabel], [c.metadata for c in relabel])
    report.chunks_updated = len(relabel)
    with store.failures(f"removing {len(stale)} stale chunks", resumable=True):
        store.delete_ids(sorted(stale))
    report.chunks_removed = len(stale)
    report.seconds = time.perf_counter() - started
    return report
