#!/usr/bin/env bash
# Set everything up and run the main job (offline: no token, no internet needed):
# ingest the sample corpus in examples/corpus into an embedded Chroma, then answer a question
# about it with its sources (local MiniLM embeddings; with HF_TOKEN set, the chat model answers).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh .venv test,local,agents "torch==2.13.0" >&2
export HF_HUB_DISABLE_TELEMETRY=1
db=${HF_TOOLS_DB:-.hf-tools/chroma}
.venv/bin/hf-tools ingest examples/corpus --db "$db" --no-progress
echo
exec .venv/bin/hf-tools ask "${1:-What is the tallest volcano in the Solar System?}" --db "$db" "${@:2}"
