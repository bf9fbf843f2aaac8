"""has_observers reads LangSmith's tracing state directly: it must agree with langsmith's own check in every state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import langsmith
import langsmith.utils as ls_utils
import pytest
from langsmith._internal import _context as ls_context
from langsmith.run_trees import RunTree

from hf_tools import observers
from hf_tools.observers import has_observers


@pytest.fixture(autouse=True)
def clean_langsmith_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING", "LANGCHAIN_TRACING"):
        monkeypatch.delenv(name, raising=False)
    ls_utils.get_env_var.cache_clear()
    yield
    ls_utils.get_env_var.cache_clear()


@contextmanager
def _env(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> Iterator[None]:
    with monkeypatch.context() as patch:
        patch.setenv(name, value)
        ls_utils.get_env_var.cache_clear()  # langsmith reads each variable once per process
        yield
    ls_utils.get_env_var.cache_clear()


@contextmanager
def _global(value: Any) -> Iterator[None]:
    before = ls_context._GLOBAL_TRACING_ENABLED
    ls_context._GLOBAL_TRACING_ENABLED = value
    try:
        yield
    finally:
        ls_context._GLOBAL_TRACING_ENABLED = before


STATES: dict[str, Callable[[pytest.MonkeyPatch], AbstractContextManager[Any]]] = {
    "nothing set": lambda mp: nullcontext(),
    "tracing_context(enabled=True)": lambda mp: langsmith.tracing_context(enabled=True),
    "tracing_context(enabled=False)": lambda mp: langsmith.tracing_context(enabled=False),
    "tracing_context(enabled='local')": lambda mp: langsmith.tracing_context(enabled="local"),
    "inside a parent run": lambda mp: langsmith.tracing_context(parent=RunTree(name="outer", run_type="chain")),
    "process-wide default on": lambda mp: _global(True),
    "process-wide default off": lambda mp: _global(False),
    "LANGSMITH_TRACING_V2=true": lambda mp: _env(mp, "LANGSMITH_TRACING_V2", "true"),
    "LANGCHAIN_TRACING_V2=true": lambda mp: _env(mp, "LANGCHAIN_TRACING_V2", "true"),
    "LANGSMITH_TRACING=true": lambda mp: _env(mp, "LANGSMITH_TRACING", "true"),
    "LANGSMITH_TRACING_V2=false": lambda mp: _env(mp, "LANGSMITH_TRACING_V2", "false"),
}


@pytest.mark.parametrize("state", list(STATES))
def test_the_direct_check_agrees_with_langsmith(state: str, monkeypatch: pytest.MonkeyPatch) -> None:
    has_observers(None)  # sets up the check
    direct = observers._langsmith_tracing
    assert direct is not ls_utils.tracing_is_enabled, "this langsmith release is read directly"
    with STATES[state](monkeypatch):
        expected = ls_utils.tracing_is_enabled()
        assert direct() == expected
        assert has_observers(None) is bool(expected)


def test_a_release_without_the_known_fields_falls_back_to_langsmith(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(ls_context, "_PARENT_RUN_TREE_REF")
    assert observers._tracing_check() is ls_utils.tracing_is_enabled
