"""Today's router, offline: served defaults, provider failover, task fallbacks, exact media.

Every call runs the REAL ``InferenceClient`` / ``AsyncInferenceClient`` against the loopback
router (``/<provider>/...`` routes in each provider's wire shape) and the loopback Hub (the
models' ``inferenceProviderMapping``): the ``hf_router`` fixture points huggingface_hub's router
base and ``HF_ENDPOINT`` at them.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler

import hf_tools
from hf_tools.errors import (
    HFAuthenticationError,
    HFError,
    HFInvalidRequestError,
    HFModelNotFoundError,
    HFModelNotServedError,
    HFTimeoutError,
)
from hf_tools.testing import Reply
from hf_tools.testing.answers import png_bytes
from hf_tools.testing.hub_server import HubModel, HubProvider
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_router_test_0123456789"
FAST = {"token": TOKEN, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "deadline": 30}
FLUX = "black-forest-labs/FLUX.1-schnell"
QWEN = "Qwen/Qwen2.5-7B-Instruct"
PAGE = png_bytes(48, 24)


def _hub(router: LoopbackRouter) -> Any:
    assert router.hub is not None
    return router.hub


# -- exact media ------------------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["together", "fal-ai", "replicate"])
def test_text_to_image_returns_the_exact_bytes_the_provider_sent(hf_router: LoopbackRouter, provider: str) -> None:
    image = hf_tools.runnable("text-to-image", provider=provider, **FAST).invoke({"prompt": "a red cat"})
    sent = [r for r in hf_router.requests if r.provider == provider]
    assert len(sent) == 1
    if provider == "together":
        assert sent[0].body["model"] == "black-forest-labs/FLUX.1-schnell-Free"
    else:  # a media URL, fetched next: the same bytes the router keeps
        assert list(hf_router.files.values()) == [image.data]
    assert image.mime_type == "image/png" and image.data.startswith(b"\x89PNG")


def test_exact_bytes_keep_what_a_pil_round_trip_would_drop(hf_router: LoopbackRouter) -> None:
    image = hf_tools.runnable("text-to-image", provider="fal-ai", **FAST).invoke("a cat")
    stored = next(iter(hf_router.files.values()))
    assert image.data == stored  # not re-encoded (text chunks, compression and all)


async def test_async_image_and_speech_bytes_are_exact(hf_router: LoopbackRouter) -> None:
    image = await hf_tools.runnable("text-to-image", provider="replicate", **FAST).ainvoke("a cat")
    speech = await hf_tools.runnable("text-to-speech", **FAST).ainvoke("Hello there.")
    assert sorted(hf_router.files.values(), key=len) == sorted([image.data, speech.data], key=len)
    assert speech.mime_type == "audio/wav"
    assert [r.provider for r in hf_router.requests] == ["replicate", "fal-ai"]  # Kokoro: fal-ai first


def test_image_to_image_through_fal_ai_queue(hf_router: LoopbackRouter) -> None:
    out = hf_tools.runnable("image-to-image", **FAST).invoke({"image": png_bytes(16, 16), "prompt": "at night"})
    assert out.data in hf_router.files.values()
    assert hf_router.requests[0].provider == "fal-ai" and "image_url" in hf_router.requests[0].body


# -- served defaults ----------------------------------------------------------------------------
def test_model_none_resolves_to_a_served_default_once(hf_router: LoopbackRouter, caplog: Any) -> None:
    draw = hf_tools.runnable("text-to-image", **FAST)
    with caplog.at_level(logging.INFO, logger="hf_tools"):
        assert draw.resolved_model == FLUX
        draw.invoke("a cat")
        draw.invoke("a dog")
    assert caplog.text.count("text-to-image resolves to") == 1
    assert draw.plan().providers == ("together", "fal-ai", "replicate")  # live ones, in the Hub's order


def test_first_candidate_unserved_moves_to_the_next(hf_router: LoopbackRouter) -> None:
    hub = _hub(hf_router)
    hub.add(HubModel("hexgrad/Kokoro-82M", "text-to-speech"))  # nobody serves it any more
    hub.add(
        HubModel(
            "canopylabs/orpheus-3b-0.1-ft",
            "text-to-speech",
            providers=(HubProvider("replicate", "text-to-speech", provider_id="canopylabs/orpheus"),),
        )
    )
    speak = hf_tools.runnable("text-to-speech", **FAST)
    assert speak.resolved_model == "canopylabs/orpheus-3b-0.1-ft"
    speak.invoke("hi")
    assert hf_router.providers_called() == ["replicate"]


def test_no_candidate_served_takes_the_top_served_model_on_the_hub(hf_router: LoopbackRouter) -> None:
    hub = _hub(hf_router)
    hub.add(HubModel(FLUX, "text-to-image"))
    hub.add(HubModel("org/new-diffusion", "text-to-image", 10, providers=(HubProvider("fal-ai", "text-to-image"),)))
    assert hf_tools.runnable("text-to-image", **FAST).resolved_model == "org/new-diffusion"


def test_hub_unreachable_uses_the_first_candidate_with_a_warning(hf_router: LoopbackRouter, caplog: Any) -> None:
    from hf_tools.testing.hub_server import LoopbackHub

    dead = LoopbackHub().start()
    dead.stop()  # hf_tools' Hub look-ups fail; huggingface_hub's own mapping look-up still works
    summarize = hf_tools.runnable("summarization", hub_endpoint=dead.endpoint, **FAST)
    with caplog.at_level(logging.WARNING, logger="hf_tools"):
        out = summarize.invoke("First sentence. Second.")
    assert out.summary_text == "First sentence."
    assert summarize.resolved_model == "facebook/bart-large-cnn"
    assert "cannot be reached" in caplog.text
    assert hf_router.providers_called() == ["hf-inference"]


def test_hub_down_for_everyone_fails_with_a_typed_error(hf_router: LoopbackRouter) -> None:
    _hub(hf_router).down(503)
    summarize = hf_tools.runnable("summarization", **{**FAST, "max_retries": 0})
    assert summarize.resolved_model == "facebook/bart-large-cnn"  # the first candidate
    with pytest.raises(HFError):  # huggingface_hub cannot read the provider mapping either
        summarize.invoke("First sentence. Second.")
    assert hf_router.count() == 0


def test_pinned_provider_resolves_among_what_it_serves(hf_router: LoopbackRouter) -> None:
    draw = hf_tools.runnable("text-to-image", provider="replicate", **FAST)
    assert draw.plan().providers == ("replicate",)
    draw.invoke("a cat")
    assert hf_router.providers_called() == ["replicate"]


# -- failover ----------------------------------------------------------------------------------
FAILURES = {
    "503 loading": Reply.error(503, "Model is loading", estimated_time=30),
    "429": Reply.error(429, "rate limited", retry_after=30),
    "500": Reply.error(500, "boom"),
    "timeout": Reply.slow(2.0),
    "dropped": Reply.dropped(),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_failing_provider_moves_the_call_to_the_next_one(hf_router: LoopbackRouter, failure: str) -> None:
    hf_router.fail("together", FAILURES[failure])
    seen: list[dict[str, Any]] = []

    class Events(BaseCallbackHandler):
        def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
            seen.append({"name": name, **data})

    settings = {**FAST, "timeout": 0.5} if failure == "timeout" else FAST
    image = hf_tools.runnable("text-to-image", **settings).invoke("a cat", {"callbacks": [Events()]})
    assert image.data in hf_router.files.values()
    assert (hf_router.count("together"), hf_router.count("fal-ai"), hf_router.count("replicate")) == (1, 1, 0)
    assert seen == [
        {
            "name": "hf_tools_route",
            "task": "text-to-image",
            "model": FLUX,
            "provider": "fal-ai",
            "tried": ["together"],
            "via_chat": False,
        }
    ]


def test_failover_follows_the_provider_list_order(hf_router: LoopbackRouter) -> None:
    hf_router.fail("replicate", Reply.error(503, "busy"))
    draw = hf_tools.runnable("text-to-image", provider=["replicate", "together"], **FAST)
    draw.invoke("a cat")
    assert hf_router.providers_called() == ["replicate", "together"]


def test_every_provider_failing_backs_off_then_starts_again(hf_router: LoopbackRouter) -> None:
    for provider in ("together", "fal-ai", "replicate"):
        hf_router.fail(provider, Reply.error(500, "down"))
    hf_tools.runnable("text-to-image", **FAST).invoke("a cat")
    assert hf_router.providers_called() == ["together", "fal-ai", "replicate", "together"]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, HFInvalidRequestError),
        (401, HFAuthenticationError),
        (404, HFModelNotFoundError),
        (413, HFInvalidRequestError),
        (422, HFInvalidRequestError),
    ],
)
def test_client_errors_never_fail_over(hf_router: LoopbackRouter, status: int, error: type[HFError]) -> None:
    hf_router.fail("together", Reply.error(status, "no"))
    with pytest.raises(error):
        hf_tools.runnable("text-to-image", **FAST).invoke("a cat")
    assert hf_router.providers_called() == ["together"]


def test_one_deadline_covers_every_provider(hf_router: LoopbackRouter) -> None:
    for provider in ("together", "fal-ai", "replicate"):
        hf_router.fail(provider, *[Reply.slow(1.0)] * 3)
    draw = hf_tools.runnable("text-to-image", **{**FAST, "timeout": 0.2, "deadline": 0.5, "max_retries": 10})
    with pytest.raises(HFTimeoutError):
        draw.invoke("a cat")
    assert hf_router.count() <= 4  # the deadline stopped the rounds, not max_retries


# -- chat -----------------------------------------------------------------------------------------
def test_chat_auto_keeps_the_router_route_and_passes_suffixes_through(hf_router: LoopbackRouter) -> None:
    for model in (f"{QWEN}:fastest", f"{QWEN}:cheapest", f"{QWEN}:together"):
        reply = hf_tools.ChatHFInference(model=model, token=TOKEN).invoke("Hi")
        assert reply.response_metadata["provider"] == "together"  # the router's x-inference-provider
    assert [(r.provider, r.body["model"]) for r in hf_router.requests] == [
        ("auto", f"{QWEN}:fastest"),
        ("auto", f"{QWEN}:cheapest"),
        ("auto", f"{QWEN}:together"),
    ]


def test_chat_provider_list_fails_over_client_side(hf_router: LoopbackRouter) -> None:
    hf_router.fail("featherless-ai", Reply.error(429, "slow down"))
    chat = hf_tools.ChatHFInference(model=QWEN, provider=["featherless-ai", "together"], **FAST)
    reply = chat.invoke("Hi")
    assert reply.content == "You said: Hi"
    assert reply.response_metadata["provider"] == "together"
    assert hf_router.providers_called() == ["featherless-ai", "together"]
    assert hf_router.requests[-1].body["model"] == "Qwen/Qwen2.5-7B-Instruct-Turbo"  # the provider's id


async def test_chat_provider_list_streams(hf_router: LoopbackRouter) -> None:
    hf_router.fail("featherless-ai", Reply.error(503, "down"))
    chat = hf_tools.ChatHFInference(model=QWEN, provider=["featherless-ai", "together"], **FAST)
    chunks = [c async for c in chat.astream("Hi there")]
    assert "".join(str(c.content) for c in chunks) == "You said: Hi there"
    assert any(c.response_metadata.get("provider") == "together" for c in chunks)


def test_chat_suffix_with_a_pinned_provider_is_refused(hf_router: LoopbackRouter) -> None:
    with pytest.raises(hf_tools.HFInputError):
        hf_tools.ChatHFInference(model=f"{QWEN}:fastest", provider="together", token=TOKEN).invoke("Hi")
    assert hf_router.count() == 0


# -- text-generation through chat -------------------------------------------------------------------
def test_text_generation_through_chat(hf_router: LoopbackRouter) -> None:
    generate = hf_tools.runnable("text-generation", **FAST)
    out = generate.invoke({"prompt": "Once upon a time", "max_new_tokens": 12, "temperature": 0.5, "seed": 3})
    assert out == "You said: Once upon a time"
    request = hf_router.requests[0]
    assert request.provider == "together" and request.path == "/v1/chat/completions"
    assert request.body["messages"] == [{"role": "user", "content": "Once upon a time"}]
    assert (request.body["max_tokens"], request.body["temperature"], request.body["seed"]) == (12, 0.5, 3)
    assert generate.plan().via_chat


async def test_text_generation_through_chat_async_and_streams(hf_router: LoopbackRouter) -> None:
    generate = hf_tools.runnable("text-generation", **FAST)
    assert await generate.ainvoke("Hello") == "You said: Hello"
    assert "".join(generate.stream("Hello there")) == "You said: Hello there"
    assert "".join([c async for c in generate.astream("Hi")]) == "You said: Hi"
    assert all(r.path == "/v1/chat/completions" for r in hf_router.requests)


# -- vision tasks through a vision-language model ---------------------------------------------------
@pytest.mark.parametrize(
    ("task", "args"),
    [
        ("image-to-text", {}),
        ("visual-question-answering", {"question": "What color is it?"}),
        ("document-question-answering", {"question": "What is the total?"}),
    ],
)
async def test_vision_tasks_through_the_vision_model(
    hf_router: LoopbackRouter, task: str, args: dict[str, Any]
) -> None:
    run = hf_tools.runnable(task, **FAST)
    assert run.resolved_model == "Qwen/Qwen2.5-VL-7B-Instruct"
    out = await run.ainvoke({"image": PAGE, **args})
    request = hf_router.requests[0]
    assert request.provider == "together"
    parts = request.body["messages"][0]["content"]
    assert parts[0]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PAGE).decode()
    assert parts[1]["type"] == "text"
    if task == "image-to-text":
        assert isinstance(out, hf_tools.TASKS[task].output_type) and out.generated_text
    else:
        assert out[0].answer and out[0].score is None
        assert "score" not in hf_tools.TASKS[task].render(out)


def test_vision_fallback_off_refuses_the_unserved_model(hf_router: LoopbackRouter) -> None:
    with pytest.raises(HFModelNotServedError):
        hf_tools.runnable("image-to-text", vision_model=None, **FAST).invoke(PAGE)
    assert hf_router.count() == 0


def test_explicit_unserved_vision_model_goes_to_the_vision_model(hf_router: LoopbackRouter, caplog: Any) -> None:
    caption = hf_tools.runnable("image-to-text", model="Salesforce/blip-image-captioning-large", **FAST)
    with caplog.at_level(logging.WARNING, logger="hf_tools"):
        caption.invoke(PAGE)
    assert "vision model Qwen/Qwen2.5-VL-7B-Instruct" in caplog.text
    assert hf_router.requests[0].body["model"] == "Qwen/Qwen2.5-VL-7B-Instruct"


# -- a task nobody serves ----------------------------------------------------------------------------
def test_a_task_nobody_serves_is_refused_before_any_request(hf_router: LoopbackRouter) -> None:
    from hf_tools.testing.answers import wav_bytes

    with pytest.raises(HFModelNotServedError) as info:
        hf_tools.runnable("audio-classification", **FAST).invoke(wav_bytes(0.2))
    assert "audio-classification" in str(info.value) and "base_url" in str(info.value)
    assert hf_router.count() == 0
    _hub(hf_router).add(HubModel("org/any-audio-model", "audio-classification"))
    with pytest.raises(HFModelNotServedError):  # with a model too: the Hub lists nothing served for the task
        hf_tools.runnable("audio-classification", model="org/any-audio-model", **FAST).invoke(wav_bytes(0.2))
    assert hf_router.count() == 0


# -- the command line -------------------------------------------------------------------------------
def test_tasks_command_shows_candidates_and_who_serves_them(
    hf_router: LoopbackRouter, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hf_tools.cli import main

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    assert f"-> {FLUX} via together, fal-ai, replicate" in out
    assert "candidates: stabilityai/stable-diffusion-3-medium-diffusers" in out
    assert f"-> {QWEN} (through chat) via together, featherless-ai" in out
    assert "-> Qwen/Qwen2.5-VL-7B-Instruct (through chat) via together, hf-inference" in out
    assert "-> not served: no Inference Provider serves the task 'audio-classification'" in out
    assert hf_router.count() == 0  # look-ups only, no inference


def test_tasks_command_offline(capsys: Any) -> None:
    from hf_tools.cli import main

    assert main(["tasks", "--offline"]) == 0
    out = capsys.readouterr().out
    assert FLUX in out and "->" not in out
