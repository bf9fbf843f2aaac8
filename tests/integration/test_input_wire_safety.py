"""Inputs that cannot be sent as JSON are HFInputError before any request, never a server error."""

from __future__ import annotations

from typing import Any

import pytest

import hf_tools
from hf_tools.errors import HFInputError
from hf_tools.testing import LoopbackServer


def _cyclic() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["again"] = loop
    return loop


@pytest.mark.parametrize(
    ("task", "value", "reason"),
    [
        ("text-generation", {"prompt": "x", "frequency_penalty": float("nan")}, "not a finite number"),
        ("text-generation", {"prompt": "x", "frequency_penalty": float("inf")}, "not a finite number"),
        ("text-generation", {"prompt": "bad \ud800 text"}, "prompt"),
        ("text-generation", {"prompt": "x", "stop": ["\udfff"]}, "stop"),
        ("summarization", {"text": "Hi.", "generate_parameters": {"temperature": float("nan")}}, "not a finite"),
        ("summarization", {"text": "Hi.", "generate_parameters": {"bad\ud800": 1}}, "lone surrogates"),
        ("summarization", {"text": "Hi.", "generate_parameters": {"x": ["ok", "\udc80"]}}, "lone surrogates"),
        ("summarization", {"text": "Hi.", "generate_parameters": {"x": object()}}, "cannot be sent as JSON"),
        ("summarization", {"text": "Hi.", "generate_parameters": {"x": {1, 2}}}, "cannot be sent as JSON"),
        ("summarization", {"text": "Hi.", "generate_parameters": {"x": b"raw"}}, "cannot be sent as JSON"),
        ("summarization", {"text": "Hi.", "generate_parameters": _cyclic()}, "nested more than"),
        ("automatic-speech-recognition", {"audio": "x.wav", "extra_body": {"lang": float("nan")}}, "not a finite"),
        ("table-question-answering", {"query": "Rome?", "table": {"a": ["1", "2"], "b": ["3"]}}, "same number"),
    ],
)
def test_unsendable_inputs_are_input_errors_before_any_request(task: str, value: Any, reason: str) -> None:
    with LoopbackServer() as server:
        runnable = hf_tools.runnable(task, base_url=server.base_url)
        with pytest.raises(HFInputError, match=reason):
            runnable.invoke(value)
        assert server.requests == []


def test_finite_numbers_and_plain_json_still_go_through() -> None:
    with LoopbackServer() as server:
        out = hf_tools.runnable("summarization", base_url=server.base_url).invoke(
            {"text": "Hi there. Bye.", "generate_parameters": {"temperature": 0.5, "x": [1, {"y": 0}]}}
        )
        assert out.summary_text == "Hi there."
        assert server.requests[-1].body["parameters"]["generate_parameters"]["x"] == [1, {"y": 0}]
