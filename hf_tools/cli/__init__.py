"""The ``hf-tools`` command. Each sub-command family lives in its own module of this package.

Example:
    >>> from hf_tools.cli import build_parser
    >>> build_parser().parse_args(["run", "summarization", "Some text."]).task
    'summarization'
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hf_tools.cli.options import billing, usage_report

# Modules with a ``register(subparsers)`` function; one line per command family.
COMMAND_MODULES = (
    "hf_tools.cli.tasks_cmd",
    "hf_tools.cli.models_cmd",
    "hf_tools.cli.rag_cmd",
    "hf_tools.cli.mcp_cmd",
    "hf_tools.cli.playground_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hf-tools``."""
    parser = argparse.ArgumentParser(
        prog="hf-tools",
        description="Hugging Face Inference API tasks as LangChain Runnables and Tools.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def report_error(exc: BaseException, *, as_json: bool = False) -> None:
    r"""Print an error as one line on stderr: ``hf-tools: Type: message``, or with ``as_json``
    one JSON object ``{"error": "Type", "message": "..."}``.

    Example:
        >>> import contextlib, io
        >>> err = io.StringIO()
        >>> with contextlib.redirect_stderr(err):
        ...     report_error(ValueError("bad\nvalue"))
        >>> err.getvalue()
        'hf-tools: ValueError: bad value\n'

    """
    import os

    from hf_tools.errors import redact

    message = redact(" ".join(str(exc).split()), os.environ.get("HF_TOKEN")) or "(no message)"
    if as_json:
        import json

        print(json.dumps({"error": type(exc).__name__, "message": message}), file=sys.stderr)
    else:
        print(f"hf-tools: {type(exc).__name__}: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hf-tools``.

    Every error a command does not handle itself ends the same way: one line on stderr (one
    JSON object with ``--json``) and exit status 1 (130 on Ctrl-C), never a traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        with billing(args), usage_report(args):
            return int(args.func(args))
    except KeyboardInterrupt:
        print("hf-tools: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the command line shows one line, never a traceback
        report_error(exc, as_json=bool(getattr(args, "json", False)))
        return 1


if __name__ == "__main__":
    sys.exit(main())
