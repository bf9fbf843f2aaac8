"""Keep the token out of everything the MCP server sends or logs.

An upstream may echo the ``Authorization`` header into a successful answer (a misbehaving endpoint,
a proxy's debug page): the token would then sit in a tool result's text, its ``structuredContent``,
a resource, a link, an error, and in every log line that prints the message. :func:`scrub_result`
cleans a whole result; :func:`scrubbed_logs` cleans every log record the process makes while serving.

Example:
    >>> from mcp.types import CallToolResult, TextContent
    >>> result = CallToolResult(
    ...     content=[TextContent(type="text", text="ok")], structuredContent={"echo": "Bearer hf_abc"}
    ... )
    >>> scrub_result(result, "hf_abc").structuredContent
    {'echo': 'Bearer ***'}

"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mcp.types import CallToolResult

from hf_tools.errors import redact

__all__ = ["scrub_result", "scrub_value", "scrubbed_logs"]


def scrub_value(value: Any, secret: str) -> Any:
    """``value`` (JSON-like: dicts, lists, strings, numbers) with ``secret`` removed from every key and string."""
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, dict):
        return {scrub_value(key, secret): scrub_value(item, secret) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_value(item, secret) for item in value]
    return value


def scrub_result(result: CallToolResult, secret: str | None) -> CallToolResult:
    """``result`` with ``secret`` removed from every part: text, structured content, resources, links, meta.

    The common case (no trace of the secret) costs one serialization and returns ``result`` itself.
    """
    if not secret or secret not in result.model_dump_json(by_alias=True):
        return result
    cleaned = scrub_value(result.model_dump(mode="json", by_alias=True, exclude_none=True), secret)
    return CallToolResult.model_validate(cleaned)


def _scrub_record(record: logging.LogRecord, secret: str) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a record whose arguments do not fit its format still gets scrubbed
        message = f"{record.msg} {record.args!r}"
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text and secret in record.exc_text:
        # the traceback is kept as scrubbed text; handlers that render exc_info themselves get none
        message = f"{message}\n{record.exc_text}"
        record.exc_info, record.exc_text = None, None
    record.msg, record.args = redact(message, secret), None
    return record


@contextmanager
def scrubbed_logs(secret: str | None) -> Iterator[None]:
    """While the block runs, every log record the process makes has ``secret`` removed from its text.

    Records are cleaned as they are made (a log record factory), so every logger and handler sees the
    scrubbed text: the SDK's ``Received message: ...`` at DEBUG, uvicorn's, hf_tools' own. The
    previous factory is restored when the block ends.
    """
    if not secret:
        yield
        return
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _scrub_record(previous(*args, **kwargs), secret)

    logging.setLogRecordFactory(factory)
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)
