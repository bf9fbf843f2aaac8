"""hf_tools.ray on a real two-node Ray cluster on this machine, joined with ``init_ray(address)``.

The cluster is what a user runs: ``ray start --head`` and ``ray start --address HEAD`` (each with
``--block``, so stopping those two processes stops every process of the cluster, and nothing
else), token authentication with a token of its own, each node with a custom resource
(``hf_node_a`` / ``hf_node_b``) that names it. Each node has its own ``HF_BILL_TO``, which the
workers read on their node, so every request ``map_task`` sends says which node sent it.

The driver is a separate process, as a user's program: it attaches with ``init_ray(address)``,
runs ``ingest_files_ray`` and ``map_task``, and prints what it saw as JSON; its console and the
stderr of every worker on both nodes are checked for error-level lines (as in test_ray_logs.py;
attaching itself must not import Ray Data, pandas or LangChain). The collection must equal a single-process
``ingest_files`` of the same files (ids, documents, metadata, vectors) and both nodes must have
done work. Real parts only: a ``chroma run`` server and the loopback TEI and Inference API servers.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import huggingface_hub
import pytest

pytest.importorskip("ray")
if int(huggingface_hub.__version__.split(".")[0]) < 2:
    pytest.skip("Ray tests run once, in the huggingface_hub 2.x venv", allow_module_level=True)

from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files
from hf_tools.rag.vectorstores import HFChroma
from hf_tools.testing import LoopbackServer, RecordedRequest
from hf_tools.testing.chroma_server import ChromaServer
from hf_tools.testing.ray_cluster import LocalRayCluster
from hf_tools.testing.tei import TEIServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "examples" / "corpus"
SPLIT: dict[str, Any] = {"chunk_size": 200, "chunk_overlap": 20}
NODES = ("hf_node_a", "hf_node_b")
# GATE: Ray Data hands each block to whichever worker is free first, so on a job this small one
# worker may finish everything before the other has even started. The embedder and the server
# below hold a node's first work until the other node has work too (never more than 60 s): a
# worker that waits keeps its blocks (Ray Data gives a worker at most 2 at a time), so the next
# blocks go to the worker on the other node. Which node works is then certain, not a race.

# the one line Ray's core prints for every Ray Data actor pool (README: Ray; test_ray_logs.py)
UNAVOIDABLE = "has constructor arguments in the object store and max_restarts > 0"

ATTACH = """
import json, sys, time

from hf_tools.ray import init_ray

cfg = json.loads(sys.argv[1])
ray = init_ray(cfg["address"])
# what attaching imported besides Ray (Ray Data, pandas, pyarrow, LangChain cost ~1 s: not needed to attach)
heavy = sorted(m for m in ("ray.data", "pandas", "pyarrow", "langchain_core", "hf_tools.errors") if m in sys.modules)
deadline = time.monotonic() + 60
while len([n for n in ray.nodes() if n["Alive"]]) < 2 and time.monotonic() < deadline:
    time.sleep(0.2)
alive = len([n for n in ray.nodes() if n["Alive"]])
print("RESULT", json.dumps({"alive": alive, "heavy": heavy}))
"""

INGEST = """
import json, sys, time
from pathlib import Path

from hf_tools import HFInferenceEmbeddings, chroma_store
from hf_tools.ray import ingest_files_ray, init_ray

cfg = json.loads(sys.argv[1])


class NodeRecordingEmbeddings(HFInferenceEmbeddings):
    # HFInferenceEmbeddings (the same vectors) that logs, per call, its Ray node and how many texts;
    # a node's first call waits (at most 60 s) until the other node has embedded too (see GATE)

    record: str = ""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import ray

        node = ray.get_runtime_context().get_node_id()
        log = Path(self.record)
        with log.open("a") as out:
            out.write(f"{node} {len(texts)}\\n")
        deadline = time.monotonic() + 60
        while {line.split()[0] for line in log.read_text().splitlines()} == {node} and time.monotonic() < deadline:
            time.sleep(0.05)
        return super().embed_documents(texts)


ray = init_ray(cfg["address"])
nodes = {n["NodeID"]: r for n in ray.nodes() if n["Alive"] for r in n["Resources"] if r.startswith("hf_node_")}
store = chroma_store(NodeRecordingEmbeddings(model=cfg["tei"], record=cfg["record"]), url=cfg["chroma"],
                     collection=cfg["collection"])
report = ingest_files_ray([cfg["corpus"]], store, write_batch=4, embed_workers=2, files_per_task=1, **cfg["split"])
texts = {}
for line in Path(cfg["record"]).read_text().splitlines():
    node, count = line.split()
    texts[nodes[node]] = texts.get(nodes[node], 0) + int(count)
print("RESULT", json.dumps({"nodes": sorted(nodes.values()), "texts": texts, "added": report.chunks_added,
                            "files_new": report.files_new}))
"""

MAP_TASK = """
import json, sys

import ray.data

from hf_tools.ray import init_ray, map_task

cfg = json.loads(sys.argv[1])
init_ray(cfg["address"])
ds = ray.data.from_items([{"text": f"row {i}", "n": i} for i in range(cfg["rows"])], override_num_blocks=8)
rows = map_task(ds, "text-classification", base_url=cfg["base_url"], concurrency=2, batch_size=8).take_all()
print("RESULT", json.dumps({"n": sorted(r["n"] for r in rows), "errors": [r["error"] for r in rows if r["error"]],
                            "labels": sorted({r["label"] for r in rows})}))
"""


class GatedLoopbackServer(LoopbackServer):
    """The loopback Inference API, holding a node's requests (at most 60 s) until the other node's
    workers have sent one too (see GATE); the sender is the request's ``X-HF-Bill-To``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.senders: set[str | None] = set()
        self.both = threading.Event()

    def record(self, request: RecordedRequest) -> None:
        super().record(request)
        with self._lock:
            self.senders.add(request.header("X-HF-Bill-To"))
            if len(self.senders) >= 2:
                self.both.set()
        self.both.wait(timeout=60)


class TwoNodeCluster(LocalRayCluster):
    """Two nodes (:class:`~hf_tools.testing.ray_cluster.LocalRayCluster`), each with its own ``HF_BILL_TO``,
    and drivers that print a ``RESULT`` line.
    """

    def __init__(self) -> None:
        super().__init__(pythonpath=str(ROOT), env={"HF_TOKEN": ""})
        self.env.pop("HF_BILL_TO", None)
        self.attached: dict[str, Any] = {}

    def start(self) -> TwoNodeCluster:
        for name in NODES:
            # each node's workers read HF_BILL_TO on their node: map_task's requests say where they came from
            self.add_node(name, env={"HF_BILL_TO": name.replace("_", "-")})
        return self

    def driver(self, program: str, config: dict[str, Any], tmp_path: Path) -> tuple[dict[str, Any], str]:
        """Run ``program`` as a user's driver process; its ``RESULT`` line and its stderr."""
        config = {"address": self.address, **config}
        done = self.run(program, json.dumps(config), env={"RAY_ADDRESS": ""}, cwd=tmp_path, timeout=180)
        assert done.returncode == 0, done.stderr[-4000:]
        result = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
        return json.loads(result.removeprefix("RESULT ")), done.stderr

    def worker_errors(self) -> list[str]:
        """Error-level lines and tracebacks in the stderr of every worker of both nodes (the driver
        does not show them: ``init_ray`` turns Ray's log streaming off).
        """
        lines = []
        for name, text in self.worker_logs().items():
            lines += [f"{name}: {line}" for line in loud_lines(text) + re.findall(r"^Traceback.*$", text, re.M)]
        return lines


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoNodeCluster]:
    nodes = TwoNodeCluster()
    try:
        nodes.start()
        nodes.attached, _ = nodes.driver(ATTACH, {}, tmp_path_factory.mktemp("attach"))
        assert nodes.attached["alive"] == 2, nodes.logs()
        yield nodes
    finally:
        nodes.stop()


def contents(store: HFChroma) -> dict[str, tuple[str, dict[str, Any], tuple[float, ...]]]:
    got = store.collection.get(include=["documents", "metadatas", "embeddings"])
    rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)  # type: ignore[arg-type]
    return {i: (doc, dict(meta), tuple(float(x) for x in vec)) for i, doc, meta, vec in rows}


def loud_lines(stderr: str) -> list[str]:
    """Error- and warning-level lines (Python logging's or Ray's C++ ``[E ...]``/``[W ...]``)."""
    loud = [line for line in stderr.splitlines() if re.search(r" (ERROR|WARNING) | [EW] \d+ \d+\] ", line)]
    return [line for line in loud if UNAVOIDABLE not in line]


def test_init_ray_attaches_without_ray_data(cluster: TwoNodeCluster) -> None:
    # attaching imports Ray and nothing heavy: Ray Data comes with map_task / ingest_files_ray
    assert cluster.attached == {"alive": 2, "heavy": []}


def test_ingest_on_two_nodes_equals_ingest_files(cluster: TwoNodeCluster, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    parts = (f"# Part {i}\n\nVolcano note {i} on lava and ash." for i in range(60))
    (corpus / "long.md").write_text("\n\n".join(parts))
    with ChromaServer(tmp_path / "chroma") as chroma, TEIServer() as tei:
        collection = f"two_nodes_{uuid.uuid4().hex[:8]}"
        config: dict[str, Any] = {"tei": tei.url, "chroma": chroma.url, "collection": collection}
        config |= {"corpus": str(corpus), "record": str(tmp_path / "embedded"), "split": SPLIT}
        seen, stderr = cluster.driver(INGEST, config, tmp_path)

        embedder = HFInferenceEmbeddings(model=tei.url)
        single = chroma_store(embedder, url=chroma.url, collection=f"single_{uuid.uuid4().hex[:8]}")
        report = ingest_files([corpus], single, **SPLIT)
        spread = chroma_store(embedder, url=chroma.url, collection=collection)
        assert contents(spread) == contents(single)  # ids, documents, metadata and vectors
    assert (seen["added"], seen["files_new"]) == (report.chunks_added, report.files_new)
    assert report.files_new == len(list(corpus.iterdir()))
    assert seen["nodes"] == list(NODES)
    # both nodes embedded, and every chunk was embedded once (no block ran twice)
    assert set(seen["texts"]) == set(NODES) and sum(seen["texts"].values()) == report.chunks_added, seen
    assert loud_lines(stderr) == [], stderr[-3000:]
    assert cluster.worker_errors() == []


def test_map_task_on_two_nodes(cluster: TwoNodeCluster, tmp_path: Path) -> None:
    rows = 200
    with GatedLoopbackServer() as server:
        seen, stderr = cluster.driver(MAP_TASK, {"base_url": server.base_url, "rows": rows}, tmp_path)
        senders = [request.header("X-HF-Bill-To") for request in server.requests]
    assert seen["n"] == list(range(rows)) and seen["errors"] == [] and None not in seen["labels"]
    # every row was classified once, and by workers on both nodes (each node's HF_BILL_TO)
    assert len(senders) == rows and set(senders) == {"hf-node-a", "hf-node-b"}, senders
    assert loud_lines(stderr) == [], stderr[-3000:]
    assert cluster.worker_errors() == []
