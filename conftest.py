"""Runs before every test and doctest: keep huggingface_hub quiet and on loopback only."""

import importlib.util
import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.pop("HF_HUB_OFFLINE", None)  # it would block 127.0.0.1 too

# Modules of optional extras are collected (doctests) only where the extra is installed.
collect_ignore = [
    path
    for path, package in (
        ("hf_tools/smolagents.py", "smolagents"),
        ("hf_tools/mcp", "mcp"),
        ("hf_tools/playground/app.py", "gradio"),
        ("hf_tools/playground/serve.py", "gradio"),
    )
    if importlib.util.find_spec(package) is None
]
