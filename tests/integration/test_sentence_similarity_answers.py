"""A sentence-similarity answer must hold one score per compared sentence, each a cosine in [-1, 1].

Scripted answers from the loopback server, read by the real huggingface_hub client: a wrong
count or a score out of range is an ``HFResponseError`` after one request (never retried), and a
tool tells the model the answer could not be read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import hf_tools
from hf_tools.errors import HFResponseError
from hf_tools.testing import LoopbackServer, Reply

MODEL = hf_tools.TASKS["sentence-similarity"].default_model
TWO = {"sentence": "a cat sat on the mat", "other_sentences": ["a cat sat", "stock markets fell"]}

BAD = [
    ([1, 2, 3], "3 score(s) for 2 sentence(s)"),
    ([0.5], "1 score(s) for 2 sentence(s)"),
    ([], "0 score(s) for 2 sentence(s)"),
    ([0.5, 1.7], "score 1 is 1.7, outside [-1.0, 1.0]"),
    ([-1.5, 0.2], "score 0 is -1.5, outside [-1.0, 1.0]"),
    ([0.5, "0.3"], "score 1 should be a number, not str"),
    ([True, 0.3], "score 0 should be a number, not bool"),
]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def _runnable(server: LoopbackServer) -> Any:
    return hf_tools.runnable("sentence-similarity", base_url=server.base_url, max_retries=3, backoff_base=0.001)


@pytest.mark.parametrize(("answer", "reason"), BAD, ids=[r for _, r in BAD])
async def test_a_wrong_count_or_range_of_scores_is_a_response_error_not_retried(
    server: LoopbackServer, answer: list[Any], reason: str
) -> None:
    server.enqueue(MODEL, Reply.ok(answer), Reply.ok(answer))
    with pytest.raises(HFResponseError) as caught:
        _runnable(server).invoke(TWO)
    assert reason in str(caught.value)
    assert not caught.value.is_retryable
    with pytest.raises(HFResponseError, match="unexpected sentence-similarity response"):
        await _runnable(server).ainvoke(TWO)
    assert len(server.requests_for(MODEL)) == 2  # one request each, no retry


def test_scores_within_float_rounding_of_the_range_are_kept(server: LoopbackServer) -> None:
    server.enqueue(MODEL, Reply.ok([1.0000001, -1.0000002]))
    assert _runnable(server).invoke(TWO) == [1.0000001, -1.0000002]


def test_the_served_answer_still_passes(server: LoopbackServer) -> None:
    scores = _runnable(server).invoke({**TWO, "other_sentences": ["a cat sat", "stock markets fell", "a mat"]})
    assert len(scores) == 3 and all(-1 <= s <= 1 for s in scores)


def test_a_tool_tells_the_model_the_answer_could_not_be_read(server: LoopbackServer) -> None:
    server.enqueue(MODEL, Reply.ok([1, 2, 3]))
    similarity = hf_tools.tool("sentence-similarity", base_url=server.base_url, max_retries=3)
    message = similarity.invoke({"type": "tool_call", "id": "1", "name": similarity.name, "args": TWO})
    assert message.status == "error" and "the server's answer could not be read" in message.content
    assert len(server.requests_for(MODEL)) == 1
