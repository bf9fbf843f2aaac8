r"""Read documents from files and folders: text, Markdown, HTML and PDF.

A file that cannot be used (binary, empty, unreadable, not a supported kind) raises
:class:`UnusableFileError` with the reason, so ingestion can report it and go on.

Example:
    >>> from hf_tools.rag.loaders import html_to_text
    >>> html_to_text("<html><style>p{}</style><h1>Title</h1><p>One <b>two</b>.</p></html>")
    'Title\nOne two.'

"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

__all__ = ["SUPPORTED_SUFFIXES", "LoadedFile", "UnusableFileError", "html_to_text", "iter_files", "load_file"]

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES


class UnusableFileError(Exception):
    """A file was skipped; ``reason`` says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class LoadedFile:
    """A file's text, in parts (one per PDF page, one for other kinds) with their metadata."""

    path: Path
    kind: str
    parts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    raw_bytes: bytes = b""

    @property
    def text(self) -> str:
        return "\n\n".join(text for text, _ in self.parts)


_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section"}
    | {"article", "header", "footer", "pre", "blockquote", "title"}
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skip = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _SKIP_TAGS:
            self.skip += 1
        if tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIP_TAGS and self.skip:
            self.skip -= 1
        if tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if not self.skip:
            self.pieces.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML page: scripts, styles and the head dropped, blocks on their own lines."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnusableFileError(path, "binary file (NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _pdf_parts(path: Path, data: bytes) -> list[tuple[str, dict[str, Any]]]:
    import io

    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise UnusableFileError(path, "PDF support needs pypdf") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "", {"page": number}) for number, page in enumerate(reader.pages, 1)]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnusableFileError(path, f"unreadable PDF ({type(exc).__name__}: {exc})") from exc
    return [(text, meta) for text, meta in pages if text.strip()]


def load_file(path: str | Path) -> LoadedFile:
    """Read one file into text parts.

    Raises:
        UnusableFileError: unsupported kind, unreadable, binary, not UTF-8, or no text.

    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnusableFileError(file, f"unsupported file type {suffix or '(none)'!r}")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UnusableFileError(file, f"unreadable ({exc.strerror or type(exc).__name__})") from exc
    if suffix in PDF_SUFFIXES:
        kind = "pdf"
        parts = _pdf_parts(file, data)
    elif suffix in HTML_SUFFIXES:
        kind = "html"
        parts = [(html_to_text(_decode(file, data)), {})]
    else:
        kind = "markdown" if suffix in (".md", ".markdown") else "text"
        parts = [(_decode(file, data), {})]
    parts = [(text, meta) for text, meta in parts if text.strip()]
    if not parts:
        raise UnusableFileError(file, "empty (no text)")
    return LoadedFile(path=file, kind=kind, parts=parts, raw_bytes=data)


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files to ingest: each given file, and every supported file under each given folder
    (hidden files and folders skipped), in a stable order, each once.
    """
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        if root.is_dir():
            found = sorted(
                p
                for p in root.rglob("*")
                if (p.is_file() or p.is_symlink())
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
            )
        else:
            found = [root]
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file
