"""``hf-tools mcp``: every task as a tool of an MCP server, over stdio or streamable HTTP (extra ``mcp``).

Example:
    >>> from hf_tools.cli import build_parser
    >>> args = build_parser().parse_args(["mcp", "--transport", "http", "--port", "0", "--tasks", "summarization"])
    >>> args.transport, args.port, args.tasks
    ('http', 0, 'summarization')

"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

__all__ = ["register"]

DESCRIPTION = """\
Serve Hugging Face Inference API tasks to MCP clients (Claude Desktop, IDEs, huggingface_hub's
tiny-agents, langchain-mcp-adapters, ...): one tool per task, find_model, and with --db or
--chroma-url a search_documents tool over the ingested documents. Each tool's input schema is the
task's input model; results carry structured content, images and audio come back as MCP
image/audio content (or resource links to saved files with --media-links), and failures come back
as error results with one line. The token is read from HF_TOKEN (or the stored login) and never
appears in a result or a log.

stdio (the default) is for clients that start the server themselves; --transport http serves
streamable HTTP at http://HOST:PORT/mcp (no SSE). It binds 127.0.0.1 by default. A --host other
machines can reach needs a credential: clients send "Authorization: Bearer <token>" with the token
from --auth-token or HF_TOOLS_MCP_AUTH_TOKEN, or one generated and printed at start. Host and Origin
headers are checked on every bind (DNS-rebinding protection): web pages may call the server only from
origins listed with --allow-origin."""

EPILOG = """\
client config (stdio), e.g. Claude Desktop's claude_desktop_config.json:
  {"mcpServers": {"hf-tools": {"command": "hf-tools",
                               "args": ["mcp", "--tasks", "summarization,text-to-image"],
                               "env": {"HF_TOKEN": "hf_..."}}}}"""


def _models(pairs: list[str]) -> dict[str, str]:
    models = {}
    for pair in pairs:
        task, sep, model = pair.partition("=")
        if not sep or not task or not model:
            raise SystemExit(f"hf-tools mcp: --model takes TASK=MODEL, not {pair!r}")
        models[task.strip()] = model.strip()
    return models


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {
        "provider": args.provider,
        "base_url": args.base_url,
        "timeout": args.timeout,
        "deadline": args.deadline,
        "max_retries": args.max_retries,
        "bill_to": args.bill_to,
        "media_output_dir": args.media_output_dir,
        "media_dirs": tuple(args.media_dir) if args.media_dir else None,
    }
    if args.media_links and not args.media_output_dir:
        values["media_output_dir"] = "hf-tools-media"
    return {key: value for key, value in values.items() if value is not None}


def _retriever(args: argparse.Namespace) -> Any:
    if not (args.db or args.chroma_url):
        return None
    from hf_tools.cli.rag_cmd import _open_store

    return _open_store(args, creating=False).as_retriever(k=args.k)


def _guard(args: argparse.Namespace) -> Any:
    """The HTTP transport's guard; for an exposed address, a credential (generated if none is given)."""
    import os
    import secrets

    from hf_tools.mcp import HTTPGuard
    from hf_tools.mcp.guard import is_loopback

    token = args.auth_token or os.environ.get("HF_TOOLS_MCP_AUTH_TOKEN") or None
    if args.transport == "http" and not is_loopback(args.host):
        if args.insecure_no_auth:
            print(
                f"hf-tools mcp: WARNING: serving {args.host} WITHOUT authentication (--insecure-no-auth): anyone "
                "who can reach it can call every tool and spend your Hugging Face token's money",
                file=sys.stderr,
            )
        else:
            print(
                f"hf-tools mcp: WARNING: {args.host} is reachable from other machines; every call spends your "
                "Hugging Face token's money. Clients must send Authorization: Bearer <auth token>.",
                file=sys.stderr,
            )
            if token is None:
                token = secrets.token_urlsafe(32)
                print(f"hf-tools mcp: generated auth token: {token}", file=sys.stderr, flush=True)
    return HTTPGuard(
        auth_token=token,
        allow_unauthenticated=args.insecure_no_auth,
        allowed_hosts=tuple(args.allow_host),
        allowed_origins=tuple(args.allow_origin),
        max_connections=args.max_connections,
        idle_timeout=args.idle_timeout,
    )


def _cmd_mcp(args: argparse.Namespace) -> int:
    early = None
    if args.transport == "stdio":
        # answer the client's initialize before the SDK and the tasks are imported (seconds on a busy machine)
        from hf_tools.mcp.early import answer_initialize

        early = answer_initialize(sys.stdin.buffer, sys.stdout.buffer)
    try:
        from hf_tools.mcp import create_server, run
    except ImportError as exc:  # pragma: no cover - the extra is missing
        print(f"hf-tools mcp needs the 'mcp' extra: pip install 'hf-tools[mcp]' ({exc})", file=sys.stderr)
        return 2
    from hf_tools.errors import HFError

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()] if args.tasks else None
    try:
        server = create_server(
            tasks,
            _models(args.model),
            find_model=not args.no_find_model,
            retriever=_retriever(args),
            corpus_roots=tuple(args.corpus_root),
            media_links=args.media_links,
            keep_media=args.keep_media,
            host=args.host,
            port=args.port,
            path=args.path,
            json_response=args.json_response,
            log_level=args.log_level,
            **_settings(args),
        )
    except (HFError, ValueError) as exc:
        print(f"hf-tools mcp: {exc}", file=sys.stderr)
        return 2

    def ready(where: str) -> None:
        kind = "on stdio" if where == "stdio" else f"serving streamable HTTP at {where}"
        print(f"hf-tools MCP server {kind}", file=sys.stderr, flush=True)

    guard = _guard(args)
    with contextlib.suppress(KeyboardInterrupt):
        try:
            run(server, args.transport, ready=ready, guard=guard, early=early)
        except (HFError, OSError) as exc:
            print(f"hf-tools mcp: {exc}", file=sys.stderr)
            return 2
    return 0


def register(sub: Any) -> None:
    """Add ``mcp`` to the ``hf-tools`` parser."""
    from hf_tools.cli.rag_cmd import _store_options

    mcp = sub.add_parser(
        "mcp",
        help="serve every task as a tool of an MCP server (stdio or streamable HTTP)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = mcp.add_argument_group("transport")
    where.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="stdio (default) or http")
    where.add_argument("--host", default="127.0.0.1", help="HTTP address (default 127.0.0.1)")
    where.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000; 0: any free port)")
    where.add_argument("--path", default="/mcp", help="HTTP endpoint path (default /mcp)")
    where.add_argument("--json-response", action="store_true", help="answer with plain JSON instead of SSE streams")
    where.add_argument(
        "--auth-token",
        metavar="TOKEN",
        help="clients must send Authorization: Bearer TOKEN (default: $HF_TOOLS_MCP_AUTH_TOKEN; generated and"
        " printed when --host is not a loopback address)",
    )
    where.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="serve a non-loopback --host WITHOUT authentication: anyone who can reach it calls the tools on your"
        " Hugging Face token",
    )
    where.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="also accept this Host header (repeatable; loopback names, the bound address and this machine's names"
        " are accepted)",
    )
    where.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from this origin call the server, e.g. https://app.example or http://localhost:*"
        " (repeatable; default: none)",
    )
    where.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="client connections held at once (default: from the open-file limit, which is raised at start)",
    )
    where.add_argument(
        "--idle-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="close a connection that starts no request within S seconds (default 10)",
    )
    where.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])

    tools = mcp.add_argument_group("tools")
    tools.add_argument("--tasks", help="comma-separated tasks to offer (default: all; `hf-tools tasks` lists them)")
    tools.add_argument(
        "--model", action="append", default=[], metavar="TASK=MODEL", help="model for a task (repeatable)"
    )
    tools.add_argument("--no-find-model", action="store_true", help="do not offer find_model")

    inference = mcp.add_argument_group("inference (token from HF_TOKEN or the stored login)")
    inference.add_argument("--provider", help="inference provider, e.g. hf-inference (default: auto)")
    inference.add_argument("--base-url", help="endpoint URL for every task; may contain {model} and {task}")
    inference.add_argument("--timeout", type=float, help="seconds for one request (default 60)")
    inference.add_argument("--deadline", type=float, help="seconds for one call, retries included (default 180)")
    inference.add_argument("--max-retries", type=int, help="retries after the first attempt (default 4)")
    inference.add_argument(
        "--bill-to", metavar="ORG", help="Hub organization billed for router requests (default: $HF_BILL_TO)"
    )

    media = mcp.add_argument_group("media")
    media.add_argument(
        "--media-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="folder media file paths may come from (repeatable; default: the working directory)",
    )
    media.add_argument("--media-output-dir", metavar="DIR", help="save generated images and audio here")
    media.add_argument(
        "--media-links",
        action="store_true",
        help="return resource links to saved files instead of image/audio content (for clients that drop"
        " binary content); files go to --media-output-dir (default ./hf-tools-media), readable by their owner"
        " only, and are removed when the server stops unless --keep-media",
    )

    media.add_argument(
        "--keep-media",
        action="store_true",
        help="keep the files --media-links pointed at when the server stops (default: they are removed)",
    )

    docs = mcp.add_argument_group("search_documents (a Chroma collection filled by `hf-tools ingest`)")
    _store_options(docs)  # type: ignore[arg-type]
    docs.add_argument("-k", "--k", type=int, default=4, help="passages per search (default 4)")
    docs.add_argument(
        "--corpus-root",
        action="append",
        default=[],
        metavar="DIR",
        help="show sources relative to this folder (repeatable; default: relative to the working directory)",
    )
    mcp.set_defaults(func=_cmd_mcp)
