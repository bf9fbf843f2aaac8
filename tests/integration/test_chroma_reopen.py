"""A collection made with HFEmbeddingFunction reopens in a new process that only imported hf_tools."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import chromadb
import pytest

from hf_tools import HFEmbeddingFunction
from hf_tools.testing import LoopbackServer

REOPEN = """
import sys
{imports}
import chromadb
col = chromadb.PersistentClient(path=sys.argv[1]).get_collection("notes")   # no embedding function passed
print(col.query(query_texts=["why does a cat purr softly"], n_results=1)["ids"][0][0])
print(type(col.configuration["embedding_function"]).__name__)
print(sorted(name for name in dir(sys.modules["hf_tools"]) if name in sys.modules["hf_tools"].__dict__
             and not name.startswith("_") and name[0].isupper()))
"""


@pytest.mark.parametrize(
    "imports",
    ["import hf_tools", "import chromadb.utils.embedding_functions\nimport hf_tools"],
    ids=["hf_tools-first", "chromadb-first"],
)
def test_reopen_in_a_fresh_process(tmp_path: Path, imports: str) -> None:
    with LoopbackServer() as server:
        ef = HFEmbeddingFunction(base_url=server.base_url)
        col = chromadb.PersistentClient(path=str(tmp_path)).get_or_create_collection("notes", embedding_function=ef)
        col.add(ids=["cat", "stocks"], documents=["the cat purrs softly", "stocks fell sharply"])
        done = subprocess.run(
            [sys.executable, "-c", REOPEN.format(imports=imports), str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    answer, built, public_loaded = done.stdout.splitlines()
    assert answer == "cat"
    assert built == "HFEmbeddingFunction"
    assert public_loaded == "[]"  # no hf_tools name was imported by the program
