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
        return f"hf_tools.ChatHFInference(model={json.dumps(model)})"
    return None


def example_input(task: str) -> Any:
    """The task's declared example input, as a plain string when it is one text field.

    Inline media (``data:`` URLs) become file names to replace with your own files.

    Example:
        >>> example_input("fill-mask")
        'The capital of France is [MASK].'
        >>> example_input("question-answering")
        {'question': 'Where does Ada live?', 'context': 'Ada lives in London.'}

    """
    values = {name: _readable(value) for name, value in TASKS[task].example.items()}
    if len(values) == 1 and isinstance(next(iter(values.values())), str):
        return next(iter(values.values()))
    return values


def _readable(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("data:"):
        kind = value[5:].split("/", 1)[0]
        return {"image": "image.png", "audio": "audio.wav"}.get(kind, "file.bin")
    return value


def snippet(task: str | None, model: str) -> str:
    """Python that calls ``model`` through hf_tools (a comment when hf_tools cannot).

    Example:
        >>> print(snippet("fill-mask", "google-bert/bert-base-uncased"))
        import hf_tools
        <BLANKLINE>
        fill_mask = hf_tools.runnable("fill-mask", model="google-bert/bert-base-uncased")
        print(fill_mask.invoke('The capital of France is [MASK].'))

    """
    call = call_for(task, model) if task else None
    if task is None or call is None:
        return f"# hf_tools has no runnable for task {task!r} (model {model!r}) yet"
    if task == CHAT_TASK:
        return f"import hf_tools\n\nchat = {call}\nprint(chat.invoke('Hello!').content)"
    name = TASKS[task].tool_name
    return f"import hf_tools\n\n{name} = {call}\nprint({name}.invoke({example_input(task)!r}))"
