"""hf_tools tools find LangChain's injected arguments once per schema; callbacks see the same inputs."""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tools import BaseTool, InjectedToolArg
from pydantic import BaseModel

from hf_tools.tools import HFBaseTool


class _Args(BaseModel):
    text: str
    user_id: Annotated[str, InjectedToolArg]


class _Echo(HFBaseTool):
    name: str = "echo"
    description: str = "Echoes its text."
    args_schema: type[BaseModel] = _Args
    response_format: str = "content"  # type: ignore[assignment]

    def _run(self, text: str, user_id: str, **kwargs: Any) -> str:
        return f"{text} for {user_id}"


class _Inputs(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_tool_start(self, serialized: Any, input_str: str, *, inputs: Any = None, **kwargs: Any) -> None:
        self.seen.append(inputs)


def test_an_injected_argument_is_passed_to_the_tool_but_hidden_from_callbacks() -> None:
    tool = _Echo()
    handler = _Inputs()
    for _ in range(2):  # the second call uses what the first one found
        result = tool.invoke({"text": "hi", "user_id": "u1", "run_manager": 1}, {"callbacks": [handler]})
        assert result == "hi for u1"
    assert handler.seen == [{"text": "hi"}, {"text": "hi"}]
    probe = {"text": "hi", "user_id": "u1", "callbacks": 2}
    assert tool._filter_injected_args(probe) == BaseTool._filter_injected_args(tool, probe) == {"text": "hi"}


def test_the_annotations_langchain_reads_per_call_are_resolved_objects() -> None:
    annotations = _Echo._run.__annotations__
    assert annotations["text"] is str and annotations["return"] is str
