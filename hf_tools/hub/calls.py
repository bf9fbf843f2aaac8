"""How to call a model with hf_tools: the one-line call and a ready-to-run snippet."""

from __future__ import annotations

import json
from typing import Any

from hf_tools.tasks import TASKS

__all__ = ["CHAT_TASK", "call_for", "example_input", "snippet"]

# The providers' name for chat models; hf_tools serves it with a chat model, not a task runnable.
CHAT_TASK = "conversational"


def call_for(task: str, model: str) -> str | None:
    """The ``hf_tools`` expression that calls ``model`` for ``task``, or None if there is none.

    Example:
        >>> call_for("summarization", "facebook/bart-large-cnn")
        'hf_tools.runnable("summarization", model="facebook/bart-large-cnn")'
        >>> call_for("no-such-task", "org/m") is None
        True

    """
    if task in TASKS:
        return f"hf_tools.runnable({json.dumps(TASKS[task].name)}, model={json.dumps(model)})"
    if task == CHAT_TASK:
        import hf_tools

        if "ChatHFInference" in hf_tools.__all__:
            return f"hf_tools.ChatHFInference(model={json.dumps(model)})"
    return None


def example_input(task: str) -> Any:
    """A small valid input for ``task``: a plain string when one text field is all it needs.

    Example:
        >>> example_input("summarization")
        '...'
        >>> example_input("question-answering")
        {'question': '...', 'context': '...'}

    """
    schema = TASKS[task].input_model.model_json_schema()
    required = schema.get("required", [])
    props = schema.get("properties", {})
    values = {name: _placeholder(props.get(name, {})) for name in required}
    if len(values) == 1 and isinstance(next(iter(values.values())), str):
        return next(iter(values.values()))
    return values


def _placeholder(prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if kind is None:
        for option in prop.get("anyOf", []):
            if option.get("type") not in (None, "null"):
                return _placeholder(option)
    if kind == "array":
        return [_placeholder(prop.get("items", {"type": "string"}))]
    if kind == "object":
        return {"column": ["..."]}
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return "..."


def snippet(task: str | None, model: str) -> str:
    """Python that calls ``model`` through hf_tools (a comment when hf_tools cannot).

    Example:
        >>> print(snippet("fill-mask", "google-bert/bert-base-uncased"))
        import hf_tools
        <BLANKLINE>
        fill_mask = hf_tools.runnable("fill-mask", model="google-bert/bert-base-uncased")
        print(fill_mask.invoke('...'))

    """
    call = call_for(task, model) if task else None
    if task is None or call is None:
        return f"# hf_tools has no runnable for task {task!r} (model {model!r}) yet"
    if task == CHAT_TASK:
        return f"import hf_tools\n\nchat = {call}\nprint(chat.invoke('Hello!').content)"
    name = TASKS[task].tool_name
    return f"import hf_tools\n\n{name} = {call}\nprint({name}.invoke({example_input(task)!r}))"
