"""The token reaches the server and nowhere else: reprs, errors, logs, traces, tool output."""

from __future__ import annotations

import logging
import pickle
import traceback
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers.context import collect_runs

import hf_tools
import hf_tools.errors
from hf_tools.client import get_client
from hf_tools.testing import LoopbackServer, Reply

TOKEN = "hf_SuperSecretTokenValue0123456789"


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self.events.append(repr((serialized, inputs, kwargs)))

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self.events.append(repr((outputs, kwargs)))

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        self.events.append(repr(error) + str(error))

    def on_tool_start(self, serialized: Any, input_str: str, **kwargs: Any) -> None:
        self.events.append(repr((serialized, input_str, kwargs)))

    def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self.events.append(repr(output))


def test_the_token_is_sent_to_the_server(hf_server: LoopbackServer) -> None:
    hf_tools.runnable("fill-mask", base_url=hf_server.base_url, token=TOKEN).invoke("a [MASK]")
    assert hf_server.requests[-1].authorized


def test_token_never_leaks(hf_server: LoopbackServer, caplog: pytest.LogCaptureFixture) -> None:
    recorder = _Recorder()
    seen: list[str] = []
    runnable = hf_tools.runnable("summarization", base_url=hf_server.base_url, token=TOKEN, backoff_base=0.01)
    tool = hf_tools.tool("summarization", base_url=hf_server.base_url, token=TOKEN)
    toolkit = hf_tools.HFToolkit(tasks=["summarization"], token=TOKEN)
    seen += [repr(runnable), str(runnable), repr(tool), repr(toolkit), repr(get_client(runnable.settings))]
    seen += [runnable.model_dump_json(), str(runnable.to_json()), str(tool.model_dump(exclude={"args_schema"}))]
    seen.append(str(runnable.get_input_schema().model_json_schema()))

    model = hf_tools.TASKS["summarization"].default_model
    hf_server.enqueue(model, Reply.error(500, "boom"), Reply.error(401, f"bad token {TOKEN}"))
    with caplog.at_level(logging.DEBUG), collect_runs() as runs:
        with pytest.raises(hf_tools.errors.HFAuthenticationError) as caught:
            runnable.invoke("One. Two.", config={"callbacks": [recorder]})
        message = tool.invoke(
            {"type": "tool_call", "id": "1", "name": tool.name, "args": {"text": "One. Two."}},
            config={"callbacks": [recorder]},
        )
    error = caught.value
    seen += [str(error), repr(error), str(error.args), str(error.server_message), str(error.__cause__)]
    seen.append("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    seen += [repr(pickle.loads(pickle.dumps(error))) if _picklable(error) else ""]
    seen += [str(message), repr(message.artifact), caplog.text, *recorder.events]
    seen += [repr(run) for run in runs.traced_runs]
    leaks = [text for text in seen if TOKEN in text]
    assert not leaks, leaks
    assert "***" in str(error), "a token echoed by the server is scrubbed"


def _picklable(error: BaseException) -> bool:
    try:
        pickle.dumps(error)
    except Exception:
        return False
    return True
