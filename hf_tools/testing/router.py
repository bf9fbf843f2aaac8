"""Router mode: the Hugging Face router's ``/<provider>/...`` routes on 127.0.0.1.

:class:`LoopbackRouter` answers what huggingface_hub's provider helpers send through the
router (``INFERENCE_PROXY_TEMPLATE = <router>/{provider}``), in each provider's own shape:

* ``hf-inference``: ``/hf-inference/models/<id>[/pipeline/<task>]`` and
  ``/hf-inference/models/<id>/v1/chat/completions``, as :class:`LoopbackServer` answers them;
* chat for any provider: ``/<provider>/v1/chat/completions``, and the router's own auto route
  ``/v1/chat/completions`` (recorded as provider ``"auto"``; the model keeps its suffix);
* ``together``: ``/v1/images/generations`` (base64 JSON), ``/v1/audio/speech`` (raw audio);
* ``fal-ai``: ``/<provider-id>`` answering with a media URL (image, speech) or a transcript, and
  the queue (``?_subdomain=queue``: request id, then ``.../status`` and the result) for
  image-to-image; the media URL is fetched next with a GET;
* ``replicate``: ``/v1/models/<id>/predictions`` and ``/v1/predictions``: a prediction whose
  ``output`` is a media URL (fetched next).

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
import itertools
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from typing import Any

from hf_tools.testing.answers import ANSWERS
from hf_tools.testing.hub_server import HubModel, HubProvider, LoopbackHub
from hf_tools.testing.replies import RecordedRequest, Reply
from hf_tools.testing.server import LoopbackServer

__all__ = ["LoopbackRouter", "routed", "router_models"]


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
        super().__init__(port, delay=delay)

    # -- scripting ---------------------------------------------------------------------------
    def fail(self, provider: str, *replies: Reply) -> None:
        """Answer the next requests to ``provider`` with ``replies`` (errors, drops, delays), in order."""
        with self._lock:
            self._faults[provider].extend(replies)

    def count(self, provider: str | None = None) -> int:
        """POST requests received by ``provider`` (``"auto"``: the router's own chat route), or all."""
        with self._lock:
            return sum(1 for r in self.requests if provider is None or r.provider == provider)

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
        bare = path.split("?", 1)[0]
        if bare.startswith("/files/"):
            data = self.files.get(bare[len("/files/") :])
            return Reply.ok(data) if data is not None else Reply.error(404, "no such file")
        if "/requests/" in bare:  # fal-ai's queue: status, then result
            if bare.endswith("/status"):
                return Reply.ok({"status": "COMPLETED"})
            result = self._queue_results.get(bare.rsplit("/", 1)[-1])
            return Reply.ok(result) if result is not None else Reply.error(404, "no such request")
        return super().get(path)

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
