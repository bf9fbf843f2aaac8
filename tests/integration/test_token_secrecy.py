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
    pickled = pickle.dumps(error)
    copy = pickle.loads(pickled)
    assert TOKEN.encode() not in pickled
    assert vars(copy) == vars(error)
    seen += [repr(copy), str(copy), str(vars(copy))]
    seen += [str(message), repr(message.artifact), caplog.text, *recorder.events]
    seen += [repr(run) for run in runs.traced_runs]
    leaks = [text for text in seen if TOKEN in text]
    assert not leaks, leaks
    assert "***" in str(error), "a token echoed by the server is scrubbed"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_token_echoed_by_the_server_is_scrubbed_from_the_whole_cause_chain(
    hf_server: LoopbackServer, mode: str
) -> None:
    model = hf_tools.TASKS["summarization"].default_model
    echo = f"invalid credentials in header 'Authorization: Bearer {TOKEN}'"
    hf_server.enqueue(model, Reply.error(401, echo))
    runnable = hf_tools.runnable("summarization", base_url=hf_server.base_url, token=TOKEN)
    with pytest.raises(hf_tools.errors.HFAuthenticationError) as caught:
        if mode == "sync":
            runnable.invoke("One. Two.")
        else:
            await runnable.ainvoke("One. Two.")
    chain: list[BaseException] = []
    exc: BaseException | None = caught.value
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    hub_error = next(e for e in chain if type(e).__module__.startswith("huggingface_hub"))
    assert "***" in str(getattr(hub_error, "server_message", "")), "the hub error's server_message is scrubbed"
    texts = [str(a) for e in chain for a in e.args]
    texts += [v for e in chain for v in vars(e).values() if isinstance(v, str)]
    texts.append("".join(traceback.format_exception(caught.value)))
    leaks = [text for text in texts if TOKEN in text]
    assert not leaks, leaks
