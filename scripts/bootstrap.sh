#!/usr/bin/env bash
# Create (or reuse) a virtualenv and install hf-tools into it.
# Usage: scripts/bootstrap.sh VENV_DIR EXTRAS [extra pip requirement ...]
set -euo pipefail
venv=$1; extras=$2; shift 2
py=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
# the project in editable mode with the asked extras, plus the development tools (dependency group `dev`)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[${extras}]" --group dev "$@"
