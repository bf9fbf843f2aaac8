"""Task sub-commands of ``hf-tools``:

* ``hf-tools tasks [--offline]`` — the registered tasks, their default model candidates and,
  when a token is set and the Hub answers, the model a call with no model resolves to and the
  providers serving it (in failover order), or why nothing is served;
* ``hf-tools run TASK INPUT [--model M] [--base-url URL] [--save DIR]`` — run one task, JSON
  out; INPUT is a plain value or a JSON object of the task's arguments; with ``--save`` the
  generated images/audio/video are saved in DIR and the JSON gives their paths instead of their bytes;
  a queued job (video) shows its progress as a live status line on stderr;
* ``hf-tools serve [--port P] [--delay S]`` — the loopback Inference API server;
* ``hf-tools demo`` — every task against a loopback server (offline, canned answers).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hf_tools.cli.options import add_billing_options


def _parse_input(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (dict, list)) else text


def _dump(output: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(Any).dump_python(output, mode="json")


def _saved_without_bytes(value: Any) -> Any:
    """``value`` (dumped) with the bytes of every saved media file left out: its path says where it is."""
    if isinstance(value, list):
        return [_saved_without_bytes(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _saved_without_bytes(item) for key, item in value.items()}
    if "mime_type" in out and "data" in out and out.get("path"):
        del out["data"]
    return out


CHAT_LINE = "Chat completion (streams, tools, structured output): hf_tools.ChatHFInference, not a task runnable."


def _chat_default() -> str:
    from hf_tools.chat_models import ChatHFInference

    return str(ChatHFInference.model_fields["model"].default)


def _cmd_tasks(args: argparse.Namespace) -> int:
    from hf_tools.tasks import TASKS

    live = not args.offline and _hub_answers()
    for name, spec in TASKS.items():
        print(f"{name:28} {spec.default_model:55} {spec.description}")
        if len(spec.defaults) > 1:
            print(f"{'':28} candidates: {', '.join(spec.defaults[1:])}")
        if live:
            print(f"{'':28} {_served(spec)}")
    print(f"{'chat':28} {_chat_default():55} {CHAT_LINE}")
    if not live and not args.offline:
        print("\n(set HF_TOKEN and reach the Hub to see which candidate resolves and who serves it)", file=sys.stderr)
    return 0


def _hub_answers() -> bool:
    """Whether a token is set and the Hub answers a model look-up (the resolved column needs both)."""
    from hf_tools.errors import HFError
    from hf_tools.hub.lookup import fetch_model
    from hf_tools.settings import HFSettings
    from hf_tools.tasks import TASKS

    settings = HFSettings(hub_timeout=5)
    if settings.resolved_token() is None:
        return False
    try:
        fetch_model(TASKS["summarization"].default_model, settings)
    except HFError:
        return False
    return True


def _served(spec: Any) -> str:
    """``-> model via p1, p2`` for the model a call with no model resolves to, or why none is."""
    import logging

    from hf_tools.errors import HFError
    from hf_tools.routing import plan_call
    from hf_tools.settings import HFSettings

    logger = logging.getLogger("hf_tools")
    level = logger.level
    logger.setLevel(logging.ERROR)  # the line says what the log would; no noise
    try:
        plan = plan_call(spec, None, HFSettings(hub_timeout=5))
    except HFError as exc:
        return f"-> not served: {exc}"
    finally:
        logger.setLevel(level)
    via = " (through chat)" if plan.via_chat else ""
    return f"-> {plan.model}{via} via {', '.join(p or 'auto' for p in plan.providers)}"


def _progress_line() -> Any:
    """A callback handler showing job progress events on stderr: one live line on a terminal, else a line each."""
    from langchain_core.callbacks import BaseCallbackHandler

    live = sys.stderr.isatty()

    class ProgressLine(BaseCallbackHandler):
        def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
            if name != "hf_tools_progress" or not isinstance(data, dict):
                return
            position = data.get("queue_position")
            where = f" (queue position {position})" if position is not None else ""
            status = f"{data.get('status')}{where}, {data.get('elapsed_s', 0):.0f} s"
            line = f"{data.get('task')} via {data.get('provider')}: {status}"
            if live:
                end = "\n" if data.get("state") in ("completed", "failed", "canceled") else ""
                print(f"\r\033[K{line}", end=end, file=sys.stderr, flush=True)
            else:
                print(line, file=sys.stderr, flush=True)

    return ProgressLine()


def _cmd_run(args: argparse.Namespace) -> int:
    from hf_tools.errors import HFError
    from hf_tools.runnables import runnable

    settings: dict[str, Any] = {"base_url": args.base_url} if args.base_url else {}
    if args.save:
        settings["media_output_dir"] = args.save
    if args.provider:
        names = [name.strip() for name in args.provider.split(",") if name.strip()]
        settings["provider"] = names[0] if len(names) == 1 else names
    try:
        task = runnable(args.task, model=args.model, **settings)
        output = task.invoke(_parse_input(args.input), {"callbacks": [_progress_line()]})
    except HFError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}), file=sys.stderr)
        return 1
    dumped = _dump(output)
    print(json.dumps(_saved_without_bytes(dumped) if args.save else dumped, indent=2, ensure_ascii=False))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from hf_tools.testing import LoopbackServer

    server = LoopbackServer(port=args.port, delay=args.delay).start()
    # only URLs that work as printed: the task URL template and the chat base URL
    server.serve_until_interrupted(
        f"hf-tools run TASK INPUT --base-url '{server.base_url}'",
        f"chat: ChatHFInference(model=..., base_url='{server.url}/v1')",
    )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from hf_tools.runnables import runnable
    from hf_tools.tasks import TASKS
    from hf_tools.testing import LoopbackServer

    print("hf_tools demo — every task as a Runnable, against a LOOPBACK test server")
    print("(offline: canned answers from hf_tools.testing, no token, no internet)\n")
    with LoopbackServer() as server:
        for name, spec in TASKS.items():
            output = runnable(name, base_url=server.base_url).invoke(spec.example)
            print(f"[{name}] {spec.render(output)}")
        chain = (
            runnable("summarization", base_url=server.base_url)
            | (lambda s: s.summary_text)
            | runnable("translation", base_url=server.base_url)
        )
        print(f"\n[chain summarization | translation] {chain.invoke('Chains compose. Tools act.').translation_text}")
    return 0


def register(sub: Any) -> None:
    """Add the task sub-commands (tasks, run, serve, demo) to the ``hf-tools`` parser."""
    tasks = sub.add_parser("tasks", help="list the tasks, their default candidates and (Hub) who serves them")
    tasks.add_argument("--offline", action="store_true", help="do not ask the Hub which candidate resolves")
    tasks.set_defaults(func=_cmd_tasks)
    run = sub.add_parser("run", help="run one task and print its typed output as JSON")
    run.add_argument("task", help="task name, e.g. text-classification")
    run.add_argument("input", help="plain input text, or a JSON object of the task's arguments")
    run.add_argument("--model", help="model id or endpoint URL (default: the task's default model)")
    run.add_argument("--base-url", help="endpoint URL; may contain {model} and {task}")
    run.add_argument("--save", metavar="DIR", help="save generated images/audio/video in DIR (created if needed)")
    run.add_argument("--provider", help="inference provider, or a comma-separated list to fail over along")
    add_billing_options(run)
    run.set_defaults(func=_cmd_run)
    serve = sub.add_parser("serve", help="run the loopback Inference API test server")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--delay", type=float, default=0.0, help="seconds each request takes")
    serve.set_defaults(func=_cmd_serve)
    sub.add_parser("demo", help="offline demo of every task").set_defaults(func=_cmd_demo)
