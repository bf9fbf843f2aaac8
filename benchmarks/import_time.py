"""How long ``import hf_tools`` takes, what it pulls in, and the cost of first use.

Run: .venv/bin/python benchmarks/import_time.py
Target: ``import hf_tools`` under 0.5 s and chromadb not imported.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

PROBE = """
import sys, time
t = time.perf_counter(); import hf_tools; a = time.perf_counter() - t
t = time.perf_counter(); hf_tools.runnable("text-classification"); b = time.perf_counter() - t
heavy = [m for m in ("chromadb", "torch", "sentence_transformers", "PIL", "langchain") if m in sys.modules]
print(a, b, ",".join(heavy) or "-")
"""


def main() -> None:
    runs = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
        a, b, heavy = out.split()
        runs.append((float(a), float(b), heavy))
    importtime = (
        subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import hf_tools"], capture_output=True, text=True, check=True
        )
        .stderr.strip()
        .splitlines()[-1]
    )
    print(f"import hf_tools            : median {statistics.median(r[0] for r in runs) * 1e3:.1f} ms over 5 processes")
    print(f"  -X importtime last line  : {importtime}")
    print(
        f"first hf_tools.runnable()  : median {statistics.median(r[1] for r in runs) * 1e3:.0f} ms "
        "(imports langchain-core, huggingface_hub, pydantic)"
    )
    print(f"heavy modules after first use: {runs[0][2]}")


if __name__ == "__main__":
    main()
