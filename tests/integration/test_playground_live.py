"""The playground's live calls without a browser: the chat stream with who answered and its cost,
a video job's progress as status lines, and Cancel reaching fal-ai's cancel route."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

import hf_tools
from hf_tools.errors import HFDeadlineExceededError
from hf_tools.playground.live import JobHandle, Update, run_job_call, stream_chat
from hf_tools.testing.answers.media import mp4_text
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_playground_live_0123456789"
FAST: dict[str, Any] = {
    "token": TOKEN,
    "job_poll_interval": 0.01,
    "backoff_base": 0.01,
    "backoff_max": 0.02,
    "timeout": 5,
}
VIDEO = hf_tools.TASKS["text-to-video"]


async def _collect(updates: Any) -> list[Update]:
    return [update async for update in updates]


def test_chat_streams_then_names_the_provider_tokens_and_cost(hf_router: LoopbackRouter) -> None:
    options = {"model": "Qwen/Qwen2.5-7B-Instruct", "token": TOKEN}
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    updates = asyncio.run(_collect(stream_chat(options, history, "the lens of a lighthouse")))
    texts = [u.text for u in updates if not u.done]
    assert len(texts) > 1 and texts[-1] == "You said: the lens of a lighthouse"
    assert all(texts[-1].startswith(t) for t in texts)  # the answer grows
    last = updates[-1]
    assert last.done and last.error is None and last.route is not None
    assert last.route.provider == "together"  # the router's auto route named it
    assert last.route.usage is not None and last.route.usage["output_tokens"] > 0
    assert last.route.usage["cost_usd"] > 0
    assert hf_router.requests[-1].body["messages"][:2] == history


def test_chat_with_a_provider_ordering_reports_the_route_event(hf_router: LoopbackRouter) -> None:
    options = {"model": "Qwen/Qwen2.5-7B-Instruct", "provider": "cheapest", "token": TOKEN}
    last = asyncio.run(_collect(stream_chat(options, [], "Hi")))[-1]
    assert last.route is not None and last.route.provider == "together" and last.error is None


def test_an_empty_chat_message_is_a_typed_error_before_any_request(hf_router: LoopbackRouter) -> None:
    updates = asyncio.run(_collect(stream_chat({"token": TOKEN}, [], "  ")))
    assert [u.error for u in updates] == ["HFInputError: the message is empty"]
    assert hf_router.count() == 0


def test_chat_with_an_image_sends_it_as_an_image_url_part(hf_router: LoopbackRouter) -> None:
    from hf_tools.testing.answers.media import png_bytes

    picture = png_bytes(8, 8, (200, 30, 30))
    options = {"model": "Qwen/Qwen2.5-VL-7B-Instruct", "token": TOKEN}
    last = asyncio.run(_collect(stream_chat(options, [], "What is it?", [picture])))[-1]
    assert last.error is None and last.text == "You said: What is it? (1 image)"
    parts = hf_router.requests[-1].body["messages"][-1]["content"]
    assert parts == [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(picture).decode()}},
    ]


def test_a_file_that_is_not_an_image_is_refused_before_any_request(hf_router: LoopbackRouter) -> None:
    updates = asyncio.run(_collect(stream_chat({"token": TOKEN}, [], "Hi", [b"%PDF-1.7 not a picture"])))
    assert [u.error for u in updates] == [
        "HFInputError: the attached file is not an image (PNG, JPEG, GIF, WebP or BMP)"
    ]
    assert hf_router.count() == 0


def test_a_video_job_reports_each_status_then_the_video(hf_router: LoopbackRouter) -> None:
    hf_router.hold_jobs(4)
    updates = asyncio.run(_collect(run_job_call(VIDEO, {"prompt": "a cat"}, settings={"provider": "fal-ai", **FAST})))
    statuses = [u.status.split(" · ")[0] for u in updates if not u.done]
    assert statuses == [
        "submitted (fal-ai submitted)",
        "queued (fal-ai IN_QUEUE)",
        "queued (fal-ai IN_QUEUE)",
        "running (fal-ai IN_PROGRESS)",
        "completed (fal-ai COMPLETED)",
    ]
    last = updates[-1]
    assert last.done and last.error is None and mp4_text(last.output.data) == "a cat"
    assert last.route is not None and last.route.provider == "fal-ai"


def test_cancel_stops_the_job_at_the_provider(hf_router: LoopbackRouter) -> None:
    hf_router.hold_jobs(None)  # never finishes
    handle = JobHandle()

    async def main() -> list[Update]:
        seen = []
        async for update in run_job_call(
            VIDEO, {"prompt": "a cat"}, settings={"provider": "fal-ai", **FAST}, handle=handle
        ):
            seen.append(update)
            if update.progress and update.progress.get("state") == "running":
                assert handle.cancel()
        return seen

    updates = asyncio.run(main())
    last = updates[-1]
    assert last.done and last.cancelled and last.output is None
    assert hf_router.cancelled() == [last.progress["request_id"]]  # type: ignore[index]
    assert last.progress is not None and last.progress["status"] == "CANCELLATION_REQUESTED"
    assert last.progress["state"] == "canceled" and last.progress["http_status"] == 200
    assert last.error == f"Cancelled: polling stopped; fal-ai job {hf_router.cancelled()[0]} cancelled at the provider"
    assert not handle.cancel()  # nothing left to cancel


def test_the_deadline_cancel_is_reported_to_callbacks_too(hf_router: LoopbackRouter) -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    states: list[str] = []

    class Events(BaseCallbackHandler):
        def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
            if name == "hf_tools_progress":
                states.append(data["state"])

    hf_router.hold_jobs(None)
    run = hf_tools.runnable("text-to-video", provider="fal-ai", job_deadline=0.2, **FAST)
    with pytest.raises(HFDeadlineExceededError):
        run.invoke("a cat", {"callbacks": [Events()]})
    assert states[-1] == "canceled" and len(hf_router.cancelled()) == 1
