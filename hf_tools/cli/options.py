"""Options several ``hf-tools`` commands share, and how ``main`` applies them."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

__all__ = ["add_billing_options", "billing", "usage_report"]


def add_billing_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--bill-to`` (the organization that pays for the command's router requests) and ``--usage``."""
    parser.add_argument(
        "--bill-to",
        metavar="ORG",
        help="Hub organization billed for this command's router requests (X-HF-Bill-To; default: $HF_BILL_TO)",
    )
    parser.add_argument(
        "--usage",
        action="store_true",
        help="at the end, print the run's usage on stderr as one JSON line: requests, tokens and cost"
        " (USD, at the router's prices), by provider and by model",
    )


@contextlib.contextmanager
def usage_report(args: argparse.Namespace) -> Iterator[None]:
    """With ``--usage``: count the command's inference calls and print them on stderr at the end (also on failure)."""
    if not getattr(args, "usage", False):
        yield
        return
    import json
    import sys

    from hf_tools.usage import track_usage

    with track_usage() as usage:
        try:
            yield
        finally:
            print(json.dumps({"usage": usage.as_dict()}), file=sys.stderr, flush=True)


@contextlib.contextmanager
def billing(args: argparse.Namespace) -> Iterator[None]:
    """Run the command with ``--bill-to`` as ``HF_BILL_TO``: every settings object it makes bills that organization."""
    org = getattr(args, "bill_to", None)
    if org is None:
        yield
        return
    import os

    from hf_tools.settings import BILL_TO_ENV, HFSettings

    HFSettings(bill_to=org)  # a bad name stops here, before anything runs
    saved = os.environ.get(BILL_TO_ENV)
    os.environ[BILL_TO_ENV] = org
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(BILL_TO_ENV, None)
        else:
            os.environ[BILL_TO_ENV] = saved
