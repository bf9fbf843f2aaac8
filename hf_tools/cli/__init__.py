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

# Modules with a ``register(subparsers)`` function; one line per command family.
COMMAND_MODULES = (
    "hf_tools.cli.tasks_cmd",
    "hf_tools.cli.models_cmd",
    "hf_tools.cli.rag_cmd",
    "hf_tools.cli.mcp_cmd",
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hf-tools``."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
