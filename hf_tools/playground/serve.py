"""Start the playground: the demo's loopback server and corpus, the document store, the page.

Example:
    >>> free_port() > 0
    True
    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
    (True, False)

"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from hf_tools.media.netguard import is_loopback

__all__ = [
    "DEMO_CORPUS",
    "DEMO_JOB_POLLS",
    "DEMO_JOB_POLLS_ENV",
    "DEMO_JOB_SETTINGS",
    "DEMO_TOKEN",
    "LOGIN_ENV",
    "demo_job_polls",
    "free_port",
    "is_loopback",
    "page_login",
    "serve",
]

_PACKAGED_CORPUS = Path(__file__).resolve().parent / "demo_corpus"  # in a wheel (pyproject's force-include)
DEMO_CORPUS = (
    _PACKAGED_CORPUS if _PACKAGED_CORPUS.is_dir() else Path(__file__).resolve().parents[2] / "examples" / "corpus"
)
"""The sample documents the demo's document tab answers over: ``examples/corpus`` in a checkout,
shipped in the wheel as ``hf_tools/playground/demo_corpus``."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _demo_embedder(base_url: str) -> Any:
    """Local MiniLM embeddings where the ``local`` extra is installed, else the loopback's feature extraction."""
    import importlib.util

    if importlib.util.find_spec("sentence_transformers") is not None:
        from hf_tools.rag.local_embeddings import LocalEmbeddings

        return LocalEmbeddings()
    from hf_tools.rag.embeddings import HFInferenceEmbeddings

    return HFInferenceEmbeddings(base_url=base_url)


def _demo_desk(corpus: Path, base_url: str) -> Any:
    from hf_tools.playground.documents import DocumentDesk

    def open_store() -> Any:
        from hf_tools.rag.ingest import ingest_files
        from hf_tools.rag.vectorstores import chroma_store

        if not corpus.is_dir():
            from hf_tools.errors import HFInputError

            raise HFInputError(f"no sample corpus at {corpus}; give --corpus DIR or --db PATH")
        store = chroma_store(_demo_embedder(base_url), path=tempfile.mkdtemp(prefix="hf-tools-demo-db-"))
        ingest_files([corpus], store, chunk_size=800, chunk_overlap=100)
        return store

    return DocumentDesk(open_store, background=True, label=f"Demo: the sample documents in `{corpus.name}/`.")


def _db_desk(args: argparse.Namespace) -> Any:
    from hf_tools.cli.rag_cmd import _open_store
    from hf_tools.playground.documents import DocumentDesk

    chat = None
    if args.chat_model:
        from hf_tools.chat_models import ChatHFInference

        chat = ChatHFInference(
            model=args.chat_model, **({"base_url": args.chat_base_url} if args.chat_base_url else {})
        )
    options = argparse.Namespace(
        db=args.db,
        chroma_url=None,
        collection=args.collection,
        embeddings="auto",
        embed_model=None,
        embed_base_url=args.embed_base_url,
    )
    return DocumentDesk(
        lambda: _open_store(options, creating=False), chat=chat, background=True, label=f"Store: `{args.db}`."
    )


DEMO_TOKEN = "hf_demo_loopback_only"
"""The token of ``--demo`` calls: they reach only the loopback servers, never with a real token."""

DEMO_JOB_POLLS = 8
"""Status requests a demo video job stays pending (queued, then running) before it completes."""

DEMO_JOB_POLLS_ENV = "HF_TOOLS_DEMO_JOB_POLLS"
"""The environment variable that sets :data:`DEMO_JOB_POLLS` for one run (a whole number, 0 or more)."""


def demo_job_polls() -> int:
    """The status polls a demo video job stays pending: :data:`DEMO_JOB_POLLS_ENV`, else :data:`DEMO_JOB_POLLS`.

    A longer hold leaves time to watch or cancel a job on a slow machine.

    Raises:
        SystemExit: the variable is not a whole number of polls (0 or more).

    Example:
        >>> import os
        >>> os.environ.pop(DEMO_JOB_POLLS_ENV, None) and None
        >>> demo_job_polls()
        8

    """
    raw = os.environ.get(DEMO_JOB_POLLS_ENV, "").strip()
    if not raw:
        return DEMO_JOB_POLLS
    if not (raw.isascii() and raw.isdigit()):
        raise SystemExit(
            f"hf-tools playground: {DEMO_JOB_POLLS_ENV} must be a whole number of status polls, not {raw!r}"
        )
    return int(raw)


DEMO_JOB_SETTINGS: dict[str, Any] = {"job_poll_interval": 0.4}
"""The demo's video jobs poll every 0.4 s: a job shows its progress for about three seconds."""


DemoServers = Callable[[], AbstractContextManager[tuple[Any, Any]]]
"""Starts the demo's servers: an endpoint for the tasks, and a router with provider jobs and chat offers."""


LOGIN_ENV = "HF_TOOLS_PLAYGROUND_AUTH"
"""The environment variable with the page's login, ``USER:PASSWORD`` (as ``--auth`` takes it)."""

GENERATED_USER = "hf-tools"
"""The user name of a generated login."""


def page_login(args: argparse.Namespace) -> tuple[str, str] | None:
    """The login the page asks for: ``--auth``, else ``$HF_TOOLS_PLAYGROUND_AUTH``, else generated if exposed.

    A ``--host`` other machines can reach needs a login unless ``--insecure-no-auth``; without one
    given, a password is generated with :mod:`secrets` and printed once on stderr with the user
    name (the only place a credential is ever printed). A login given on a loopback address is
    asked for too.

    Raises:
        HFInputError: the login is not ``USER:PASSWORD`` (the value is not repeated).

    Example:
        >>> import argparse
        >>> page_login(argparse.Namespace(host="127.0.0.1", auth="me:s3cret", insecure_no_auth=False))
        ('me', 's3cret')
        >>> page_login(argparse.Namespace(host="127.0.0.1", auth=None, insecure_no_auth=False)) is None
        True

    """
    import os
    import secrets

    given = getattr(args, "auth", None) or os.environ.get(LOGIN_ENV) or None
    login: tuple[str, str] | None = None
    if given is not None:
        user, sep, password = given.partition(":")
        if not sep or not user.strip() or not password:
            from hf_tools.errors import HFInputError

            where = "--auth" if getattr(args, "auth", None) else LOGIN_ENV
            raise HFInputError(f"{where} takes USER:PASSWORD (a user name, a colon, then the password)")
        login = (user.strip(), password)
    if is_loopback(args.host):
        return login
    if getattr(args, "insecure_no_auth", False):
        print(
            f"hf-tools playground: WARNING: serving {args.host} WITHOUT authentication (--insecure-no-auth): anyone"
            " who can reach it runs calls and spends your Hugging Face token's money",
            file=sys.stderr,
        )
        return login
    print(
        f"hf-tools playground: WARNING: {args.host} is reachable from other machines; every call spends your"
        " Hugging Face token's money. Visitors must log in.",
        file=sys.stderr,
    )
    if login is None:
        login = (GENERATED_USER, secrets.token_urlsafe(18))
        print(
            f"hf-tools playground: generated login: user {login[0]}, password {login[1]}", file=sys.stderr, flush=True
        )
    return login


def serve(args: argparse.Namespace, demo_servers: DemoServers | None = None) -> int:
    """Run the page until interrupted (``hf-tools playground``).

    ``demo_servers`` (given by the ``hf-tools playground`` command, which may use the loopback
    servers of :mod:`hf_tools.testing`; production code never imports them) starts what
    ``--demo`` calls go to.
    """
    login = page_login(args)  # before Gradio loads: a bad --auth fails at once

    from hf_tools.playground.app import CSS, PlaygroundConfig, build_app, theme
    from hf_tools.playground.guard import PageGuard, serve_page

    guard = PageGuard(
        login=login,
        max_connections=getattr(args, "max_connections", None),
        idle_timeout=getattr(args, "idle_timeout", None) or PageGuard.idle_timeout,
    )
    if args.demo and demo_servers is None:
        raise ValueError("--demo needs the demo's servers (run it as `hf-tools playground --demo`)")
    servers = demo_servers() if args.demo and demo_servers is not None else contextlib.nullcontext((None, None))
    with servers as (server, _router):
        settings: dict[str, Any] = {}
        job_settings = None
        desk = None
        chat = {"model": args.chat_model, "base_url": args.chat_base_url}
        if server is not None:
            settings["base_url"] = server.base_url
            job_settings = dict(DEMO_JOB_SETTINGS)
            desk = _demo_desk(Path(args.corpus) if args.corpus else DEMO_CORPUS, server.base_url)
        elif args.base_url:
            settings["base_url"] = args.base_url
        if args.db:
            desk = _db_desk(args)
        config = PlaygroundConfig(
            settings=settings,
            demo=server is not None,
            hub_search=server is None,
            documents=desk,
            job_settings=job_settings,
            chat={key: value for key, value in chat.items() if value},
        )
        app = build_app(config)
        app.queue(default_concurrency_limit=4)

        def ready(url: str) -> None:
            print(f"hf-tools playground: {url}", flush=True)

        serve_page(
            app,
            args.host,
            args.port,
            guard,
            ready=ready,
            allowed_paths=[str(config.media_dir)],
            show_error=False,
            css=CSS,
            theme=theme(),
        )
    return 0
