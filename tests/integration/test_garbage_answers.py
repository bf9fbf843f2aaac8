"""A 2xx answer that is not what the task returns is an HFResponseError (never retried), and renderers never raise."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import hf_tools
from hf_tools.errors import HFResponseError
from hf_tools.tasks import TASKS
from hf_tools.testing import LoopbackServer, Reply

JSON = {"Content-Type": "application/json"}


def raw(body: bytes) -> Reply:
    return Reply(raw=body, headers=JSON)


@pytest.fixture
def server() -> Any:
    with LoopbackServer() as running:
        yield running


@pytest.mark.parametrize("task", ["text-classification", "summarization", "question-answering", "fill-mask"])
async def test_json_nested_too_deeply_is_a_response_error(
    server: LoopbackServer, task: str, caplog: pytest.LogCaptureFixture
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    runnable = hf_tools.runnable(task, base_url=server.base_url, max_retries=3)
    server.enqueue(runnable.target_model, raw(deep), raw(deep))
    with caplog.at_level(logging.WARNING, logger="hf_tools"):
        with pytest.raises(HFResponseError, match="nested too deeply"):
            runnable.invoke(TASKS[task].example)
        with pytest.raises(HFResponseError, match="nested too deeply"):
            await runnable.ainvoke(TASKS[task].example)
    assert len(server.requests) == 2 and "retry" not in caplog.text
