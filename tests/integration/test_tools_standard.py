"""langchain-tests' standard suites for the Tool of every registered task, generated from TASKS."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

import hf_tools
import hf_tools.errors
from hf_tools.testing import LoopbackServer


def _unit_suite(task: str) -> type:
    class Suite(ToolsUnitTests):
        @property
        def tool_constructor(self) -> BaseTool:
            return hf_tools.tool(task)

        @property
        def tool_invoke_params_example(self) -> dict[str, Any]:
            return hf_tools.TASKS[task].example

    return Suite


def _integration_suite(task: str) -> type:
    class Suite(ToolsIntegrationTests):
        @property
        def tool_constructor(self) -> type[BaseTool]:
            return BaseTool

        @property
        def tool_invoke_params_example(self) -> dict[str, Any]:
            return hf_tools.TASKS[task].example

        @pytest.fixture
        def tool(self, hf_server: LoopbackServer) -> BaseTool:  # type: ignore[override]
            return hf_tools.tool(task, base_url=hf_server.base_url)

    return Suite


for _task in hf_tools.TASKS:
    _camel = "".join(part.title() for part in _task.split("-"))
    globals()[f"Test{_camel}ToolUnit"] = _unit_suite(_task)
    globals()[f"Test{_camel}ToolIntegration"] = _integration_suite(_task)


def test_toolkit_covers_every_task_with_distinct_valid_names() -> None:
    tools = hf_tools.HFToolkit().get_tools()
    names = [t.name for t in tools]
    assert len(names) == len(set(names)) == len(hf_tools.TASKS)
    assert all(name.isidentifier() for name in names)


def test_tool_returns_short_text_and_typed_artifact(hf_server: LoopbackServer) -> None:
    classify = hf_tools.tool("text-classification", base_url=hf_server.base_url)
    message = classify.invoke(
        {"type": "tool_call", "id": "call-1", "name": classify.name, "args": {"text": "I love it"}}
    )
    assert message.content == "POSITIVE (0.97), NEGATIVE (0.03)"
    assert message.artifact[0].label == "POSITIVE"
    assert message.tool_call_id == "call-1"


async def test_tool_async_path(hf_server: LoopbackServer) -> None:
    translate = hf_tools.tool("translation", base_url=hf_server.base_url, name="translate", description="d")
    message = await translate.ainvoke(
        {"type": "tool_call", "id": "c", "name": "translate", "args": hf_tools.TASKS["translation"].example}
    )
    assert (translate.name, translate.description) == ("translate", "d")
    assert message.artifact.translation_text == "[fr] Good morning"


def test_tool_args_are_validated_before_any_request(hf_server: LoopbackServer) -> None:
    from pydantic import ValidationError

    classify = hf_tools.tool("zero-shot-classification", base_url=hf_server.base_url)
    message = classify.invoke({"type": "tool_call", "id": "c", "name": classify.name, "args": {"text": "x"}})
    assert message.status == "error" and "candidate_labels: Field required" in message.content
    classify.handle_validation_error = False  # a program may want the exception instead
    with pytest.raises(ValidationError):
        classify.invoke({"text": "x", "candidate_labels": []})
    assert hf_server.requests == []


def test_toolkit_models_and_settings_are_applied(hf_server: LoopbackServer) -> None:
    hf_server.register("acme/sentiment", "text-classification")
    kit = hf_tools.HFToolkit(
        tasks=["text_classification"], models={"text-classification": "acme/sentiment"}, base_url=hf_server.base_url
    )
    (classify,) = kit.get_tools()
    classify.invoke({"text": "good"})
    assert hf_server.requests[-1].model == "acme/sentiment"


def test_input_refused_after_validation_becomes_a_message_the_model_can_read(hf_server: LoopbackServer) -> None:
    classify = hf_tools.tool("image-classification", base_url=hf_server.base_url)
    message = classify.invoke(
        {"type": "tool_call", "id": "c1", "name": classify.name, "args": {"image": "../../etc/passwd"}}
    )
    assert message.status == "error"
    assert ".." in message.content
    assert hf_server.requests == []


def test_server_failures_raise_typed_errors_when_asked(hf_server: LoopbackServer) -> None:
    from hf_tools.testing import Reply

    hf_server.enqueue(hf_tools.TASKS["summarization"].default_model, Reply.error(401, "bad token"))
    summarize = hf_tools.tool("summarization", base_url=hf_server.base_url, handle_provider_errors=False)
    with pytest.raises(hf_tools.errors.HFAuthenticationError):
        summarize.invoke({"type": "tool_call", "id": "c", "name": summarize.name, "args": {"text": "A. B."}})
