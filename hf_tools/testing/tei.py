"""A Text-Embeddings-Inference-like server on 127.0.0.1, for tests and benchmarks.

It behaves like TEI where clients notice: ``POST /``, ``/embed`` and the router's
``/models/<id>[/pipeline/feature-extraction]`` take ``{"inputs": str | [str], ...}`` and
answer one vector per input; more than ``max_batch`` inputs (32) get a 413, an empty input
a 422, both with TEI's ``{"error", "error_type"}`` body. ``GET /info`` names the served model
(``model_id``, ``"tei-loopback"`` unless set) as TEI does. Every request waits ``delay``
seconds. ``GET /stats`` reports requests served, requests rejected and the most in flight at once.

Vectors: ``"words"`` (word hashing: similar texts, similar vectors), ``"pool"`` (one of 1,024
precomputed vectors picked by hash: the cheapest, for throughput benchmarks) or any LangChain
``Embeddings`` (e.g. :class:`~hf_tools.LocalEmbeddings` for real MiniLM vectors).

Run it in its own process (so it does not share the client's GIL)::

    python -m hf_tools.testing.tei --port 8089 --delay 0.02 --vectors pool

Example:
    >>> from hf_tools import HFInferenceEmbeddings
    >>> from hf_tools.testing.tei import TEIServer
    >>> with TEIServer() as tei:
    ...     emb = HFInferenceEmbeddings(model=tei.url, batch_size=32)
    ...     vectors = emb.embed_documents([f"text {i}" for i in range(70)])
    ...     len(vectors), tei.stats()["requests"], tei.stats()["largest_batch"]
    (70, 3, 32)

"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from langchain_core.embeddings import Embeddings

from hf_tools.testing.hash_embeddings import HASH_DIM, hash_vector
from hf_tools.testing.service import LoopbackService

__all__ = ["TEIServer", "main"]

_POOL_SIZE = 1024


class TEIServer(LoopbackService):
    """A TEI-like embeddings server in a background thread (or, with :func:`main`, a process).

    Args:
        port: 0 picks a free port.
        delay: seconds each request waits before answering.
        max_batch: most inputs per request (413 above).
        vectors: ``"words"``, ``"pool"`` or an ``Embeddings`` object.
        dim: vector size for ``"words"``/``"pool"``.
        model_id: the model ``GET /info`` says the server serves (TEI's ``model_id``).

    """

    def __init__(
        self,
        port: int = 0,
        *,
        delay: float = 0.0,
        max_batch: int = 32,
        vectors: str | Embeddings = "words",
        dim: int = HASH_DIM,
        model_id: str = "tei-loopback",
    ) -> None:
        if isinstance(vectors, str) and vectors not in ("words", "pool"):
            raise ValueError("vectors must be 'words', 'pool' or an Embeddings object")
        self.delay = delay
        self.max_batch = max_batch
        self.vectors = vectors
        self.dim = dim
        self.model_id = model_id
        self._pool: list[bytes] = []
        if vectors == "pool":
            self._pool = [json.dumps(hash_vector(f"pool {i}", dim)).encode() for i in range(_POOL_SIZE)]
        self._lock = threading.Lock()
        self._stats = {"requests": 0, "texts": 0, "in_flight": 0, "max_in_flight": 0, "largest_batch": 0, "rejected": 0}
        super().__init__(_handler(self), port)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (TEI's root route embeds)."""
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict[str, int]:
        """Requests and texts served, most requests in flight at once, largest batch."""
        with self._lock:
            return dict(self._stats)

    def embed_json(self, texts: list[str]) -> bytes:
        """The JSON body for ``texts``: a list of vectors."""
        if self.vectors == "pool":
            picks = (self._pool[_bucket(t)] for t in texts)
            return b"[" + b",".join(picks) + b"]"
        if self.vectors == "words":
            return json.dumps([hash_vector(t, self.dim) for t in texts]).encode()
        assert not isinstance(self.vectors, str)
        return json.dumps(self.vectors.embed_documents(texts)).encode()

    def _enter(self, count: int) -> None:
        with self._lock:
            stats = self._stats
            stats["requests"] += 1
            stats["texts"] += count
            stats["in_flight"] += 1
            stats["max_in_flight"] = max(stats["max_in_flight"], stats["in_flight"])
            stats["largest_batch"] = max(stats["largest_batch"], count)

    def _leave(self) -> None:
        with self._lock:
            self._stats["in_flight"] -= 1


def _bucket(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little") % _POOL_SIZE


def _handler(server: TEIServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _error(self, status: int, message: str, kind: str) -> None:
            if status in (413, 422):
                with server._lock:
                    server._stats["rejected"] += 1
            self._send(status, json.dumps({"error": message, "error_type": kind}).encode())

        def do_GET(self) -> None:
            if self.path == "/health":
                self._send(200, b"{}")
            elif self.path == "/stats":
                self._send(200, json.dumps(server.stats()).encode())
            elif self.path == "/info":
                info = {"model_id": server.model_id, "max_client_batch_size": server.max_batch}
                self._send(200, json.dumps(info).encode())
            else:
                self._error(404, f"no route {self.path}", "NotFound")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                self._error(422, "request body is not valid JSON", "Validation")
                return
            inputs = body.get("inputs") if isinstance(body, dict) else None
            texts = [inputs] if isinstance(inputs, str) else inputs
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                self._error(422, "`inputs` must be a string or a list of strings", "Validation")
                return
            if len(texts) > server.max_batch:
                self._error(
                    413, f"batch size {len(texts)} > maximum allowed batch size {server.max_batch}", "Validation"
                )
                return
            if not texts or any(not t for t in texts):
                self._error(422, "`inputs` cannot be empty", "Validation")
                return
            server._enter(len(texts))
            try:
                if server.delay:
                    time.sleep(server.delay)
                payload = server.embed_json(texts)
            finally:
                server._leave()
            self._send(200, payload)

    return _Handler


def main(argv: list[str] | None = None) -> int:
    """Run a TEI-like server until interrupted; prints ``ready <url>`` once listening."""
    parser = argparse.ArgumentParser(description="A TEI-like embeddings server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--vectors", choices=["words", "pool", "minilm"], default="words")
    parser.add_argument("--model-id", default="tei-loopback", help="the model GET /info names")
    args = parser.parse_args(argv)
    vectors: str | Embeddings = args.vectors
    if args.vectors == "minilm":
        from hf_tools.rag.local_embeddings import LocalEmbeddings

        vectors = LocalEmbeddings()
    server = TEIServer(
        args.port, delay=args.delay, max_batch=args.max_batch, vectors=vectors, model_id=args.model_id
    ).start()
    server.serve_until_interrupted(f"ready {server.url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
