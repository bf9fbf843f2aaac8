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
5. Attaching to a running cluster (``ray start --head``, one CPU): the median of ``--attach-runs``
   fresh processes, each timing ``from hf_tools.ray import init_ray; init_ray(address)`` and then
   its first task's answer (Ray starts the job's first worker process then), beside the same for
   bare ``import ray; ray.init(address)``.
6. A two-node cluster on this machine (``ray start --head`` + ``ray start --address``, one CPU
   each: the same 2 CPUs as the local Ray above): ``ingest_files_ray`` from a driver process that
   joins it with ``init_ray(address)``, texts/s, and how many texts each node embedded.

Every Ray the benchmark starts for 5 and 6 lives in a temp dir of its own and is stopped at the
end (its two ``ray start --block`` processes, then anything still naming that dir).

Run (a few minutes on 2 cores; fewer texts for a quick look)::

    .venv/bin/python benchmarks/ray_ingest.py [--texts 20000] [--rows 10000]
    .venv/bin/python benchmarks/ray_ingest.py --parts attach [--attach-runs 7]   # attach times only
    .venv/bin/python benchmarks/ray_ingest.py --parts attach --attach-pythonpath /tmp/before  # another hf_tools
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _server import loopback_process
from _tei import DELAY, tei_process, texts

from hf_tools.testing.ray_cluster import LocalRayCluster

LINES_PER_FILE = 100
ROOT = Path(__file__).parents[1]

# One fresh driver process: attach, then the first task's answer (seconds since before the import).
ATTACH = """
import json, logging, sys, time
started = time.perf_counter()
if sys.argv[2] == "hf_tools":
    from hf_tools.ray import init_ray
    ray = init_ray(sys.argv[1])
else:
    import ray
    ray.init(address=sys.argv[1], log_to_driver=False, logging_level=logging.WARNING)
attached = time.perf_counter() - started

@ray.remote(num_cpus=0)
def ping():
    return 1

ray.get(ping.remote())
print(json.dumps({"attach": attached, "first_task": time.perf_counter() - started}))
"""

# A driver joining the two-node cluster: ingest_files_ray, its rate, and the texts each node embedded.
TWO_NODES = """
import json, sys, time
from pathlib import Path

from hf_tools import HFInferenceEmbeddings, chroma_store
from hf_tools.ray import ingest_files_ray, init_ray

cfg = json.loads(sys.argv[1])


class NodeCountingEmbeddings(HFInferenceEmbeddings):
    record: str = ""

    def embed_documents(self, texts):
        import ray

        with Path(self.record).open("a") as log:
            log.write(f"{ray.get_runtime_context().get_node_id()} {len(texts)}\\n")
        return super().embed_documents(texts)


ray = init_ray(cfg["address"])
names = {n["NodeID"]: r for n in ray.nodes() if n["Alive"] for r in n["Resources"] if r.startswith("node_")}
store = chroma_store(NodeCountingEmbeddings(model=cfg["tei"], record=cfg["record"]), url=cfg["chroma"],
                     collection=cfg["collection"])
started = time.perf_counter()
report = ingest_files_ray([cfg["corpus"]], store, embed_workers=cfg["embed_workers"],
                          store_workers=cfg["store_workers"], **cfg["split"])
seconds = time.perf_counter() - started
started = time.perf_counter()
again = ingest_files_ray([cfg["corpus"]], store, **cfg["split"])
rerun = time.perf_counter() - started
per_node = {}
for line in Path(cfg["record"]).read_text().splitlines():
    node, count = line.split()
    per_node[names[node]] = per_node.get(names[node], 0) + int(count)
print("RESULT", json.dumps({"added": report.chunks_added, "seconds": seconds, "rerun": rerun,
                            "again": again.chunks_added, "per_node": per_node}))
"""


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


@contextlib.contextmanager
def local_cluster() -> Iterator[LocalRayCluster]:
    """A one-node cluster (the head) of this checkout's hf_tools; :func:`two_node_ingest` adds the second node."""
    with LocalRayCluster(pythonpath=str(ROOT), prefix="hfray-bench-") as cluster:
        cluster.add_node()
        cluster.wait_for_nodes()
        yield cluster


def attach_times(cluster: LocalRayCluster, runs: int, other: str | None) -> None:
    """Median seconds to attach and to a first task's answer, ``runs`` fresh processes each; the
    kinds take turns (round-robin), so a load that comes and goes weighs on each alike.
    """
    kinds = [("hf_tools", "init_ray(address)", str(ROOT))]
    if other:
        kinds.append(("hf_tools", f"init_ray(address) from {other}", other))
    kinds.append(("ray", "bare import ray; ray.init(address)", str(ROOT)))
    times: dict[str, list[dict[str, float]]] = {label: [] for _, label, _ in kinds}
    for _ in range(runs):
        for kind, label, path in kinds:
            done = cluster.run(ATTACH, cluster.address, kind, env={"PYTHONPATH": path}, timeout=1800, check=True)
            times[label].append(json.loads(done.stdout))
    print(f"attach to a running head ({runs} fresh processes each, in turns; median [min-max] seconds):")
    for label, seen in times.items():
        attach = sorted(t["attach"] for t in seen)
        first = sorted(t["first_task"] for t in seen)
        print(
            f"  {label:44} attached {statistics.median(attach):5.2f} [{attach[0]:.2f}-{attach[-1]:.2f}]"
            f"   first task answered {statistics.median(first):5.2f} [{first[0]:.2f}-{first[-1]:.2f}]"
        )
    print()


def two_node_ingest(
    cluster: LocalRayCluster, corpus: Path, work: Path, args: argparse.Namespace, base: float | None
) -> None:
    """``ingest_files_ray`` from a driver joining a two-node cluster; texts/s (against ``base``,
    ``ingest_files``'s rate, when it was measured).
    """
    from hf_tools.testing.chroma_server import ChromaServer

    cluster.add_node()
    cluster.wait_for_nodes()
    with tei_process() as tei, ChromaServer(work / "chroma-two-nodes") as chroma:
        config = {"address": cluster.address, "tei": tei, "chroma": chroma.url, "corpus": str(corpus)}
        config |= {"collection": f"two_{uuid.uuid4().hex[:8]}", "record": str(work / "embedded")}
        config |= {"embed_workers": args.embed_workers, "store_workers": args.store_workers}
        config |= {"split": {"chunk_size": 100, "chunk_overlap": 0}}
        out = cluster.run(TWO_NODES, json.dumps(config), timeout=1800, check=True).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT ")).removeprefix("RESULT "))
    assert result["again"] == 0, result
    rate = result["added"] / result["seconds"]
    steady = result["added"] / max(result["seconds"] - result["rerun"], 1e-9)
    workers = f"{args.embed_workers} embed + {args.store_workers} store workers"
    print(f"two-node cluster on this machine (1 CPU each), a driver joining with init_ray(address), {workers}:")

    def versus(value: float) -> str:
        return f"  {value / base:5.2f}x" if base else ""

    print(f"  ingest_files_ray                                           {rate:7,.0f} texts/s{versus(rate)}")
    print(f"  re-run with nothing to add (Ray's fixed cost per job)      {result['rerun']:7.1f} s")
    print(f"  without that fixed cost                                    {steady:7,.0f} texts/s{versus(steady)}")
    print(f"  texts embedded per node: {result['per_node']}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000, help="chunks to ingest (default 20,000)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows for map_task vs abatch (default 10,000)")
    parser.add_argument("--embed-workers", type=int, default=2)
    parser.add_argument("--store-workers", type=int, default=1)
    parser.add_argument(
        "--parts",
        default="local,attach,two-nodes",
        help="comma-separated: local (stages, local Ray, map_task), attach, two-nodes (default: all)",
    )
    parser.add_argument("--attach-runs", type=int, default=7, help="fresh processes per attach figure (default 7)")
    parser.add_argument(
        "--attach-pythonpath", help="time init_ray from another hf_tools checkout (a before/after), not this one"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    if "local" not in parts:
        with local_cluster() as cluster:
            if "attach" in parts:
                attach_times(cluster, args.attach_runs, args.attach_pythonpath)
            if "two-nodes" in parts:
                work = Path(tempfile.mkdtemp(prefix="hf-ray-bench-"))
                write_corpus(work / "corpus", args.texts)
                two_node_ingest(cluster, work / "corpus", work, args, base=None)
        return 0

    from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files, runnable
    from hf_tools.rag.ingest import chunk_file
    from hf_tools.rag.loaders import iter_files, load_file
    from hf_tools.ray import ingest_files_ray, init_ray, map_task
    from hf_tools.testing.chroma_server import ChromaServer

    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="hf-ray-bench-"))
    corpus = work / "corpus"
    write_corpus(corpus, args.texts)
    split: dict[str, Any] = {"chunk_size": 100, "chunk_overlap": 0}
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
    print("  nothing; a faster Chroma (disks, cores, distributed mode) or more endpoint replicas raise the bound\n")

    ray.shutdown()  # the local Ray's processes go before the cluster's start on the same cores
    if parts & {"attach", "two-nodes"}:
        with local_cluster() as cluster:
            if "attach" in parts:
                attach_times(cluster, args.attach_runs, args.attach_pythonpath)
            if "two-nodes" in parts:
                two_node_ingest(cluster, corpus, work, args, base=base)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
