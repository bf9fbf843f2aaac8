"""Runs before every test and doctest: keep huggingface_hub quiet and on loopback only."""

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.pop("HF_HUB_OFFLINE", None)  # it would block 127.0.0.1 too
