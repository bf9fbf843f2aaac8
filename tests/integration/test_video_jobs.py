"""Video generation as queued provider jobs, offline: exact bytes, progress, cancellation, deadline.

The REAL ``InferenceClient``/``AsyncInferenceClient`` (huggingface_hub 1.x and 2.x) build each
request with their provider helpers; the loopback router answers in each provider's wire shape
(fal-ai's queue, replicate's predictions, together's /v2/videos, wavespeed, novita).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import hf_tools
from hf_tools.errors import HFDeadlineExceededError
from hf_tools.media import VideoArtifact
from hf_tools.tasks.vision import EXAMPLE_IMAGE
from hf_tools.testing import Reply
from hf_tools.testing.answers.media import mp4_text
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_video_test_0123456789"
FAST = {"token": TOKEN, "job_poll_interval": 0.01, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5}
PROVIDERS = ["fal-ai", "replicate", "together", "wavespeed", "novita"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_text_to_video_returns_the_providers_exact_bytes(hf_router: LoopbackRouter, provider: str) -> None:
    hf_router.hold_jobs(3)
    video = hf_tools.runnable("text-to-video", provider=provider, **FAST).invoke("a cat surfing")
    assert isinstance(video, VideoArtifact)
    assert video.mime_type == "video/mp4"
    assert video.data in hf_router.files.values()  # the provider's bytes, never re-encoded
    assert mp4_text(video.data) == "a cat surfing"
    assert hf_router.count(provider) == 1


@pytest.mark.parametrize("provider", ["fal-ai", "replicate"])
def test_async_video_exact_bytes(hf_router: LoopbackRouter, provider: str) -> None:
    hf_router.hold_jobs(2)
    video = asyncio.run(hf_tools.runnable("text-to-video", provider=provider, **FAST).ainvoke("a dog"))
    assert video.data in hf_router.files.values()
    assert mp4_text(video.data) == "a dog"


@pytest.mark.parametrize("provider", ["fal-ai", "together", "wavespeed"])
def test_image_to_video(hf_router: LoopbackRouter, provider: str) -> None:
    run = hf_tools.runnable("image-to-video", provider=provider, **FAST)
    video = run.invoke({"image": EXAMPLE_IMAGE, "prompt": "the cat walks"})
    assert video.data in hf_router.files.values()
    assert (video.width, video.height, mp4_text(video.data)) == (32, 32, "the cat walks")


def test_a_failing_submit_moves_the_job_to_the_next_provider(hf_router: LoopbackRouter) -> None:
    hf_router.fail("fal-ai", Reply.error(500, "boom"))
    video = hf_tools.runnable("text-to-video", provider=["fal-ai", "replicate"], **FAST).invoke("a cat")
    assert video.data in hf_router.files.values()
    assert hf_router.providers_called() == ["fal-ai", "replicate"]


async def _progress(run: Any, prompt: str) -> tuple[list[dict[str, Any]], Any]:
    events, output = [], None
    async for event in run.astream_events(prompt, version="v2"):
        if event["event"] == "on_custom_event" and event["name"] == "hf_tools_progress":
            events.append(event["data"])
        elif event["event"] == "on_chain_end":
            output = event["data"].get("output")
    return events, output


def test_progress_events_in_order_through_astream_events(hf_router: LoopbackRouter) -> None:
    hf_router.hold_jobs(4)
    run = hf_tools.runnable("text-to-video", provider="fal-ai", **FAST)
    events, output = asyncio.run(_progress(run, "a cat surfing"))
    assert [(e["status"], e.get("queue_position")) for e in events] == [
        ("submitted", None),
        ("IN_QUEUE", 2),
        ("IN_QUEUE", 1),
        ("IN_PROGRESS", None),
        ("COMPLETED", None),
    ]
    assert [e["state"] for e in events] == ["submitted", "queued", "queued", "running", "completed"]
    assert {(e["task"], e["model"], e["provider"]) for e in events} == {
        ("text-to-video", "Wan-AI/Wan2.2-T2V-A14B", "fal-ai")
    }
    elapsed = [e["elapsed_s"] for e in events]
    assert elapsed == sorted(elapsed)
    assert output.data in hf_router.files.values()


@pytest.mark.parametrize(
    ("provider", "words"),
    [
        ("replicate", ["submitted", "starting", "processing", "succeeded"]),
        ("together", ["submitted", "queued", "in_progress", "completed"]),
        ("wavespeed", ["submitted", "created", "processing", "completed"]),
        ("novita", ["submitted", "completed"]),
    ],
)
def test_progress_uses_the_providers_own_words(hf_router: LoopbackRouter, provider: str, words: list[str]) -> None:
    hf_router.hold_jobs(2)
    events, _ = asyncio.run(_progress(hf_tools.runnable("text-to-video", provider=provider, **FAST), "a cat"))
    assert [e["status"] for e in events] == words


def test_sync_invoke_sends_progress_to_callbacks(hf_router: LoopbackRouter) -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    seen: list[str] = []

    class Events(BaseCallbackHandler):
        def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
            if name == "hf_tools_progress":
                seen.append(data["status"])

    hf_router.hold_jobs(2)
    hf_tools.runnable("text-to-video", provider="fal-ai", **FAST).invoke("a cat", {"callbacks": [Events()]})
    assert seen == ["submitted", "IN_QUEUE", "IN_PROGRESS", "COMPLETED"]


def _statuses_after_cancel(router: LoopbackRouter) -> tuple[list[str], list[tuple[str, str]]]:
    puts = [i for i, (method, _) in enumerate(router.log) if method == "PUT"]
    assert puts, "the cancel route was not called"
    return router.cancelled(), [(m, p) for m, p in router.log[puts[0] + 1 :] if "/status" in p]


def test_cancelling_the_task_stops_polling_and_cancels_the_fal_job(hf_router: LoopbackRouter) -> None:
    hf_router.hold_jobs(None)  # never finishes
    run = hf_tools.runnable("text-to-video", provider="fal-ai", **FAST)

    async def main() -> None:
        task = asyncio.create_task(run.ainvoke("a cat"))
        while sum(1 for _, p in hf_router.log if p.split("?")[0].endswith("/status")) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.2)  # twenty poll intervals: a poll that survived the cancel would show

    asyncio.run(main())
    cancelled, later = _statuses_after_cancel(hf_router)
    assert len(cancelled) == 1
    assert later == []
    assert hf_router.log[-1][0] == "PUT" and hf_router.log[-1][1].split("?")[0].endswith(f"/{cancelled[0]}/cancel")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_job_that_never_finishes_ends_at_the_job_deadline(hf_router: LoopbackRouter, mode: str) -> None:
    hf_router.hold_jobs(None)
    run = hf_tools.runnable("text-to-video", provider="fal-ai", **{**FAST, "job_deadline": 0.3})
    with pytest.raises(HFDeadlineExceededError, match="job deadline"):
        if mode == "sync":
            run.invoke("a cat")
        else:
            asyncio.run(run.ainvoke("a cat"))
    cancelled, later = _statuses_after_cancel(hf_router)
    assert len(cancelled) == 1 and later == []


def test_a_video_larger_than_the_cap_is_a_typed_error(hf_router: LoopbackRouter) -> None:
    from hf_tools.errors import HFResponseError

    with pytest.raises(HFResponseError, match="media_max_output_bytes"):
        hf_tools.runnable("text-to-video", provider="replicate", media_max_output_bytes=100, **FAST).invoke("a cat")


def test_tool_toolkit_and_cli_save(hf_router: LoopbackRouter, tmp_path: Any) -> None:
    import json
    import subprocess
    import sys

    tool = hf_tools.HFToolkit(tasks=["text-to-video"], provider="fal-ai", **FAST).get_tools()[0]
    message = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": {"prompt": "a cat"}})
    assert "MP4 video" in message.content
    assert message.artifact.data in hf_router.files.values()

    # the CLI in a fresh process, against this router and Hub
    assert hf_router.hub is not None
    code = (
        "import sys\n"
        "from huggingface_hub import constants\n"
        f"constants.INFERENCE_PROXY_TEMPLATE = {hf_router.url!r} + '/{{provider}}'\n"
        f"constants.ENDPOINT = {hf_router.hub.endpoint!r}\n"
        "from hf_tools.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "run",
            "text-to-video",
            "a cat surfing",
            "--save",
            f"{out}/",
            "--provider",
            "fal-ai",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "HF_TOKEN": TOKEN,
            "HF_ENDPOINT": hf_router.hub.endpoint,
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "PATH": "/usr/bin:/bin",
        },
    )
    assert done.returncode == 0, done.stderr
    saved = list(out.iterdir())
    assert len(saved) == 1 and saved[0].suffix == ".mp4"
    assert saved[0].read_bytes() in hf_router.files.values()
    assert json.loads(done.stdout)["path"] == str(saved[0])
    assert "IN_QUEUE" in done.stderr and "COMPLETED" in done.stderr


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_job_is_submitted_once_the_job_deadline_has_passed(hf_router: LoopbackRouter, mode: str) -> None:
    # a retry of a call whose job ran out of time (its status request timed out on a loaded machine)
    # must not start a second job, which the provider would bill too
    from huggingface_hub import AsyncInferenceClient, InferenceClient

    from hf_tools.jobs import JobContext, arun_job, run_job

    ctx = JobContext("text-to-video", "org/model", remaining=lambda: 0.0, deadline=0.3)
    with pytest.raises(HFDeadlineExceededError, match="job deadline"):
        if mode == "sync":
            run_job(ctx, InferenceClient(provider="fal-ai", token=TOKEN), None, None)
        else:
            asyncio.run(arun_job(ctx, AsyncInferenceClient(provider="fal-ai", token=TOKEN), None, None, None))
    assert hf_router.log == []  # nothing reached the provider
