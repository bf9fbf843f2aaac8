"""Loaders and idempotent, resumable ingestion into an embedded Chroma (hash embeddings: no model)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from hf_tools import chroma_store, ingest_files
from hf_tools.errors import HFInputError
from hf_tools.rag.loaders import UnusableFileError, html_to_text, iter_files, load_file
from hf_tools.rag.vectorstores import HFChroma
from hf_tools.testing.hash_embeddings import HashEmbeddings

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def store_at(path: Path, embedder: object | None = None) -> HFChroma:
    return chroma_store(embedder or HashEmbeddings(), path=str(path), collection="docs")  # type: ignore[arg-type]


def snapshot(store: HFChroma) -> dict[str, tuple[str, str]]:
    got = store.collection.get(include=["documents", "metadatas"])
    return {
        i: (doc, str(meta["source"]))
        for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)  # type: ignore[arg-type]
    }


def test_every_kind_loads(corpus: Path) -> None:
    kinds = {p.name: load_file(p).kind for p in iter_files([corpus])}
    assert kinds == {"honeybees.md": "markdown", "lighthouses.html": "html", "tea.pdf": "pdf", "volcanoes.txt": "text"}
    pdf = load_file(corpus / "tea.pdf")
    assert [meta["page"] for _, meta in pdf.parts] == [1, 2]
    assert "Matcha" in pdf.parts[1][0]
    html = load_file(corpus / "lighthouses.html").text
    assert "Augustin-Jean Fresnel" in html and "console.log" not in html and "font-family" not in html


def test_html_blocks_become_lines() -> None:
    assert html_to_text("<p>a</p><p>b <i>c</i></p><script>x()</script>") == "a\nb c"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("blob.txt", b"abc\x00\x01\x02", "binary"),
        ("latin.txt", "café".encode("latin-1"), "not UTF-8"),
        ("empty.md", b"   \n\n", "empty"),
        ("bad.pdf", b"%PDF-1.4 this is not a pdf", "PDF"),
        ("image.png", b"\x89PNG", "unsupported"),
    ],
)
def test_unusable_files_raise_with_a_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnusableFileError, match=reason):
        load_file(path)


def test_bad_files_are_reported_and_skipped_not_fatal(corpus: Path, tmp_path: Path) -> None:
    (corpus / "blob.txt").write_bytes(b"\x00\x01binary")
    (corpus / "empty.md").write_text("")
    (corpus / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    report = ingest_files([corpus], store_at(tmp_path / "db"))
    reasons = dict(report.skipped)
    assert report.files_new == 4
    assert "binary" in reasons[str(corpus / "blob.txt")]
    assert "empty" in reasons[str(corpus / "empty.md")]
    assert "unreadable" in reasons[str(corpus / "dangling.txt")]
    assert "skipped" in report.summary()


def test_reingest_adds_nothing(corpus: Path, tmp_path: Path) -> None:
    store = store_at(tmp_path / "db")
    first = ingest_files([corpus], store, chunk_size=300, chunk_overlap=30)
    assert first.chunks_added > 4 and first.files_new == 4
    before = snapshot(store)
    again = ingest_files([corpus], store_at(tmp_path / "db"), chunk_size=300, chunk_overlap=30)
    assert (again.chunks_added, again.chunks_removed, again.files_unchanged) == (0, 0, 4)
    assert again.chunks_unchanged == first.chunks_added
    assert snapshot(store_at(tmp_path / "db")) == before


def test_changed_file_replaces_its_old_chunks(corpus: Path, tmp_path: Path) -> None:
    store = store_at(tmp_path / "db")
    ingest_files([corpus], store, chunk_size=300, chunk_overlap=30)
    volcano = corpus / "volcanoes.txt"
    volcano.write_text(volcano.read_text().replace("Mauna Loa", "Kilauea") + "\n\nEtna is in Sicily.\n")
    report = ingest_files([corpus], store, chunk_size=300, chunk_overlap=30)
    assert report.files_changed == 1 and report.files_unchanged == 3
    assert report.chunks_added >= 1 and report.chunks_removed >= 1
    texts = [doc for doc, source in snapshot(store).values() if source.endswith("volcanoes.txt")]
    assert not any("Mauna Loa" in t for t in texts)
    assert any("Etna is in Sicily." in t for t in texts)
    fresh = store_at(tmp_path / "fresh")
    ingest_files([corpus], fresh, chunk_size=300, chunk_overlap=30)
    assert snapshot(store) == snapshot(fresh)


class FlakyEmbeddings(HashEmbeddings):
    """Fails on the n-th call, like a run killed half-way."""

    fail_on: int = 2
    calls: list[int] = []  # noqa: RUF012 - test helper shared on purpose

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        if len(self.calls) == self.fail_on:
            raise KeyboardInterrupt("interrupted")
        return super().embed_documents(texts)


def test_interrupted_ingest_resumes_with_nothing_lost_or_duplicated(corpus: Path, tmp_path: Path) -> None:
    FlakyEmbeddings.calls = []
    with pytest.raises(KeyboardInterrupt):
        flaky = store_at(tmp_path / "db", FlakyEmbeddings())
        ingest_files([corpus], flaky, chunk_size=200, chunk_overlap=20, write_batch=3)
    partial = snapshot(store_at(tmp_path / "db"))
    assert len(partial) > 0
    resumed = ingest_files([corpus], store_at(tmp_path / "db"), chunk_size=200, chunk_overlap=20, write_batch=3)
    assert resumed.chunks_unchanged == len(partial)
    # the file stored in part is completed, not "changed" (it did not change)
    assert resumed.files_resumed == 1 and resumed.files_changed == 0, resumed.summary()
    assert "1 resumed" in resumed.summary()
    fresh = store_at(tmp_path / "fresh")
    clean = ingest_files([corpus], fresh, chunk_size=200, chunk_overlap=20)
    assert resumed.chunks_added + resumed.chunks_unchanged == clean.chunks_added
    assert snapshot(store_at(tmp_path / "db")) == snapshot(fresh)


def test_deleted_files_lose_their_chunks(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "kept.txt").write_text("A file from another folder stays.")
    store = store_at(tmp_path / "db")
    ingest_files([corpus, other], store, chunk_size=300, chunk_overlap=30)
    gone = [i for i, (_, source) in snapshot(store).items() if source.endswith("volcanoes.txt")]
    (corpus / "volcanoes.txt").unlink()
    (corpus / "honeybees.md").rename(corpus / "bees.md")
    report = ingest_files([corpus], store, chunk_size=300, chunk_overlap=30)
    assert report.files_removed == 2 and report.files_new == 1 and report.files_unchanged == 2, report.summary()
    assert report.chunks_removed >= len(gone) and "2 removed" in report.summary()
    sources = {Path(source).name for _, source in snapshot(store).values()}
    assert sources == {"bees.md", "lighthouses.html", "tea.pdf", "kept.txt"}
    again = ingest_files([corpus], store, chunk_size=300, chunk_overlap=30)
    assert (again.files_removed, again.chunks_removed, again.chunks_added) == (0, 0, 0)


def test_chunk_metadata_and_retrieval(corpus: Path, tmp_path: Path) -> None:
    store = store_at(tmp_path / "db")
    ingest_files([corpus], store, chunk_size=400, chunk_overlap=40)
    doc = store.similarity_search("Matcha Japanese green tea powder", k=1)[0]
    assert doc.metadata["source"].endswith("tea.pdf") and doc.metadata["page"] == 2
    assert {"file_sha256", "chunk", "start_index", "file_name"} <= set(doc.metadata)
    only_md = store.similarity_search("Matcha", k=5, filter={"file_name": "honeybees.md"})
    assert only_md and all(d.metadata["file_name"] == "honeybees.md" for d in only_md)
    mmr = store.as_retriever(search_type="mmr", k=2, search_kwargs={"fetch_k": 6}).invoke("volcano lava")
    assert len(mmr) == 2


def test_bad_arguments_are_typed_errors(tmp_path: Path) -> None:
    store = store_at(tmp_path / "db")
    with pytest.raises(HFInputError):
        ingest_files([tmp_path], store, chunk_size=100, chunk_overlap=100)
    with pytest.raises(HFInputError):
        chroma_store(HashEmbeddings(), path=str(tmp_path), url="http://127.0.0.1:1")
    with pytest.raises(HFInputError):
        chroma_store(HashEmbeddings(), url="ftp://example")
    with pytest.raises(HFInputError):
        store.upsert_vectors(["a"], ["t"], [], [{}])


def test_writes_above_chromas_max_batch_are_split(tmp_path: Path) -> None:
    store = chroma_store(HashEmbeddings(size=4), collection=f"big_{uuid.uuid4().hex}")
    count = store.max_batch_size + 7
    ids = store.add_texts([f"text {i}" for i in range(count)], ids=[str(i) for i in range(count)])
    assert len(ids) == count and len(store.ids_where()) == count
