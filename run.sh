#!/usr/bin/env bash
# Set everything up and run the main job (offline: no token, no internet needed).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh .venv test >&2
export HF_HUB_DISABLE_TELEMETRY=1
exec .venv/bin/hf-tools demo "$@"
