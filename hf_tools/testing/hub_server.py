"""A loopback Hub API server: the model listing and model pages ``HfApi`` reads.

It answers, with the Hub's own field names (``id``, ``pipeline_tag``, ``downloads``,
``likes``, ``gated``, ``tags``, ``inferenceProviderMapping`` with ``providerId``, ``status``
and ``task``):

* ``GET /api/models`` — the listing, filtered by ``pipeline_tag``, ``search``, ``author``
  and ``inference_provider`` (a name or ``all``), sorted by ``sort`` (descending), cut at
  ``limit``; the mapping is a list, as the Hub sends it in listings;
* ``GET /api/models/<model-id>`` — one model; the mapping is a dict keyed by provider, as
  the Hub sends it on model pages; an unknown model is a 404 with ``X-Error-Code: RepoNotFound``.

``expand`` keeps only the listed properties, as on the Hub. The server can be taken
:meth:`~LoopbackHub.down` (every request gets an error status) and counts every request.
Point ``HfApi(endpoint=hub.endpoint)`` or ``HFSettings(hub_endpoint=hub.endpoint)`` at it,
or set ``HF_ENDPOINT`` before huggingface_hub is imported.

Run it in its own process (it prints ``ready <endpoint>``, then serves until Ctrl-C)::

    python -m hf_tools.testing.hub_server --port 8090
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from hf_tools.testing.service import LoopbackService

__all__ = ["HubModel", "HubProvider", "HubRequest", "LoopbackHub", "sample_models"]

_SORT_FIELDS = {"downloads": "downloads", "likes": "likes", "trendingScore": "likes", "createdAt": "downloads"}


@dataclass(frozen=True)
class HubProvider:
    """One inference provider serving a model: the Hub's ``inferenceProviderMapping`` entry.

    Example:
        >>> HubProvider("hf-inference", task="summarization").wire()["status"]
        'live'

    """

    provider: str
    task: str
    status: Literal["live", "staging", "error"] = "live"
    provider_id: str | None = None

    def wire(self, model_id: str = "") -> dict[str, Any]:
        """The mapping entry as the Hub sends it (without the provider key)."""
        return {"providerId": self.provider_id or model_id, "status": self.status, "task": self.task}


@dataclass(frozen=True)
class HubModel:
    """One model the loopback Hub knows.

    Example:
        >>> m = HubModel("org/m", "summarization", license="mit",
        ...              providers=(HubProvider("hf-inference", "summarization"),))
        >>> m.wire(listing=True)["inferenceProviderMapping"][0]["provider"]
        'hf-inference'

    """

    id: str
    pipeline_tag: str | None
    downloads: int = 0
    likes: int = 0
    gated: Literal["auto", "manual", False] = False
    license: str | None = None
    providers: tuple[HubProvider, ...] = ()
    tags: tuple[str, ...] = ()
    """More Hub tags (the pipeline tag and license are tagged already), e.g. ``("feature-extraction",)``."""

    def wire(self, *, listing: bool) -> dict[str, Any]:
        """The model as the Hub's JSON: mapping as a list in listings, a dict on model pages."""
        mapping: Any
        if listing:
            mapping = [{"provider": p.provider, **p.wire(self.id)} for p in self.providers]
        else:
            mapping = {p.provider: p.wire(self.id) for p in self.providers}
        tags = [self.pipeline_tag] if self.pipeline_tag else []
        tags += [t for t in self.tags if t not in tags]
        if self.license:
            tags.append(f"license:{self.license}")
        return {
            "_id": f"loopback-{self.id}",
            "id": self.id,
            "modelId": self.id,
            "author": self.id.split("/")[0] if "/" in self.id else None,
            "pipeline_tag": self.pipeline_tag,
            "downloads": self.downloads,
            "likes": self.likes,
            "gated": self.gated,
            "private": False,
            "tags": tags,
            "inference": "warm" if any(p.status == "live" for p in self.providers) else None,
            "inferenceProviderMapping": mapping,
        }


@dataclass(frozen=True)
class HubRequest:
    """One request the loopback Hub received."""

    method: str
    path: str
    params: dict[str, list[str]] = field(default_factory=dict)

    @property
    def model(self) -> str | None:
        """The model id of a ``/api/models/<id>`` request, else None."""
        prefix = "/api/models/"
        return self.path[len(prefix) :] if self.path.startswith(prefix) else None


def sample_models() -> list[HubModel]:
    """A small Hub: served, gated, unserved and chat-only models across a few tasks."""
    live = HubProvider
    return [
        HubModel(
            "facebook/bart-large-cnn",
            "summarization",
            downloads=3_000_000,
            likes=1300,
            license="mit",
            providers=(live("hf-inference", "summarization"),),
        ),
        HubModel(
            "sshleifer/distilbart-cnn-12-6",
            "summarization",
            downloads=900_000,
            likes=300,
            license="apache-2.0",
            providers=(live("hf-inference", "summarization", status="staging"),),
        ),
        HubModel("someone/summarizer-nobody-serves", "summarization", downloads=12, likes=0),
        HubModel(
            "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
            "text-classification",
            downloads=5_000_000,
            likes=800,
            license="apache-2.0",
            providers=(live("hf-inference", "text-classification"),),
        ),
        HubModel(
            "meta-llama/Llama-3.1-8B-Instruct",
            "text-generation",
            downloads=6_000_000,
            likes=4000,
            gated="manual",
            license="llama3.1",
            providers=(
                live("novita", "conversational", provider_id="meta-llama/llama-3.1-8b-instruct"),
                live("nebius", "conversational", provider_id="meta-llama/Meta-Llama-3.1-8B-Instruct-fast"),
            ),
        ),
        HubModel(
            "Qwen/Qwen2.5-7B-Instruct",
            "text-generation",
            downloads=2_000_000,
            likes=900,
            license="apache-2.0",
            providers=(live("together", "conversational"), live("featherless-ai", "text-generation")),
        ),
        HubModel(
            "Helsinki-NLP/opus-mt-en-fr",
            "translation",
            downloads=700_000,
            likes=200,
            license="apache-2.0",
            providers=(live("hf-inference", "translation"),),
        ),
    ]


class LoopbackHub(LoopbackService):
    """A Hub API on 127.0.0.1 (random port) for ``HfApi``, with request counting and outages.

    Example:
        >>> from huggingface_hub import HfApi
        >>> with LoopbackHub() as hub:
        ...     api = HfApi(endpoint=hub.endpoint)
        ...     info = api.model_info("facebook/bart-large-cnn", expand=["pipeline_tag"])
        ...     info.pipeline_tag, hub.count("facebook/bart-large-cnn")
        ('summarization', 1)

    """

    def __init__(self, models: list[HubModel] | None = None, *, port: int = 0) -> None:
        self.models: dict[str, HubModel] = {m.id: m for m in (sample_models() if models is None else models)}
        self.requests: list[HubRequest] = []
        self.down_status: int | None = None
        self._lock = threading.Lock()
        super().__init__(self._handler(), port)

    @property
    def endpoint(self) -> str:
        """The server's base URL, e.g. ``http://127.0.0.1:51234``: use it as the Hub endpoint."""
        return self.url

    def add(self, model: HubModel) -> None:
        """Add or replace a model."""
        self.models[model.id] = model

    def down(self, status: int = 503) -> None:
        """Answer every request with ``status`` until :meth:`up` is called."""
        self.down_status = status

    def up(self) -> None:
        """Answer normally again."""
        self.down_status = None

    def count(self, model: str | None = None) -> int:
        """Requests received: for one model's page, or all of them."""
        with self._lock:
            return sum(1 for r in self.requests if model is None or r.model == model)

    def listings(self) -> list[HubRequest]:
        """The ``GET /api/models`` listing requests received."""
        with self._lock:
            return [r for r in self.requests if r.path == "/api/models"]

    # -- answering ------------------------------------------------------------------------
    def _record(self, method: str, path: str, params: dict[str, list[str]]) -> None:
        with self._lock:
            self.requests.append(HubRequest(method, path, params))

    def _listing(self, params: dict[str, list[str]]) -> list[dict[str, Any]]:
        def first(name: str) -> str | None:
            values = params.get(name)
            return values[0] if values else None

        models = list(self.models.values())
        if tag := first("pipeline_tag"):
            models = [m for m in models if m.pipeline_tag == tag]
        if search := first("search"):
            models = [m for m in models if search.lower() in m.id.lower()]
        if author := first("author"):
            models = [m for m in models if m.id.startswith(f"{author}/")]
        wanted = params.get("inference_provider", [])
        if "all" in wanted:
            models = [m for m in models if m.providers]
        elif wanted:
            models = [m for m in models if any(p.provider in wanted for p in m.providers)]
        key = _SORT_FIELDS.get(first("sort") or "", "")
        if key:
            models.sort(key=lambda m: getattr(m, key), reverse=True)
        limit = first("limit")
        if limit is not None:
            models = models[: int(limit)]
        return [_expanded(m.wire(listing=True), params.get("expand")) for m in models]

    def _answer(self, path: str, params: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        if self.down_status is not None:
            return self.down_status, {}, {"error": "The Hub is unavailable (loopback outage)."}
        if path == "/api/models":
            return 200, {}, self._listing(params)
        if path.startswith("/api/models/"):
            model_id = path[len("/api/models/") :]
            model = self.models.get(model_id)
            if model is None:
                headers = {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"}
                return 404, headers, {"error": "Repository not found"}
            return 200, {}, _expanded(model.wire(listing=False), params.get("expand"))
        return 404, {}, {"error": "Not found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                path = unquote(parts.path).rstrip("/")
                params = parse_qs(parts.query)
                hub._record("GET", path, params)
                status, headers, body = hub._answer(path, params)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def _expanded(body: dict[str, Any], expand: list[str] | None) -> dict[str, Any]:
    if not expand:
        return body
    keep = {"_id", "id", *expand}
    return {k: v for k, v in body.items() if k in keep}


def main(argv: list[str] | None = None) -> int:
    """Run the loopback Hub until interrupted; prints ``ready <endpoint>`` once listening."""
    parser = argparse.ArgumentParser(description="A loopback Hub API (model listing and model pages) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    args = parser.parse_args(argv)
    hub = LoopbackHub(port=args.port).start()
    hub.serve_until_interrupted(
        f"ready {hub.endpoint}",
        f"models: {', '.join(sorted(hub.models))}",
        f"use it with HF_ENDPOINT={hub.endpoint} or hub_endpoint={hub.endpoint!r}; Ctrl-C stops it",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
