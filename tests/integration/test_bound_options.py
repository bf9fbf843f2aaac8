"""Options given with .bind() or as invoke keywords reach the request or are refused, never dropped."""

from __future__ import annotations

import pytest

import hf_tools
from hf_tools.errors import HFInputError
from hf_tools.testing import LoopbackServer

OPTIONS = {"max_new_tokens": 5}


@pytest.fixture
def server() -> LoopbackServer:  # type: ignore[misc]
    with LoopbackServer() as running:
        yield running


def _sent(server: LoopbackServer) -> list[object]:
    return [r.body["parameters"].get("generate_parameters") for r in server.requests]


async def test_bound_options_reach_every_kind_of_call(server: LoopbackServer) -> None:
    bound = hf_tools.runnable("summarization", base_url=server.base_url).bind(generate_parameters=OPTIONS)
    bound.invoke("One. Two.")
    await bound.ainvoke("One. Two.")
    bound.batch(["One. Two.", "Three. Four."])
    await bound.abatch(["One. Two."])
    list(bound.stream("One. Two."))
    assert _sent(server) == [OPTIONS] * 6


def test_invoke_keywords_are_input_fields_too(server: LoopbackServer) -> None:
    summarize = hf_tools.runnable("summarization", base_url=server.base_url)
    summarize.invoke("One. Two.", generate_parameters=OPTIONS)
    summarize.invoke({"text": "One. Two."}, truncation="only_first")
    assert _sent(server)[0] == OPTIONS and server.requests[1].body["parameters"]["truncation"] == "only_first"


async def test_bound_options_reach_a_stream_and_the_input_wins(server: LoopbackServer) -> None:
    generate = hf_tools.runnable("text-generation", base_url=server.base_url).bind(max_new_tokens=3)
    assert "".join(generate.stream("Once")).split() == ["word0", "word1", "word2"]
    assert "".join([t async for t in generate.astream("Once")]).split() == ["word0", "word1", "word2"]
    assert generate.invoke({"prompt": "Once", "max_new_tokens": 2}).split() == ["word0", "word1"]


async def test_an_unknown_bound_option_is_refused_before_any_request(server: LoopbackServer) -> None:
    bound = hf_tools.runnable("text-generation", base_url=server.base_url).bind(temprature=0.2)
    with pytest.raises(HFInputError, match="no input field 'temprature'"):
        bound.invoke("Once")
    with pytest.raises(HFInputError, match="temprature"):
        await bound.ainvoke("Once")
    with pytest.raises(HFInputError, match="temprature"):
        list(bound.stream("Once"))
    assert server.requests == []


@pytest.mark.parametrize("make", [hf_tools.runnable, hf_tools.tool])
def test_task_options_given_as_settings_say_where_they_go(make: object) -> None:
    with pytest.raises(HFInputError, match=r"input field of task 'summarization'.*\.bind\(generate_parameters="):
        make("summarization", generate_parameters=OPTIONS)  # type: ignore[operator]
    with pytest.raises(HFInputError, match="did you mean 'timeout'"):
        make("summarization", timout=5)  # type: ignore[operator]
