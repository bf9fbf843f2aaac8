"""``hf-tools models`` and ``hf-tools model`` against a loopback Hub."""

from __future__ import annotations

import json

import pytest

from hf_tools.cli import main
from hf_tools.testing.hub_server import LoopbackHub


def test_models_prints_a_table(hub: LoopbackHub, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "text-generation", "--hub-endpoint", hub.endpoint]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["model", "task", "downloads", "likes", "license", "gated", "providers"]
    assert lines[1].split()[:6] == [
        "meta-llama/Llama-3.1-8B-Instruct",
        "text-generation",
        "6,000,000",
        "4,000",
        "llama3.1",
        "manual",
    ]
    assert "novita:conversational (live)" in lines[1]
    assert lines[2].endswith("together:conversational (live), featherless-ai (live)")


def test_models_json_with_search_and_provider(hub: LoopbackHub, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["models", "summarization", "--search", "bart", "--provider", "hf-inference", "--json"]
    assert main([*args, "--hub-endpoint", hub.endpoint]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["facebook/bart-large-cnn", "sshleifer/distilbart-cnn-12-6"]
    assert rows[0]["providers"][0] == {
        "provider": "hf-inference",
        "provider_id": "facebook/bart-large-cnn",
        "task": "summarization",
        "status": "live",
        "also_tasks": [],
    }
    assert hub.listings()[-1].params["inference_provider"] == ["hf-inference"]


def test_model_prints_the_card(hub: LoopbackHub, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "facebook/bart-large-cnn", "--hub-endpoint", hub.endpoint]) == 0
    out = capsys.readouterr().out
    assert out.startswith("facebook/bart-large-cnn [summarization]")
    assert 'hf_tools.runnable("summarization", model="facebook/bart-large-cnn")' in out
    assert main(["model", "facebook/bart-large-cnn", "--json", "--hub-endpoint", hub.endpoint]) == 0
    assert json.loads(capsys.readouterr().out)["call_task"] == "summarization"


def test_errors_exit_1_with_a_json_message(hub: LoopbackHub, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "nobody/nothing", "--hub-endpoint", hub.endpoint]) == 1
    assert json.loads(capsys.readouterr().err)["error"] == "HFModelNotFoundError"
