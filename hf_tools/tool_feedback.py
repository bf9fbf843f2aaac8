"""What a model is told when a tool cannot do what it asked, in any agent runtime.

Tools run on model output, and an agent can only go on if it is told, in words it can act on,
what went wrong. Three kinds of message, shared by the LangChain tools, the MCP server and the
smolagents adapter:

* :func:`invalid_arguments`: arguments that fail the input schema, each with its field and the
  reason (a model-level rule without a field is reported against ``arguments``);
* :func:`failure_line`: a provider failure that outlived its retries, in one line: task, model,
  status, and whether retrying later may help;
* :func:`scrub_paths` / :func:`display_path`: paths shown to a model are relative to the folder
  they lie in (the working directory, a media folder, a corpus), never the machine's layout.

Example:
    >>> from hf_tools.errors import HFModelLoadingError
    >>> line = failure_line(HFModelLoadingError("cold", status_code=503), "summarization", "facebook/bart-large-cnn")
    >>> for sentence in line.split(". "):
    ...     print(sentence)
    Error: summarization with model 'facebook/bart-large-cnn' failed: HTTP 503, the model is still loading
    Retrying later may help; or use another tool, or answer without it.
    >>> from pathlib import Path
    >>> display_path("/srv/corpus/notes/ada.md", [Path("/srv/corpus")])
    'corpus/notes/ada.md'
    >>> display_path("/etc/passwd", [Path("/srv/corpus")])
    '…/passwd'

"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hf_tools.errors import (
    HFAuthenticationError,
    HFConnectionError,
    HFDeadlineExceededError,
    HFError,
    HFInvalidRequestError,
    HFMissingTokenError,
    HFModelLoadingError,
    HFModelNotFoundError,
    HFModelNotServedError,
    HFPaymentRequiredError,
    HFPermissionError,
    HFRateLimitError,
    HFResponseError,
    HFServerError,
    HFTimeoutError,
)

__all__ = [
    "display_path",
    "failure_line",
    "invalid_arguments",
    "media_roots",
    "model_label",
    "retry_may_help",
    "scrub_paths",
    "source_label",
]

_RETRY_MAY_HELP = (HFServerError, HFRateLimitError, HFConnectionError, HFTimeoutError)
_SERVER_TEXT_MAX = 160


def invalid_arguments(exc: ValidationError) -> str:
    """The message for arguments that fail a tool's schema: each field and why, no input values.

    Example:
        >>> from pydantic import BaseModel
        >>> class Args(BaseModel):
        ...     text: str
        ...     top_k: int = 1
        >>> try:
        ...     Args.model_validate({"top_k": 1.5})
        ... except ValidationError as exc:
        ...     for part in invalid_arguments(exc).split("; "):
        ...         print(part)
        Invalid arguments: text: Field required
        top_k: Input should be a valid integer, got a number with a fractional part. Fix them and try again.

    """
    reasons = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in err["loc"]) or "arguments"
        reasons.append(f"{where}: {_reason(err['msg'])}")
    return f"Invalid arguments: {'; '.join(reasons) or 'rejected'}. Fix them and try again."


def _reason(message: str) -> str:
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def retry_may_help(error: HFError) -> bool:
    """Whether the same call may succeed later (server trouble, rate limit, timeout, connection)."""
    return isinstance(error, _RETRY_MAY_HELP)


def model_label(model: str | None) -> str:
    """A model id as a model may see it; an endpoint URL is not shown (it may be internal)."""
    if not model:
        return "the configured model"
    if "://" in model:
        return "the configured endpoint"
    return repr(model)


def failure_line(error: HFError, task: str, model: str | None) -> str:
    """One line for a model: which call failed, why, and whether retrying later may help.

    The server's own words are kept short and on one line; the error's message is already free
    of the token (see :func:`hf_tools.errors.map_error`).
    """
    what = _what_failed(error)
    if retry_may_help(error):
        advice = "Retrying later may help; or use another tool, or answer without it."
    elif isinstance(error, HFInvalidRequestError):
        advice = "Change the arguments, use another tool, or answer without it."
    else:
        advice = "Retrying will not help; use another tool, or answer without it."
    return f"Error: {task} with model {model_label(model)} failed: {what}. {advice}"


def _status(error: HFError, default: str = "") -> str:
    return f"HTTP {error.status_code}, " if error.status_code else default


def _server_words(error: HFError) -> str:
    text = " ".join((error.server_message or "").split())
    if len(text) > _SERVER_TEXT_MAX:
        text = text[: _SERVER_TEXT_MAX - 1] + "…"
    return f": {text}" if text else ""


# The first class an error is an instance of says what failed ({status}: "HTTP 503, " when known;
# {server}: ": <the server's words>" when it sent some). Subclasses come before their bases.
_WHAT_FAILED: tuple[tuple[type[HFError], str], ...] = (
    (HFModelLoadingError, "{status}the model is still loading"),
    (HFRateLimitError, "{status}rate limited by the provider"),
    (HFServerError, "{status}server error{server}"),
    (HFDeadlineExceededError, "no answer within the call's deadline"),
    (HFTimeoutError, "the request timed out"),
    (HFConnectionError, "the server could not be reached"),
    (HFMissingTokenError, "no Hugging Face token is configured"),
    (HFAuthenticationError, "{status}the token was refused"),
    (HFPermissionError, "{status}the token may not use this model"),
    (HFPaymentRequiredError, "{status}inference credits are exhausted"),
    (HFModelNotServedError, "no inference provider serves this model for the task"),
    (HFModelNotFoundError, "{status}model not found"),
    (HFInvalidRequestError, "{status}the server rejected the request{server}"),
    (HFResponseError, "the server's answer could not be read"),
)


def _what_failed(error: HFError) -> str:
    for kind, template in _WHAT_FAILED:
        if isinstance(error, kind):
            return template.format(status=_status(error), server=_server_words(error))
    return type(error).__name__


# -- paths -------------------------------------------------------------------------------------

# An absolute POSIX path not glued to a word, a URL or another path: "/a/b.png", '/etc/passwd'.
_ABSOLUTE = re.compile(r"(?<![\w:/.~\\-])/(?:[^\s'\"`()\[\]{}<>,;|]+)")


def _forms(folder: str | os.PathLike[str]) -> set[Path]:
    return {Path(os.path.abspath(folder)), Path(os.path.realpath(folder))}


def _relative(absolute: Path, folder: str | os.PathLike[str]) -> str | None:
    for form in _forms(folder):
        if absolute == form or form in absolute.parents:
            return absolute.relative_to(form).as_posix()
    return None


def display_path(path: str | os.PathLike[str], roots: Sequence[str | os.PathLike[str]] = ()) -> str:
    """``path`` as a model may see it.

    A relative path is kept. An absolute one is shown relative to the working directory when it
    lies inside it (so a tool can be given it back), else as ``<folder name>/<rest>`` for the
    innermost of ``roots`` it lies in, else as its last component only.
    """
    text = os.fspath(path)
    if "://" in text:
        return text
    given = Path(text)
    if not given.is_absolute():
        return given.as_posix()
    absolute = Path(os.path.abspath(given))
    inside_cwd = _relative(absolute, Path.cwd())
    if inside_cwd is not None:
        return inside_cwd
    for root in sorted(roots, key=lambda r: len(os.path.abspath(r)), reverse=True):
        rest = _relative(absolute, root)
        if rest is not None:
            shown = Path(os.path.abspath(root)).name or "root"
            return shown if rest == "." else f"{shown}/{rest}"
    return f"…/{absolute.name}" if absolute.name else "…"


def scrub_paths(text: str, roots: Sequence[str | os.PathLike[str]] = ()) -> str:
    """``text`` with every absolute path in it replaced by :func:`display_path`.

    Example:
        >>> from pathlib import Path
        >>> scrub_paths("no media file at '/data/media/cat.png' (see https://x.org/a/b)", [Path("/data/media")])
        "no media file at 'media/cat.png' (see https://x.org/a/b)"

    """
    if "/" not in text:
        return text
    return _ABSOLUTE.sub(lambda match: display_path(match.group(0), roots), text)


def media_roots(settings: Any) -> list[str]:
    """The folders a tool's settings let media come from or go to (for :func:`scrub_paths`)."""
    roots = list(getattr(settings, "media_dirs", None) or ())
    output = getattr(settings, "media_output_dir", None)
    if output:
        roots.append(output)
    return roots


def source_label(metadata: dict[str, Any], roots: Sequence[str | os.PathLike[str]] = ()) -> str:
    """How a retrieved passage's source is shown to a model: its path by :func:`display_path`, and the page.

    Example:
        >>> source_label({"source": "/srv/corpus/report.pdf", "page": 2}, ["/srv/corpus"])
        'corpus/report.pdf, page 2'

    """
    source = str(metadata.get("source", "unknown"))
    label = display_path(source, roots) if source != "unknown" else source
    page = metadata.get("page")
    return f"{label}, page {page}" if page is not None else label
