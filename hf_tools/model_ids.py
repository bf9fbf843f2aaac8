"""Which strings may name a model when the name does not come from the program itself.

A model id written by an LLM (a tool argument) or filled into a ``base_url`` template must
be a Hub model id, never a URL or a path: otherwise the token would travel with the request
to wherever the text points. Endpoint URLs come only from the program's settings.
"""

from __future__ import annotations

import re

from hf_tools.errors import HFInputError

__all__ = ["check_model_id", "is_model_id"]

# The Hub's repo id rule: an optional namespace, a name of word characters, '-' and '.',
# at most 96 characters each, neither starting nor ending with '-' or '.'.
_PART = r"[A-Za-z0-9_](?:[\w\-.]{0,94}[A-Za-z0-9_])?"
_MODEL_ID = re.compile(rf"(?:{_PART}/)?{_PART}", re.ASCII)


def is_model_id(value: object) -> bool:
    """True when ``value`` is a Hub model id such as ``"org/name"`` (no scheme, no ``..``, no ``--``).

    Example:
        >>> is_model_id("facebook/bart-large-cnn"), is_model_id("gpt2")
        (True, True)
        >>> is_model_id("http://127.0.0.1:8000/x"), is_model_id("../../api/whoami"), is_model_id("a/b/c")
        (False, False, False)

    """
    return (
        isinstance(value, str)
        and _MODEL_ID.fullmatch(value) is not None
        and ".." not in value
        and "--" not in value
    )


def check_model_id(value: str) -> str:
    """Return ``value`` if it is a Hub model id, else raise :class:`~hf_tools.errors.HFInputError`.

    Example:
        >>> check_model_id("org/model")
        'org/model'
        >>> check_model_id("http://169.254.169.254/latest")
        Traceback (most recent call last):
        ...
        hf_tools.errors.HFInputError: 'model' must be a Hugging Face model id like 'org/name', not a URL or a path

    """
    if is_model_id(value):
        return value
    raise HFInputError("'model' must be a Hugging Face model id like 'org/name', not a URL or a path")
