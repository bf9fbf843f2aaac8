"""``hf-tools playground``: the browser page to try every task (the ``ui`` extra).

* ``hf-tools playground [--demo] [--host H] [--port P] [--db PATH] [--base-url URL] [--auth USER:PASSWORD]``

It binds 127.0.0.1 by default. A ``--host`` other machines can reach needs a login: visitors
log in with the user and password from ``--auth`` or ``HF_TOOLS_PLAYGROUND_AUTH``, or with a
password generated and printed once at start; ``--insecure-no-auth`` serves without one.

Example:
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> register(sub)
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import sys
from collections.abc import Iterator
from typing import Any


def _cmd_playground(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("gradio") is None:
        print("hf-tools: the playground needs the ui extra: pip install 'hf-tools[ui]'", file=sys.stderr)
        return 1
    from hf_tools.playground.serve import serve

    return serve(args, demo_servers=_demo_servers)


@contextlib.contextmanager
def _demo_servers() -> Iterator[tuple[Any, Any]]:
    """The demo's servers: an endpoint for the tasks, and a router with provider jobs and chat offers.

    The router (with its Hub) answers what huggingface_hub sends to the Hugging Face router, so the
    chat tab shows the provider that answered and the cost from its price list, and the video tab
    runs fal-ai's queued jobs (progress, cancel). It moves huggingface_hub's router URL for this
    process only, which is the demo's whole purpose; the token becomes ``DEMO_TOKEN``.
    """
    import os

    from hf_tools.playground.serve import DEMO_TOKEN, demo_job_polls
    from hf_tools.testing import LoopbackServer
    from hf_tools.testing.router import routed

    polls = demo_job_polls()
    os.environ["HF_TOKEN"] = DEMO_TOKEN
    os.environ.pop("HUGGING_FACE_HUB_TOKEN", None)
    with LoopbackServer() as server, routed() as (router, _hub):
        router.hold_jobs(polls)
        yield server, router


def register(sub: Any) -> None:
    """Add ``playground`` to the ``hf-tools`` parser."""
    page = sub.add_parser("playground", help="try any task, model and provider in the browser (Gradio; the ui extra)")
    page.add_argument(
        "--demo",
        action="store_true",
        help="no token: calls go to a loopback server in this process (canned answers); the document tab"
        " answers over the sample corpus",
    )
    page.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; any other needs a login, see --auth: visitors spend your token)",
    )
    page.add_argument("--port", type=int, default=7860, help="port (0: a free one; default 7860)")
    page.add_argument(
        "--auth",
        metavar="USER:PASSWORD",
        help="visitors must log in with this user and password (default: $HF_TOOLS_PLAYGROUND_AUTH; a password is"
        " generated and printed, for user hf-tools, when --host is not a loopback address)",
    )
    page.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="serve a non-loopback --host WITHOUT a login: anyone who can reach it runs calls on your Hugging Face"
        " token",
    )
    page.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="client connections held at once (default: from the open-file limit, which is raised at start)",
    )
    page.add_argument(
        "--idle-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="close a connection that starts no request within S seconds (default 10)",
    )
    page.add_argument("--base-url", help="send every task call to this endpoint URL (may contain {model} and {task})")
    page.add_argument("--db", help="a Chroma database folder made by `hf-tools ingest`, for the document tab")
    page.add_argument("--collection", default="hf_tools", help="the collection in --db (default hf_tools)")
    page.add_argument("--embed-base-url", help="the embedding endpoint the --db collection was filled through")
    page.add_argument("--chat-model", help="answer document questions with this chat model (else extractive, offline)")
    page.add_argument("--chat-base-url", help="the chat endpoint of --chat-model")
    page.add_argument(
        "--corpus",
        help="the folder the --demo document tab ingests (default: the sample corpus shipped with hf-tools)",
    )
    page.set_defaults(func=_cmd_playground)
