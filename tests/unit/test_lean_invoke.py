"""invoke skips LangChain's run set-up only when nothing would observe the run."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, ClassVar
from uuid import UUID

import pytest
from call_spies import record_calls
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.globals import set_debug
from langchain_core.runnables import RunnableLambda
from langchain_core.tracers.context import collect_runs, register_configure_hook

import hf_tools
from hf_tools.runnables import HFTaskRunnable
from hf_tools.settings import HFSettings


class Starts(BaseCallbackHandler):
    def __init__(self) -> None:
        self.names: list[str] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.names.append(kwargs.get("name") or "")


class AsyncStarts(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.names: list[str] = []

    async def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.names.append(kwargs.get("name") or "")


@pytest.fixture
def full_path_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return record_calls(monkeypatch, HFTaskRunnable, HFTaskRunnable, "_call_with_config", "_acall_with_config")


async def test_with_nobody_listening_the_set_up_is_skipped(hf_settings: HFSettings, full_path_calls: list[str]) -> None:
    classify = hf_tools.runnable("text-classification", settings=hf_settings)
    assert classify.invoke("I love it")[0].label == (await classify.ainvoke("I love it"))[0].label
    assert classify.batch(["a", "b"]) and await classify.abatch(["a", "b"])
    assert full_path_calls == []


async def test_handlers_in_the_config_see_every_run(hf_settings: HFSettings, full_path_calls: list[str]) -> None:
    classify = hf_tools.runnable("text-classification", settings=hf_settings)
    seen, aseen = Starts(), AsyncStarts()
    classify.invoke("x", config={"callbacks": [seen]})
    await classify.ainvoke("x", config={"callbacks": [aseen]})
    classify.batch(["a", "b"], config={"callbacks": [seen]})
    assert len(seen.names) == 3 and len(aseen.names) == 1
    assert full_path_calls == ["sync", "async", "sync", "sync"]


def test_a_handler_of_the_parent_chain_sees_the_task_run(hf_settings: HFSettings) -> None:
    seen = Starts()
    chain = RunnableLambda(lambda text: text.upper(), name="shout") | hf_tools.runnable(
        "text-classification", settings=hf_settings
    )
    chain.invoke("i love it", config={"callbacks": [seen]})
    assert "shout" in seen.names and "HF[text-classification]" in seen.names


def test_run_collectors_and_debug_output_still_see_runs(
    hf_settings: HFSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    classify = hf_tools.runnable("text-classification", settings=hf_settings)
    with collect_runs() as collector:  # a configure hook (context variable), as tracers use
        classify.invoke("x")
    assert [run.name for run in collector.traced_runs] == ["HF[text-classification]"]
    set_debug(True)
    try:
        classify.invoke("x")
    finally:
        set_debug(False)
    assert "HF[text-classification]" in capsys.readouterr().out


async def test_astream_events_sees_the_run(hf_settings: HFSettings) -> None:
    classify = hf_tools.runnable("text-classification", settings=hf_settings)
    events = [e["event"] async for e in classify.astream_events("x", version="v2")]
    assert events[0] == "on_chain_start" and events[-1] == "on_chain_end"


def test_a_function_in_a_chain_that_calls_invoke_without_the_config_is_seen(hf_settings: HFSettings) -> None:
    seen = Starts()
    classify = hf_tools.runnable("text-classification", settings=hf_settings)
    RunnableLambda(lambda text: classify.invoke(text), name="outer").invoke("x", config={"callbacks": [seen]})
    assert seen.names == ["outer", "HF[text-classification]"]


class HookStarts(BaseCallbackHandler):
    """A handler a configure hook makes from an environment variable (LangChain builds it, so it records here)."""

    names: ClassVar[list[str]] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        HookStarts.names.append(kwargs.get("name") or "")


_HOOK_VAR: ContextVar[HookStarts | None] = ContextVar("hf_tools_test_hook", default=None)
register_configure_hook(_HOOK_VAR, inheritable=True, handle_class=HookStarts, env_var="HF_TOOLS_TEST_HOOK")


def test_a_configure_hook_turned_on_by_its_environment_variable_sees_the_run(
    hf_settings: HFSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    classify = hf_tools.runnable("text-classification", settings=hf_settings)
    HookStarts.names.clear()
    classify.invoke("x")
    assert HookStarts.names == []  # the variable is unset: nobody is listening
    monkeypatch.setenv("HF_TOOLS_TEST_HOOK", "true")
    classify.invoke("x")
    assert HookStarts.names == ["HF[text-classification]"]
