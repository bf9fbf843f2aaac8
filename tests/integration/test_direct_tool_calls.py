"""Direct tool calls by a program or a model: every call ends as a result or a typed error.

A result is the tool's answer (text, a ToolMessage, an error ToolMessage); a typed error is an
``hf_tools.errors.HFError``. Nothing untyped (``TypeError``, ``AttributeError``,
``RecursionError``, ``KeyError``, pydantic's ``ValidationError``) escapes LangChain's tool code
or ours, whatever the input: wrong types, ``None``, deep nesting, huge strings, non-object
arguments, missing ids, lone surrogates.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

import hf_tools
from hf_tools.errors import HFError, HFInputError
from hf_tools.hub.tools import FindModelTool
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer
from hf_tools.testing.hub_server import LoopbackHub

TASKS = ["text-classification", "summarization", "zero-shot-classification", "question-answering", "translation"]
FUZZ_CASES = 400


def _deep_dict(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


def _deep_list(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def hub() -> Iterator[LoopbackHub]:
    with LoopbackHub() as srv:
        yield srv


@pytest.fixture(scope="module")
def tools(server: LoopbackServer, hub: LoopbackHub) -> list[BaseTool]:
    fast: dict[str, Any] = {"base_url": server.base_url, "max_retries": 0}
    task_tools: list[BaseTool] = [hf_tools.tool(task, **fast) for task in TASKS]
    finder = FindModelTool(settings=HFSettings(hub_endpoint=hub.endpoint, hub_timeout=5))
    (_, chooser) = hf_tools.model_tools(["summarization"], **fast)
    return [*task_tools, finder, chooser]


def call(tool: BaseTool, args: Any, call_id: Any = "c1", **extra: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": call_id, "name": tool.name, "args": args, **extra}


# -- the calls that failed untyped -------------------------------------------------------------


def test_a_plain_string_fills_the_first_field_as_for_the_runnable(tools: list[BaseTool]) -> None:
    classify = tools[0]
    assert classify.invoke("I love it").startswith(("POSITIVE", "NEGATIVE"))
    message = classify.invoke(call(classify, "I love it"))
    assert isinstance(message, ToolMessage) and message.status == "success"


async def test_a_plain_string_fills_the_first_field_async(tools: list[BaseTool]) -> None:
    answer = await tools[0].ainvoke("I love it")
    assert isinstance(answer, str) and answer.startswith(("POSITIVE", "NEGATIVE"))


@pytest.mark.parametrize("args", [None, 3, 2.5, True], ids=["None", "int", "float", "bool"])
def test_a_tool_call_whose_args_are_not_an_object_is_an_error_message(tools: list[BaseTool], args: Any) -> None:
    for tool in tools:
        message = tool.invoke(call(tool, args))
        assert isinstance(message, ToolMessage) and message.status == "error", (tool.name, message)
        assert str(message.content).startswith("Invalid arguments:")


@pytest.mark.parametrize("deep", [_deep_dict(3000), _deep_list(3000)], ids=["dict", "list"])
async def test_arguments_nested_3000_deep_are_an_error_message(tools: list[BaseTool], deep: Any) -> None:
    for tool in tools:
        message = tool.invoke(call(tool, {"text": deep, "task": deep}))
        assert isinstance(message, ToolMessage) and message.status == "error"
        assert "nested more than 64 levels deep" in message.content
        assert (await tool.ainvoke(call(tool, deep))).status == "error"
        assert tool.invoke(deep).startswith("Invalid arguments:")


def test_a_tool_call_without_an_id_answers_without_a_tool_message(tools: list[BaseTool]) -> None:
    classify = tools[0]
    assert classify.invoke({"type": "tool_call", "name": classify.name, "args": {"text": "ok"}}).startswith(
        ("POSITIVE", "NEGATIVE")
    )
    assert classify.invoke(call(classify, {"text": "ok"}, call_id=7)).tool_call_id == "7"
    with pytest.raises(HFInputError, match="id must be text"):
        classify.invoke(call(classify, {"text": "ok"}, call_id=["x"]))


def test_a_lone_surrogate_in_a_nested_key_is_an_error_message(tools: list[BaseTool]) -> None:
    summarize = tools[1]
    message = summarize.invoke(call(summarize, {"text": "ok", "generate_parameters": {"\ud800": "x"}}))
    assert message.status == "error" and "lone surrogates" in message.content


# -- bounded fuzzing ---------------------------------------------------------------------------

_VALUES: list[Any] = [
    None,
    0,
    -1,
    10**30,
    1.5,
    math.nan,
    math.inf,
    True,
    "",
    "I love it",
    "x" * 200_000,
    "\ud800 lone",
    "\udfff",
    b"\xff\xfe",
    [],
    ["a", "b"],
    [None],
    ("t", 1),
    {"a"},
    {},
    {"a": 1},
    {1: "x"},
    {"\ud800": "x"},
    object(),
    _deep_dict(80),
    _deep_list(3000),
    _deep_dict(3000),
]


def _value(rng: random.Random) -> Any:
    return rng.choice(_VALUES)


def _args(rng: random.Random, tool: BaseTool) -> Any:
    fields = list(tool.tool_call_schema.model_json_schema().get("properties", {}))  # type: ignore[union-attr]
    shape = rng.randrange(4)
    if shape == 0:
        return _value(rng)  # not an object at all
    args = {name: _value(rng) for name in rng.sample(fields, k=rng.randint(0, len(fields)))}
    if shape == 1:
        args[rng.choice(["junk", "\ud800", "", "args"])] = _value(rng)
    if shape == 2 and fields:
        args[fields[0]] = "Cats sleep a lot. They also eat."  # often valid: a real request
    return args


def _input(rng: random.Random, tool: BaseTool) -> Any:
    kind = rng.randrange(7)
    if kind == 0:
        return _args(rng, tool)  # a plain input
    if kind == 1:
        return {"type": "tool_call", "name": tool.name, "args": _args(rng, tool)}  # no id
    if kind == 2:
        return {"type": "tool_call", "id": "c1", "name": tool.name}  # no args
    if kind == 3:
        return call(tool, _args(rng, tool), call_id=rng.choice(["c1", None, 3, "\ud800", ""]))
    if kind == 4:
        return call(tool, _value(rng))  # args of any kind
    return call(tool, _args(rng, tool))


def _outcome(tool: BaseTool, given: Any, run: Any) -> str:
    try:
        result = run()
    except HFError:
        return "typed error"
    except Exception as exc:
        return f"UNTYPED {type(exc).__module__}.{type(exc).__name__} from {tool.name}: {str(exc)[:120]}"
    if isinstance(result, ToolMessage):
        return f"message {result.status}"
    return "result" if isinstance(result, str) else f"UNTYPED result {type(result).__name__}"


def test_fuzzed_direct_calls_end_as_results_or_typed_errors(tools: list[BaseTool]) -> None:
    rng = random.Random(20261203)
    outcomes: dict[str, int] = {}
    for index in range(FUZZ_CASES):
        tool = tools[index % len(tools)]
        given = _input(rng, tool)
        outcome = _outcome(tool, given, lambda tool=tool, given=given: tool.invoke(given))  # type: ignore[misc]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    untyped = {k: v for k, v in outcomes.items() if k.startswith("UNTYPED")}
    assert untyped == {}, untyped
    assert outcomes.get("message error", 0) > FUZZ_CASES / 4  # most are refused, as error messages
    assert outcomes.get("message success", 0) + outcomes.get("result", 0) > 0  # and some run


async def test_fuzzed_async_calls_end_as_results_or_typed_errors(tools: list[BaseTool]) -> None:
    rng = random.Random(7)
    untyped: list[str] = []
    for index in range(FUZZ_CASES // 4):
        tool = tools[index % len(tools)]
        given = _input(rng, tool)
        try:
            result = await tool.ainvoke(given)
        except HFError:
            continue
        except Exception as exc:
            untyped.append(f"{tool.name}: {type(exc).__name__}: {str(exc)[:120]}")
            continue
        if not isinstance(result, (str, ToolMessage)):
            untyped.append(f"{tool.name}: result {type(result).__name__}")
    assert untyped == []
