"""Model Hub sub-commands of ``hf-tools``:

* ``hf-tools models TASK [--search Q] [--provider P] [--limit N] [--sort S] [--json]`` — the
  models inference providers serve for a task, as a table (or JSON); each provider is marked
  ``(live)``, ``(staging)`` or ``(error)``, with the task it serves the model for when that is
  not the model's pipeline tag (``together:conversational``);
* ``hf-tools model MODEL_ID [--json]`` — one model's card: task, providers and status, the
  task's input and output, and a snippet that calls it.

Both read ``HF_ENDPOINT`` (or ``--hub-endpoint``) and ``HF_TOKEN`` like ``HfApi`` does.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported for types only: the CLI parser must stay light (hf-tools mcp answers at once)
    from hf_tools.hub.results import ModelSummary

_COLUMNS = ("model", "task", "downloads", "likes", "license", "gated", "providers")


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"hub_endpoint": args.hub_endpoint} if args.hub_endpoint else {}


def _row(model: ModelSummary) -> tuple[str, ...]:
    providers = ", ".join(
        p.provider + ("" if p.task == model.task else f":{p.task}") + f" ({p.status})"
        for p in model.providers
    )
    return (
        model.id,
        model.task or "-",
        f"{model.downloads:,}" if model.downloads is not None else "-",
        f"{model.likes:,}" if model.likes is not None else "-",
        model.license or "-",
        str(model.gated) if model.gated else "no",
        providers or "-",
    )


def table(models: list[ModelSummary]) -> str:
    """A plain-text table of ``models``, one per line under a header.

    Example:
        >>> from hf_tools.hub.results import ModelSummary
        >>> print(table([ModelSummary(id="org/m", task="fill-mask", downloads=1200)]))
        model  task       downloads  likes  license  gated  providers
        org/m  fill-mask  1,200      -      -        no     -

    """
    rows = [_COLUMNS, *(_row(m) for m in models)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _fail(exc: Exception) -> int:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}), file=sys.stderr)
    return 1


def _cmd_models(args: argparse.Namespace) -> int:
    from hf_tools.errors import HFError
    from hf_tools.hub import find_models

    try:
        models = find_models(
            args.task, search=args.search, provider=args.provider, limit=args.limit, sort=args.sort, **_settings(args)
        )
    except HFError as exc:
        return _fail(exc)
    if args.json:
        print(json.dumps([m.model_dump(mode="json") for m in models], indent=2))
    elif models:
        print(table(models))
    else:
        print(f"no served models found for task {args.task!r}", file=sys.stderr)
    return 0


def _cmd_model(args: argparse.Namespace) -> int:
    from hf_tools.errors import HFError
    from hf_tools.hub import model_card

    try:
        card = model_card(args.model_id, **_settings(args))
    except HFError as exc:
        return _fail(exc)
    print(json.dumps(card.model_dump(mode="json"), indent=2) if args.json else card.render())
    return 0


def register(sub: Any) -> None:
    """Add the Model Hub sub-commands (models, model) to the ``hf-tools`` parser."""
    models = sub.add_parser("models", help="list models inference providers serve for a task")
    models.add_argument("task", help="task name, e.g. summarization")
    models.add_argument("--search", help="only models whose id contains this text")
    models.add_argument("--provider", help="only models this inference provider serves")
    models.add_argument("--limit", type=int, default=20, help="at most this many models (default 20)")
    models.add_argument(
        "--sort",
        default="downloads",
        choices=["downloads", "likes", "trending_score", "created_at", "last_modified"],
        help="order, descending (default downloads)",
    )
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    models.add_argument("--hub-endpoint", help="Hub URL (default: HF_ENDPOINT, else https://huggingface.co)")
    models.set_defaults(func=_cmd_models)
    model = sub.add_parser("model", help="show a model's task, providers and how to call it")
    model.add_argument("model_id", help="model id, e.g. facebook/bart-large-cnn")
    model.add_argument("--json", action="store_true", help="print JSON instead of text")
    model.add_argument("--hub-endpoint", help="Hub URL (default: HF_ENDPOINT, else https://huggingface.co)")
    model.set_defaults(func=_cmd_model)
