"""The Python that reproduces one playground call ("Copy code").

Example:
    >>> print(call_code("text-classification", {"text": "Great!"}, model="org/m", settings={"provider": "together"}))
    import hf_tools
    <BLANKLINE>
    task = hf_tools.runnable("text-classification", model="org/m", provider="together")
    output = task.invoke({"text": "Great!"})
    print(output)

"""

from __future__ import annotations

import base64
import json
from typing import Any

__all__ = ["INLINE_LIMIT", "call_code"]

INLINE_LIMIT = 256 * 1024
"""Uploaded files up to this size are written into the code as base64; larger ones are read from their path."""


def _literal(value: Any) -> str:
    """A Python literal for a JSON-like value (JSON's spelling where Python's is the same, else ``repr``)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def call_code(
    task: str,
    data: dict[str, Any],
    *,
    model: str | None = None,
    settings: dict[str, Any] | None = None,
    uploads: dict[str, str] | None = None,
) -> str:
    """The ``hf_tools`` code for ``task`` on ``data`` with ``model`` and ``settings``.

    Args:
        task: the task name.
        data: the input, as the form gave it (bytes for uploaded files).
        model: the model asked for (None: the task's default, as in the call).
        settings: :class:`~hf_tools.settings.HFSettings` fields of the call (never the token: the
            code reads it from ``HF_TOKEN`` as the playground did).
        uploads: ``{field: path}`` of the uploaded files among ``data``: small ones are inlined as
            base64, larger ones read from the path.

    """
    uploads = uploads or {}
    needs_path = False
    items = []
    for name, value in data.items():
        if isinstance(value, bytes):
            if len(value) <= INLINE_LIMIT or name not in uploads:
                text = _literal(base64.b64encode(value).decode())
            else:
                text = f"Path({_literal(uploads[name])}).read_bytes()"
                needs_path = True
        else:
            text = _literal(value)
        items.append(f"{_literal(name)}: {text}")
    arguments = [_literal(task)]
    if model:
        arguments.append(f"model={_literal(model)}")
    arguments += [f"{key}={_literal(value)}" for key, value in (settings or {}).items() if value is not None]
    head = ["import hf_tools"] + (["from pathlib import Path"] if needs_path else [])
    return "\n".join(
        [
            *head,
            "",
            f"task = hf_tools.runnable({', '.join(arguments)})",
            "output = task.invoke({" + ", ".join(items) + "})",
            "print(output)",
        ]
    )
