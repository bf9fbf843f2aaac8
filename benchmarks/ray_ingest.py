"""Ray Data ingestion vs ``ingest_files`` into the same Chroma server, and ``map_task`` vs ``abatch``.

Real parts, each in its own process: a TEI-like server (32 inputs max, 20 ms per request), a
Chroma server (``chroma run``), a local Ray (``num_cpus`` = this machine's cores) and, for
``map_task``, the loopback Inference API server (``hf-tools serve``).

1. Per-stage rates, one worker each: parse + chunk, embed (``HFInferenceEmbeddings``, 16 in
   flight), store (upserts of precomputed vectors into the Chroma server, one writer and two).
2. ``ingest_files`` vs ``ingest_files_ray`` into fresh collections of the same server: texts/s.
3. ``map_task`` (text-classification) over ``--rows`` rows vs ``abatch`` in one process, the same
   number of requests in flight overall.
4. The design's throughput with N workers: the stages are pipelined, so the slowest one bounds it.

Run (a few minutes on 2 cores; fewer texts for a quick look)::

    .venv/bin/python benchmarks/ray_ingest.py [--texts 20000] [--rows 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _server import loopback_process
from _tei import DELAY, tei_process, texts

LINES_PER_FILE = 100


def write_corpus(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    data = texts(n)
    for f, start in enumerate(range(0, n, LINES_PER_FILE)):
        (folder / f"doc{f:05d}.txt").write_text("\n".join(data[start : start + LINES_PER_FILE]) + "\n")


def store_rate(url: str, chunks: list[Any], vectors: list[list[float]], writers: int) -> float:
    """Chunks/s upserting precomputed vectors into the Chroma server with ``writers`` threads."""
    import numpy as np

    from hf_tools.rag.vectorstores import chroma_client

    client = chroma_client(url=url)
    collection = client.create_collection(
        f"ceiling_{uuid.uuid4().hex[:8]}", configuration={"hnsw": {"space": "cosine"}}
    )
    size = 512
    parts = [(i, chunks[i : i + size]) for i in range(0, len(chunks), size)]

    def write(mine: list[tuple[int, list[Any]]]) -> None:
        for start, part in mine:
            collection.upsert(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                metadatas=[c.metadata for c in part],
                embeddings=np.asarray(vectors[start : start + len(part)], dtype=np.float32),
            )

    started = time.perf_counter()
    threads = [threading.Thread(target=write, args=(parts[w::writers],)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(chunks) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000, help="chunks to ingest (default 20,000)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows for map_task vs abatch (default 10,000)")
    parser.add_argument("--embed-workers", type=int, default=2)
    parser.add_argument("--store-workers", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

    from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files, runnable
    from hf_tools.rag.ingest import chunk_file
    from hf_tools.rag.loaders import iter_files, load_file
    from hf_tools.ray import ingest_files_ray, init_ray, map_task
    from hf_tools.testing.chroma_server import ChromaServer

    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="hf-ray-bench-"))
    corpus = work / "corpus"
    write_corpus(corpus, args.texts)
    split = {"chunk_size": 100, "chunk_overlap": 0}
    started = time.perf_counter()
    chunks = [c for p in iter_files([corpus]) for c in chunk_file(load_file(p), **split)]
    parse = len(chunks) / (time.perf_counter() - started)
    print(f"{len(chunks):,} chunks in {len(list(corpus.iterdir()))} files; {cores} cores")
    print(f"TEI-like server: 32 inputs max, {DELAY * 1000:.0f} ms/request, own process; Chroma server: chroma run\n")
    rates: dict[str, float] = {}
    with tei_process() as tei, ChromaServer(work / "chroma") as chroma:
        embedder = HFInferenceEmbeddings(model=tei)
        started = time.perf_counter()
        vectors = embedder.embed_documents([c.text for c in chunks])
        embed = len(chunks) / (time.perf_counter() - started)
        store1 = store_rate(chroma.url, chunks, vectors, writers=1)
        store2 = store_rate(chroma.url, chunks, vectors, writers=2)
        print("per-stage rates, one worker each (chunks/s):")
        print(f"  parse + chunk                         {parse:9,.0f}")
        print(f"  embed (16 in flight)                  {embed:9,.0f}")
        print(f"  store into the Chroma server, 1 writer {store1:8,.0f}   2 writers {store2:,.0f}\n")

        single = chroma_store(embedder, url=chroma.url, collection=f"single_{uuid.uuid4().hex[:8]}")
        started = time.perf_counter()
        report = ingest_files([corpus], single, **split)
        rates["ingest_files (one process)"] = report.chunks_added / (time.perf_counter() - started)

        started = time.perf_counter()
        init_ray(num_cpus=cores)
        ray_start = time.perf_counter() - started
        spread = chroma_store(embedder, url=chroma.url, collection=f"ray_{uuid.uuid4().hex[:8]}")
        started = time.perf_counter()
        report_ray = ingest_files_ray(
            [corpus], spread, embed_workers=args.embed_workers, store_workers=args.store_workers, **split
        )
        seconds = time.perf_counter() - started
        assert report_ray.chunks_added == report.chunks_added, report_ray.summary()
        workers = f"{args.embed_workers} embed + {args.store_workers} store workers"
        rates[f"ingest_files_ray ({workers})"] = report_ray.chunks_added / seconds
        started = time.perf_counter()
        again = ingest_files_ray([corpus], spread, **split)
        rerun = time.perf_counter() - started
        assert again.chunks_added == 0
    base = rates["ingest_files (one process)"]
    print(f"ingestion into the Chroma server ({len(chunks):,} chunks; Ray start {ray_start:.1f} s not counted):")
    for name, rate in rates.items():
        print(f"  {name:58} {rate:7,.0f} texts/s  {rate / base:5.2f}x")
    print(f"  ingest_files_ray re-run (nothing to add: Ray's fixed cost per job) {rerun:5.1f} s")
    steady = len(chunks) / max(seconds - rerun, 1e-9)
    print(
        f"  ingest_files_ray without that fixed cost                   {steady:7,.0f} texts/s  {steady / base:5.2f}x\n"
    )

    rows = args.rows
    with loopback_process(delay=DELAY) as url:
        classify = runnable("text-classification", base_url=f"{url}/models/{{model}}/pipeline/{{task}}")
        inputs = [f"row {i} is fine" for i in range(rows)]
        started = time.perf_counter()
        results = asyncio.run(classify.abatch(inputs, {"max_concurrency": 16}, return_exceptions=True))
        one = rows / (time.perf_counter() - started)
        assert not any(isinstance(r, Exception) for r in results)
        import ray

        ds = ray.data.from_items([{"text": t} for t in inputs], override_num_blocks=max(2, rows // 250))
        started = time.perf_counter()
        out = map_task(
            ds,
            "text-classification",
            base_url=classify.settings.base_url,
            concurrency=2,
            max_concurrency=8,
            batch_size=250,
        ).take_all()
        spread_rate = rows / (time.perf_counter() - started)
        assert len(out) == rows and not any(r["error"] for r in out)
    print(f"text-classification over {rows:,} rows, {DELAY * 1000:.0f} ms/request, 16 requests in flight overall:")
    print(f"  abatch in one process              {one:7,.0f} rows/s")
    print(f"  map_task, 2 workers x 8 in flight  {spread_rate:7,.0f} rows/s  {spread_rate / one:5.2f}x\n")

    bound = min(parse, embed)
    store = max(store1, store2)
    print("throughput with N workers (stages pipelined; the slowest bounds it), for a job of C chunks:")
    print("  T(N) = min(N * parse_1, N * embed_1, store_chroma, endpoint) ; time = C / T(N) + Ray's fixed cost")
    print(f"       = min(N * {parse:,.0f}, N * {embed:,.0f}, {store:,.0f}, endpoint capacity)")
    print(f"  the Chroma server bounds it from N = {store / bound:.2f} embedding workers: past that, more workers add")
    print("  nothing; a faster Chroma (disks, cores, distributed mode) or more endpoint replicas raise the bound")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
