"""Router mode: the Hugging Face router's ``/<provider>/...`` routes on 127.0.0.1.

:class:`LoopbackRouter` answers what huggingface_hub's provider helpers send through the
router (``INFERENCE_PROXY_TEMPLATE = <router>/{provider}``), in each provider's own shape:

* ``hf-inference``: ``/hf-inference/models/<id>[/pipeline/<task>]`` and
  ``/hf-inference/models/<id>/v1/chat/completions``, as :class:`LoopbackServer` answers them;
* chat for any provider: ``/<provider>/v1/chat/completions``, and the router's own auto route
  ``/v1/chat/completions`` (recorded as provider ``"auto"``; the model keeps its suffix), whose
  answers name the provider that answered in ``x-inference-provider`` (see
  :meth:`LoopbackRouter.auto_provider`); every chat answer carries ``usage`` (a stream in its last
  chunk when ``stream_options.include_usage`` is set);
* ``GET /v1/models``: every chat model with its providers' status, ``context_length``,
  ``pricing`` (dollars per million input/output tokens), ``supports_tools`` and
  ``supports_structured_output`` (:meth:`LoopbackRouter.offer` changes them);
* ``together``: ``/v1/images/generations`` (base64 JSON), ``/v1/audio/speech`` (raw audio);
* ``fal-ai``: ``/<provider-id>`` answering with a media URL (image, speech) or a transcript, and
  the queue (``?_subdomain=queue``: request id, then ``.../status`` and the result) for
  image-to-image; the media URL is fetched next with a GET;
* ``replicate``: ``/v1/models/<id>/predictions`` and ``/v1/predictions``: a prediction whose
  ``output`` is a media URL (fetched next), or, for a held job, ``starting`` with ``urls.get``
  polled at ``/v1/predictions/<id>``;
* video jobs (text-to-video, image-to-video) as each provider runs them: fal-ai's queue (submit
  with ``request_id``/``queue_position``/``response_url``, ``GET .../requests/<id>/status``
  IN_QUEUE → IN_PROGRESS → COMPLETED, the result ``{"video": {"url"}}``, and
  ``PUT .../requests/<id>/cancel``), replicate's predictions, together's ``POST /v2/videos`` and
  ``GET /v2/videos/<id>`` (``outputs.video_url``), wavespeed's ``/api/v3/<id>`` with
  ``data.urls.get`` polled, and novita's ``/v3/hf/<id>`` answering ``{"video": {"video_url"}}`` at once.

:meth:`LoopbackRouter.hold_jobs` scripts how many status polls a new job stays pending (queued,
then running; ``None``: it never finishes), and :attr:`LoopbackRouter.log` records every request
(POST, GET, PUT) in order, so a test can check that no status request followed a cancel.

Generated media are real PNG/WAV bytes kept in :attr:`LoopbackRouter.files`, so a test can check
that the bytes a user gets are exactly those the provider sent. :meth:`LoopbackRouter.fail`
scripts faults per provider (failover tests) and :meth:`LoopbackRouter.count` counts requests
per provider. Use it with :class:`~hf_tools.testing.hub_server.LoopbackHub` (the models'
``inferenceProviderMapping``) through :func:`routed`, or the ``hf_router`` pytest fixture.

Example:
    >>> import hf_tools
    >>> from hf_tools.testing.router import routed
    >>> with routed() as (router, hub):
    ...     out = hf_tools.runnable("summarization", token="hf_example").invoke("Short. Text.")
    ...     out.summary_text, router.count("hf-inference")
    ('Short.', 1)

"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import itertools
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hf_tools.jobs import dig
from hf_tools.testing.answers import ANSWERS
from hf_tools.testing.chat import CHAT_SUFFIX, chat_handler
from hf_tools.testing.hub_server import HubModel, HubProvider, LoopbackHub
from hf_tools.testing.replies import RecordedRequest, Reply, Stream
from hf_tools.testing.server import LoopbackServer

__all__ = ["ChatOffer", "LoopbackRouter", "routed", "router_models"]

PROVIDER_HEADER = "x-inference-provider"


@dataclass(frozen=True)
class ChatOffer:
    """One provider serving a chat model, as the router's ``GET /v1/models`` lists it.

    Prices are dollars per million tokens. ``latency`` (seconds to the first token) and
    ``throughput`` (tokens per second) are listed only when set. ``listed=False`` leaves the
    provider out of the listing (a provider the router's catalog does not know yet).

    Example:
        >>> ChatOffer("together", input_price=0.3, output_price=0.8).wire()["pricing"]
        {'input': 0.3, 'output': 0.8}

    """

    provider: str
    status: str = "live"
    context_length: int = 32_768
    input_price: float = 0.2
    output_price: float = 0.6
    supports_tools: bool = True
    supports_structured_output: bool = True
    latency: float | None = None
    throughput: float | None = None
    listed: bool = True

    def wire(self) -> dict[str, Any]:
        """The ``providers[]`` entry of ``/v1/models``."""
        entry: dict[str, Any] = {
            "provider": self.provider,
            "status": self.status,
            "context_length": self.context_length,
            "pricing": {"input": self.input_price, "output": self.output_price},
            "supports_tools": self.supports_tools,
            "supports_structured_output": self.supports_structured_output,
        }
        if self.latency is not None:
            entry["latency"] = self.latency
        if self.throughput is not None:
            entry["throughput"] = self.throughput
        return entry


class LoopbackRouter(LoopbackServer):
    """The Hugging Face router on 127.0.0.1: ``/<provider>/...`` routes in each provider's shape."""

    def __init__(self, port: int = 0, *, delay: float = 0.0) -> None:
        self.files: dict[str, bytes] = {}
        self._faults: dict[str, deque[Reply]] = defaultdict(deque)
        self._queue_results: dict[str, Any] = {}
        self._ids = itertools.count(1)
        self._files_lock = threading.Lock()
        self.hub: LoopbackHub | None = None
        """The loopback Hub :func:`routed` started with this router."""
        self.jobs: dict[str, _Job] = {}
        """Every queued job, by id."""
        self.log: list[tuple[str, str]] = []
        """``(method, path)`` of every request, in the order received."""
        self._hold: int | None = 0
        self._offers: dict[str, dict[str, ChatOffer]] = {}
        super().__init__(port, delay=delay)
        self.route(CHAT_SUFFIX, _chat_with_provider_header)

    # -- scripting ---------------------------------------------------------------------------
    def fail(self, provider: str, *replies: Reply) -> None:
        """Answer the next requests to ``provider`` with ``replies`` (errors, drops, delays), in order."""
        with self._lock:
            self._faults[provider].extend(replies)

    def offer(self, model: str, provider: str, **fields: Any) -> ChatOffer:
        """List (or change) ``provider``'s offer of chat ``model`` in ``GET /v1/models``.

        ``fields`` are :class:`ChatOffer` fields (``input_price``, ``supports_tools``, ...); a
        provider the model's Hub mapping serves as chat is listed with the defaults until changed.
        """
        with self._lock:
            offers = self._offers.setdefault(model, {})
            current = offers.get(provider) or self._mapped_offers(model).get(provider) or ChatOffer(provider)
            offers[provider] = dataclasses.replace(current, **fields)
            return offers[provider]

    def offers(self, model: str) -> list[ChatOffer]:
        """The providers ``GET /v1/models`` lists for chat ``model``, in order."""
        listed = {**self._mapped_offers(model), **self._offers.get(model, {})}
        return [offer for offer in listed.values() if offer.listed]

    def _mapped_offers(self, model: str) -> dict[str, ChatOffer]:
        """Default offers: every provider the loopback Hub maps the model to as chat."""
        hub_model = self.hub.models.get(model) if self.hub is not None else None
        if hub_model is None:
            return {}
        return {
            p.provider: ChatOffer(p.provider, status=p.status)
            for p in hub_model.providers
            if p.task == "conversational"
        }

    def models_listing(self) -> dict[str, Any]:
        """The body of ``GET /v1/models``: every chat model with its providers."""
        ids = dict.fromkeys(
            [m.id for m in self.hub.models.values() if any(p.task == "conversational" for p in m.providers)]
            if self.hub is not None
            else []
        )
        ids.update(dict.fromkeys(self._offers))
        data = []
        for model in ids:
            data.append(
                {
                    "id": model,
                    "object": "model",
                    "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                    "providers": [offer.wire() for offer in self.offers(model)],
                }
            )
        return {"object": "list", "data": data}

    def auto_provider(self, model: str) -> str | None:
        """The provider the router's own chat route picks for ``model`` (with its ``:suffix``), as the router
        does: ``:<provider>`` that one; ``:cheapest`` the lowest input + output price; ``:fastest`` the
        highest throughput; otherwise (``:preferred`` or none) the first live provider listed.
        """
        name, _, suffix = model.partition(":")
        live = [offer for offer in self.offers(name) if offer.status == "live"]
        if suffix and suffix not in ("cheapest", "fastest", "preferred"):
            return suffix
        if not live:
            return None
        if suffix == "cheapest":
            return min(live, key=lambda o: o.input_price + o.output_price).provider
        if suffix == "fastest":
            return max(live, key=lambda o: o.throughput or 0.0).provider
        return live[0].provider

    def count(self, provider: str | None = None) -> int:
        """POST requests received by ``provider`` (``"auto"``: the router's own chat route), or all."""
        with self._lock:
            return sum(1 for r in self.requests if provider is None or r.provider == provider)

    def hold_jobs(self, polls: int | None) -> None:
        """Keep each new job pending for ``polls`` status requests (queued for the first half, then
        running) before it completes; ``None``: it never completes. 0 (the default): done at once.
        """
        self._hold = polls

    def cancelled(self) -> list[str]:
        """Ids of the jobs a client cancelled."""
        with self._lock:
            return [job_id for job_id, job in self.jobs.items() if job.cancelled]

    def record(self, request: RecordedRequest) -> None:
        super().record(request)
        with self._lock:
            self.log.append(("POST", request.path))

    def providers_called(self) -> list[str | None]:
        """The provider of every POST, in order."""
        with self._lock:
            return [r.provider for r in self.requests]

    # -- router-mode hooks -----------------------------------------------------------------------
    def split_provider(self, path: str) -> tuple[str | None, str]:
        if path.startswith("/v1/"):
            return "auto", path
        head, _, rest = path.lstrip("/").partition("/")
        return head, "/" + rest

    def provider_reply(self, provider: str | None) -> Reply | None:
        with self._lock:
            queue = self._faults.get(provider or "")
            return queue.popleft() if queue else None

    def provider_answer(self, provider: str, request: RecordedRequest) -> Reply | Iterator[bytes] | None:
        body = request.body if isinstance(request.body, dict) else {}
        path = request.path.split("?", 1)[0]
        video = self._video(provider, path, request.path, body)
        if video is not None:
            return video
        if provider == "together":
            if path.endswith("/v1/images/generations"):
                image = ANSWERS["text-to-image"]({"inputs": body.get("prompt", ""), "parameters": body})
                return Reply.ok({"data": [{"b64_json": base64.b64encode(image).decode()}]})
            if path.endswith("/v1/audio/speech"):
                return Reply.ok(ANSWERS["text-to-speech"]({"inputs": body.get("input", "")}))
        if provider == "fal-ai":
            return self._fal(path, request.path, body)
        if provider == "replicate":
            return self._replicate(body.get("input") or {})
        return None

    def get(self, path: str) -> Reply:
        with self._lock:
            self.log.append(("GET", path))
        bare = path.split("?", 1)[0]
        if bare == "/v1/models":
            return Reply.ok(self.models_listing())
        job = self._poll(bare)
        if job is not None:
            return job
        if bare.startswith("/files/"):
            data = self.files.get(bare[len("/files/") :])
            return Reply.ok(data) if data is not None else Reply.error(404, "no such file")
        if "/requests/" in bare:  # fal-ai's queue: status, then result
            if bare.endswith("/status"):
                return Reply.ok({"status": "COMPLETED"})
            result = self._queue_results.get(bare.rsplit("/", 1)[-1])
            return Reply.ok(result) if result is not None else Reply.error(404, "no such request")
        return super().get(path)

    def put(self, path: str) -> Reply:
        """fal-ai's cancel route: ``PUT .../requests/<id>/cancel``."""
        with self._lock:
            self.log.append(("PUT", path))
        bare = path.split("?", 1)[0]
        if "/requests/" in bare and bare.endswith("/cancel"):
            job = self.jobs.get(bare[: -len("/cancel")].rsplit("/", 1)[-1])
            if job is None:
                return Reply.error(404, "no such request")
            job.cancelled = True
            return Reply.ok({"status": "CANCELLATION_REQUESTED"})
        return super().put(path)

    # -- video jobs ---------------------------------------------------------------------------
    def _video_task(self, provider: str, path: str, body: dict[str, Any]) -> str | None:
        """The video task the Hub maps this provider route to, if any."""
        tasks = {"text-to-video", "image-to-video"}
        for model in self.hub.models.values() if self.hub is not None else []:
            for entry in model.providers:
                if entry.provider == provider and entry.task in tasks and (entry.provider_id or model.id) in path:
                    return entry.task
        if provider == "together" and path.endswith("/v2/videos"):
            return "image-to-video" if body.get("frame_images") else "text-to-video"
        return None

    def _video(self, provider: str, path: str, full_path: str, body: dict[str, Any]) -> Reply | None:
        task = self._video_task(provider, path, body)
        if task is None:
            return None
        payload = body.get("input") if provider == "replicate" else body
        payload = payload if isinstance(payload, dict) else {}
        image = payload.get("image_url") or payload.get("image") or dig(payload, "frame_images", 0, "input_image")
        if task == "image-to-video":
            clip = ANSWERS["image-to-video"]({"inputs": _inline(str(image or "")), "parameters": payload})
        else:
            clip = ANSWERS["text-to-video"]({"inputs": payload.get("prompt", ""), "parameters": payload})
        url = self._file(clip, "mp4")
        job_id = f"j{next(self._ids)}"
        job = self.jobs[job_id] = _Job(provider, url, self._hold)
        words = _WORDS.get(provider)
        if words is None:  # novita: the video at once
            return Reply.ok({"video": {"video_url": url}})
        if provider == "fal-ai":
            app = "/" + "/".join(path.strip("/").split("/")[:2])  # fal's app root, as its response_url gives it
            base = f"{self.url}{app}/requests/{job_id}"
            return Reply.ok(
                {
                    "request_id": job_id,
                    "status": words[0],
                    "queue_position": job.position(),
                    "response_url": base,
                    "status_url": f"{base}/status",
                    "cancel_url": f"{base}/cancel",
                }
            )
        if job.hold == 0 and provider == "replicate":  # Prefer: wait held the request until the output existed
            return Reply.ok({"id": job_id, "status": words[2], "output": url})
        return Reply.ok(self._job_answer(job_id, job, words[0]))

    def _job_answer(self, job_id: str, job: _Job, status: str) -> dict[str, Any]:
        done = status == _WORDS[job.provider][2]
        if job.provider == "replicate":
            get = f"https://api.replicate.com/v1/predictions/{job_id}"
            return {"id": job_id, "status": status, "output": job.url if done else None, "urls": {"get": get}}
        if job.provider == "together":
            return {"id": job_id, "status": status, **({"outputs": {"video_url": job.url}} if done else {})}
        get = f"https://api.wavespeed.ai/api/v3/predictions/{job_id}/result"
        data = {"id": job_id, "status": status, "urls": {"get": get}, "outputs": [job.url] if done else []}
        return {"code": 200, "data": data}

    def _poll(self, bare: str) -> Reply | None:
        """A status (or fal-ai result) request of a video job, if ``bare`` is one."""
        parts = bare.rstrip("/").split("/")
        for index in range(len(parts) - 1, -1, -1):
            job = self.jobs.get(parts[index])
            if job is None:
                continue
            words = _WORDS[job.provider]
            if job.provider == "fal-ai" and not bare.endswith("/status"):
                return Reply.ok({"video": {"url": job.url}}) if job.finished else Reply.error(400, "still running")
            status = job.step(words)
            if job.provider == "fal-ai":
                return Reply.ok(
                    {"status": status, "queue_position": job.position()} if status == words[0] else {"status": status}
                )
            return Reply.ok(self._job_answer(parts[index], job, status))
        return None

    # -- providers ---------------------------------------------------------------------------
    def _file(self, data: bytes, extension: str) -> str:
        with self._files_lock:
            name = f"{next(self._ids)}.{extension}"
            self.files[name] = data
        return f"{self.url}/files/{name}"

    def _fal(self, path: str, full_path: str, body: dict[str, Any]) -> Reply:
        if "_subdomain=queue" in full_path:  # image-to-image (and video) go through fal's queue
            image = ANSWERS["image-to-image"]({"inputs": _inline(body.get("image_url", "")), "parameters": {}})
            request_id = f"r{next(self._ids)}"
            self._queue_results[request_id] = {"images": [{"url": self._file(image, "png")}]}
            return Reply.ok(
                {
                    "request_id": request_id,
                    "status": "IN_QUEUE",
                    "response_url": f"{self.url}{path}/requests/{request_id}",
                }
            )
        if "prompt" in body:
            image = ANSWERS["text-to-image"]({"inputs": body["prompt"], "parameters": body})
            return Reply.ok({"images": [{"url": self._file(image, "png")}]})
        if "text" in body:
            return Reply.ok({"audio": {"url": self._file(ANSWERS["text-to-speech"]({"inputs": body["text"]}), "wav")}})
        if "audio_url" in body:
            return Reply.ok({"text": "hello there"})
        return Reply.error(422, "unexpected fal-ai body")

    def _replicate(self, payload: dict[str, Any]) -> Reply:
        if "text" in payload:
            return Reply.ok({"output": self._file(ANSWERS["text-to-speech"]({"inputs": payload["text"]}), "wav")})
        if "image" in payload:
            image = ANSWERS["image-to-image"]({"inputs": _inline(payload["image"]), "parameters": {}})
            return Reply.ok({"output": [self._file(image, "png")]})
        if "prompt" in payload:
            image = ANSWERS["text-to-image"]({"inputs": payload["prompt"], "parameters": payload})
            return Reply.ok({"output": self._file(image, "png")})
        return Reply.error(422, "unexpected replicate input")


def _chat_with_provider_header(server: LoopbackServer, request: RecordedRequest) -> Reply | Iterator[bytes]:
    """Chat as :func:`~hf_tools.testing.chat.chat_handler` answers it; on the router's own route (``/v1/...``)
    the answer names the provider that answered in ``x-inference-provider``, as the router does. The
    default answer counts the last user message's images (``You said: What is it? (1 image)``).
    """
    answer = chat_handler(server, request, count_images=True)
    body = request.body if isinstance(request.body, dict) else {}
    if request.provider != "auto" or not isinstance(server, LoopbackRouter) or not isinstance(body.get("model"), str):
        return answer
    provider = server.auto_provider(body["model"])
    if provider is None:
        return answer
    headers = {PROVIDER_HEADER: provider}
    if isinstance(answer, Reply):
        return dataclasses.replace(answer, headers={**answer.headers, **headers})
    return Stream(iter(answer), headers)


# a provider's words for (queued, running, done)
_WORDS = {
    "fal-ai": ("IN_QUEUE", "IN_PROGRESS", "COMPLETED"),
    "replicate": ("starting", "processing", "succeeded"),
    "together": ("queued", "in_progress", "completed"),
    "wavespeed": ("created", "processing", "completed"),
}


class _Job:
    """One queued video job: pending for ``hold`` status polls (None: forever), then done."""

    def __init__(self, provider: str, url: str, hold: int | None) -> None:
        self.provider, self.url, self.hold = provider, url, hold
        self.polls = 0
        self.cancelled = False
        self.finished = hold == 0

    def position(self) -> int | None:
        """Queue position while queued: the first half of the held polls, counting down to 1."""
        if self.hold is None:
            return None
        queued = (self.hold + 1) // 2
        return queued - self.polls if self.polls < queued else None

    def step(self, words: tuple[str, str, str]) -> str:
        """The status this poll sees."""
        self.polls += 1
        if self.hold is None:
            return words[1]
        if self.polls > self.hold:
            self.finished = True
            return words[2]
        return words[0] if self.polls < (self.hold + 1) // 2 else words[1]


def _inline(url: str) -> str:
    """The base64 part of a ``data:`` URL (providers get images as data URLs)."""
    return url.split(",", 1)[1] if url.startswith("data:") else url


def router_models() -> list[HubModel]:
    """A Hub whose mappings look like today's router (Aug-Sep 2026) for a few tasks."""
    p = HubProvider
    return [
        HubModel(
            "facebook/bart-large-cnn", "summarization", 3_000_000, providers=(p("hf-inference", "summarization"),)
        ),
        HubModel(
            "black-forest-labs/FLUX.1-schnell",
            "text-to-image",
            900_000,
            providers=(
                p("together", "text-to-image", provider_id="black-forest-labs/FLUX.1-schnell-Free"),
                p("fal-ai", "text-to-image", provider_id="fal-ai/flux/schnell"),
                p("replicate", "text-to-image", provider_id="black-forest-labs/flux-schnell"),
                p("hf-inference", "text-to-image", status="staging"),
            ),
        ),
        HubModel(
            "black-forest-labs/FLUX.1-Kontext-dev",
            "image-to-image",
            300_000,
            providers=(
                p("fal-ai", "image-to-image", provider_id="fal-ai/flux-kontext/dev"),
                p("replicate", "image-to-image", provider_id="black-forest-labs/flux-kontext-dev"),
            ),
        ),
        HubModel(
            "hexgrad/Kokoro-82M",
            "text-to-speech",
            2_000_000,
            providers=(
                p("fal-ai", "text-to-speech", provider_id="fal-ai/kokoro/american-english"),
                p("replicate", "text-to-speech", provider_id="jaaari/kokoro-82m"),
            ),
        ),
        HubModel("facebook/mms-tts-eng", "text-to-speech", 100_000),
        HubModel(
            "Wan-AI/Wan2.2-T2V-A14B",
            "text-to-video",
            150_000,
            providers=(
                p("fal-ai", "text-to-video", provider_id="fal-ai/wan/v2.2-a14b/text-to-video"),
                p("replicate", "text-to-video", provider_id="wan-video/wan-2.2-t2v-fast"),
                p("together", "text-to-video", provider_id="Wan-AI/Wan2.2-T2V-A14B"),
                p("wavespeed", "text-to-video", provider_id="wavespeed-ai/wan-2.2/t2v-480p"),
                p("novita", "text-to-video", provider_id="wan-2.2-t2v"),
            ),
        ),
        HubModel(
            "Wan-AI/Wan2.2-I2V-A14B",
            "image-to-video",
            90_000,
            providers=(
                p("fal-ai", "image-to-video", provider_id="fal-ai/wan/v2.2-a14b/image-to-video"),
                p("together", "image-to-video", provider_id="Wan-AI/Wan2.2-I2V-A14B"),
                p("wavespeed", "image-to-video", provider_id="wavespeed-ai/wan-2.2/i2v-480p"),
            ),
        ),
        HubModel(
            "Qwen/Qwen2.5-7B-Instruct",
            "text-generation",
            2_000_000,
            providers=(
                p("together", "conversational", provider_id="Qwen/Qwen2.5-7B-Instruct-Turbo"),
                p("featherless-ai", "conversational"),
            ),
        ),
        HubModel(
            "Qwen/Qwen2.5-VL-7B-Instruct",
            "image-text-to-text",
            1_000_000,
            providers=(p("together", "conversational"), p("hf-inference", "conversational")),
        ),
        HubModel("Salesforce/blip-image-captioning-large", "image-to-text", 1_500_000),
        HubModel("dandelin/vilt-b32-finetuned-vqa", "visual-question-answering", 400_000),
        HubModel("impira/layoutlm-document-qa", "document-question-answering", 200_000),
        HubModel("MIT/ast-finetuned-audioset-10-10-0.4593", "audio-classification", 500_000),
        HubModel(
            "openai/whisper-large-v3",
            "automatic-speech-recognition",
            4_000_000,
            providers=(p("hf-inference", "automatic-speech-recognition"), p("fal-ai", "automatic-speech-recognition")),
        ),
    ]


@contextlib.contextmanager
def routed(models: list[HubModel] | None = None) -> Iterator[tuple[LoopbackRouter, LoopbackHub]]:
    """Point huggingface_hub's router base and Hub endpoint at a loopback router and Hub.

    Patches (and restores) ``constants.INFERENCE_PROXY_TEMPLATE``, ``constants.ENDPOINT``,
    ``HF_ENDPOINT``, the base URL of the chat auto-router and of the hf-inference helpers
    (fixed when huggingface_hub is imported), and empties huggingface_hub's mapping caches.
    Production code is untouched: this is the only place that moves the router.
    """
    import os

    from huggingface_hub import constants
    from huggingface_hub.inference._providers import CONVERSATIONAL_AUTO_ROUTER, PROVIDERS, _common, hf_inference

    with LoopbackRouter() as router, LoopbackHub(router_models() if models is None else models) as hub:
        helpers = list(PROVIDERS["hf-inference"].values())
        saved = (
            constants.INFERENCE_PROXY_TEMPLATE,
            constants.ENDPOINT,
            os.environ.get("HF_ENDPOINT"),
            CONVERSATIONAL_AUTO_ROUTER.base_url,
            [h.base_url for h in helpers],
        )
        caches = (_common._fetch_inference_provider_mapping, hf_inference._check_supported_task)
        constants.INFERENCE_PROXY_TEMPLATE = router.url + "/{provider}"
        constants.ENDPOINT = hub.endpoint
        os.environ["HF_ENDPOINT"] = hub.endpoint
        CONVERSATIONAL_AUTO_ROUTER.base_url = router.url
        for helper in helpers:
            helper.base_url = router.url + "/hf-inference"
        router.hub = hub
        _clear_caches(caches)
        try:
            yield router, hub
        finally:
            constants.INFERENCE_PROXY_TEMPLATE, constants.ENDPOINT = saved[0], saved[1]
            if saved[2] is None:
                os.environ.pop("HF_ENDPOINT", None)
            else:
                os.environ["HF_ENDPOINT"] = saved[2]
            CONVERSATIONAL_AUTO_ROUTER.base_url = saved[3]
            for helper, url in zip(helpers, saved[4], strict=True):
                helper.base_url = url
            _clear_caches(caches)


def _clear_caches(caches: tuple[Any, ...]) -> None:
    from hf_tools import routing
    from hf_tools.hub import check

    for cache in caches:
        cache.cache_clear()
    check.clear_cache()
    routing.clear_cache()
