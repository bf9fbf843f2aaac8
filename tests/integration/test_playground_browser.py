"""`hf-tools playground --demo` in a real browser: headless Chromium driven by Playwright.

The playground runs in a subprocess exactly as a user starts it; the page is opened in the
system Chromium (scripts/install_browser.sh installs it; nothing is downloaded at run time) and
every request the page makes to anything but 127.0.0.1 is refused and recorded. Screenshots of
each step are kept in the test's artifacts folder (HF_TOOLS_TEST_ARTIFACTS, else a temp folder).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("gradio")
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="no system chromium (scripts/install_browser.sh)"),
]

from playground_process import start, stop  # noqa: E402

import hf_tools  # noqa: E402
from hf_tools.playground.serve import DEMO_JOB_POLLS_ENV  # noqa: E402
from hf_tools.testing import LoopbackServer  # noqa: E402


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("HF_TOOLS_TEST_ARTIFACTS")
    path = Path(folder) / "playground" if folder else tmp_path_factory.mktemp("playground-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def playground() -> Iterator[str]:
    running = start("--demo")
    try:
        yield running.url
    finally:
        stop(running)
    assert "Traceback" not in running.output, running.output[-3000:]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        yield chromium
        chromium.close()


def open_page(browser, address: str) -> tuple[Any, list[str]]:
    """A page on the playground at ``address`` that may reach only loopback addresses, and the list of
    the other addresses it tried (to be empty).
    """
    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    outside: list[str] = []

    def only_loopback(route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(address)
    page.locator("#text_generation-run").wait_for()
    return page, outside


@pytest.fixture(scope="module")
def page(browser, playground):
    page, outside = open_page(browser, playground)
    yield page
    page.close()
    assert outside == [], f"the page tried to reach outside 127.0.0.1: {outside}"


@pytest.fixture
def held_page(browser):
    """A page on a demo playground whose video jobs stay pending for 300 polls (two minutes): a cancel
    lands while the job runs however slow the machine is (the default eight polls last about 3 s).
    """
    running = start("--demo", env={DEMO_JOB_POLLS_ENV: "300"})
    try:
        page, outside = open_page(browser, running.url)
        yield page
        page.close()
    finally:
        stop(running)
    assert "Traceback" not in running.output, running.output[-3000:]
    assert outside == [], f"the page tried to reach outside 127.0.0.1: {outside}"


def open_task(page, family: str, tool: str) -> None:
    page.get_by_role("tab", name=family, exact=True).click()
    page.locator(f"#tab-{tool}-button").click()
    page.locator(f"#{tool}-run").wait_for()


def run_and_wait(page, tool: str, timeout_ms: float = 30_000) -> None:
    """Click Run and wait until the call's route or its error is shown."""
    page.evaluate(
        "tool => ['route', 'error'].forEach(k => {"
        " const e = document.querySelector(`#${tool}-out-${k} [data-testid=markdown]`);"
        " if (e) e.setAttribute('data-before', e.innerText); })",
        tool,
    )
    page.click(f"#{tool}-run")
    page.wait_for_function(
        "tool => ['route', 'error'].some(k => {"
        " const e = document.querySelector(`#${tool}-out-${k} [data-testid=markdown]`);"
        " return e && e.innerText.trim() && e.innerText !== e.getAttribute('data-before'); })",
        arg=tool,
        timeout=timeout_ms,
    )
    page.wait_for_timeout(150)  # the other outputs of the same update


def code_of(page, tool: str) -> str:
    return page.locator(f"#{tool}-out-code .cm-content").inner_text()


def run_code(code: str, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE")}
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", "\n".join([code, *extra])], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def pixels(data: bytes) -> tuple[tuple[int, int], bytes]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        return rgb.size, rgb.tobytes()


def image_bytes(page, tool: str) -> bytes:
    img = page.locator(f"#{tool}-out-image img")
    img.wait_for()
    src = img.get_attribute("src")
    assert src, "the image has no source"
    return page.request.get(src).body()


def test_text_task_shows_labels_route_and_code_that_reproduces_it(page, artifacts: Path) -> None:
    open_task(page, "Text", "text_classification")
    run_and_wait(page, "text_classification")

    expect(page.locator("#text_classification-out-label")).to_contain_text("POSITIVE")
    expect(page.locator("#text_classification-out-label")).to_contain_text("NEGATIVE")
    shown = "POSITIVE (0.97), NEGATIVE (0.03)"
    expect(page.locator("#text_classification-out-text textarea")).to_have_value(shown)
    route = page.locator("#text_classification-out-route [data-testid=markdown]").inner_text()
    assert "distilbert/distilbert-base-uncased-finetuned-sst-2-english" in route and "endpoint" in route
    assert page.locator("#text_classification-out-error [data-testid=markdown]").inner_text().strip() == ""
    page.screenshot(path=artifacts / "text-classification.png", full_page=True)

    code = code_of(page, "text_classification")
    assert 'hf_tools.runnable("text-classification"' in code
    out = run_code(code, 'print(hf_tools.TASKS["text-classification"].render(output))')
    assert out.splitlines()[-1] == shown


def test_bad_input_shows_the_typed_error_not_a_traceback(page, artifacts: Path) -> None:
    open_task(page, "Text", "text_classification")
    page.locator("#text_classification-text textarea").fill("")
    run_and_wait(page, "text_classification")
    page.screenshot(path=artifacts / "bad-input.png", full_page=True)

    expect(page.locator("#text_classification-out-error")).to_contain_text("HFInputError")
    error = page.locator("#text_classification-out-error [data-testid=markdown]").inner_text()
    assert error.startswith("HFInputError: invalid input for task 'text-classification': text:"), error
    assert "Traceback" not in page.locator("body").inner_text()
    page.locator("#text_classification-text textarea").fill(hf_tools.TASKS["text-classification"].example["text"])


def test_generated_image_is_the_servers_image(page, artifacts: Path, tmp_path: Path) -> None:
    spec = hf_tools.TASKS["text-to-image"]
    open_task(page, "Images", "text_to_image")
    run_and_wait(page, "text_to_image")
    page.screenshot(path=artifacts / "text-to-image.png", full_page=True)

    with LoopbackServer() as server:
        expected = hf_tools.runnable("text-to-image", base_url=server.base_url).invoke(spec.example)
    shown = image_bytes(page, "text_to_image")
    assert pixels(shown) == pixels(expected.data)
    assert pixels(shown)[0] == (spec.example["width"], spec.example["height"])

    saved = tmp_path / "copied.png"
    run_code(code_of(page, "text_to_image"), f"open({str(saved)!r}, 'wb').write(output.data)")
    assert pixels(saved.read_bytes()) == pixels(shown)


def test_object_detection_draws_the_boxes(page, artifacts: Path) -> None:
    spec = hf_tools.TASKS["object-detection"]
    open_task(page, "Images", "object_detection")
    run_and_wait(page, "object_detection")
    page.screenshot(path=artifacts / "object-detection.png", full_page=True)

    with LoopbackServer() as server:
        expected = hf_tools.runnable("object-detection", base_url=server.base_url).invoke(spec.example)
    assert expected.objects, "the loopback finds an object in the example image"
    shown = image_bytes(page, "object_detection")
    assert pixels(shown) == pixels(expected.annotated().data)
    assert pixels(shown) != pixels(expected.image.data)  # the boxes are drawn, not the bare image
    expect(page.locator("#object_detection-out-table")).to_contain_text(expected.objects[0].label)


def test_document_tab_answers_with_its_source_file(page, artifacts: Path) -> None:
    page.get_by_role("tab", name="Documents (RAG)", exact=True).click()
    page.locator("#rag-question textarea").fill("Who designed the lens used in lighthouses?")
    page.click("#rag-run")
    page.wait_for_function(
        "() => { const a = document.querySelector('#rag-answer textarea');"
        " const e = document.querySelector('#rag-error [data-testid=markdown]');"
        " return (a && a.value.trim()) || (e && e.innerText.trim()); }",
        timeout=120_000,
    )
    page.wait_for_timeout(150)
    page.screenshot(path=artifacts / "documents.png", full_page=True)

    assert page.locator("#rag-error [data-testid=markdown]").inner_text().strip() == ""
    answer = page.locator("#rag-answer textarea").input_value()
    assert "Fresnel" in answer, answer
    expect(page.locator("#rag-sources")).to_contain_text("lighthouses.html")


def watch(page, selector: str) -> None:
    """Record every text the element at ``selector`` shows (window.__seen[selector]), as it changes."""
    page.evaluate(
        "sel => { window.__seen = window.__seen || {}; const seen = window.__seen[sel] = [];"
        " const el = document.querySelector(sel);"
        " new MutationObserver(() => { const t = el.innerText.trim();"
        " if (t && seen[seen.length - 1] !== t) seen.push(t); })"
        ".observe(el, {subtree: true, childList: true, characterData: true}); }",
        selector,
    )


def seen(page, selector: str) -> list[str]:
    return list(page.evaluate("sel => window.__seen[sel]", selector))


def test_chat_tab_streams_the_answer_with_the_provider_and_cost(page, artifacts: Path) -> None:
    page.get_by_role("tab", name="Chat", exact=True).click()
    page.locator("#chat-run").wait_for()
    watch(page, "#chat-conversation")
    page.locator("#chat-message textarea").fill("Tell me about the lighthouse lens")
    page.click("#chat-run")
    page.wait_for_function(
        "() => ['chat-route', 'chat-error'].some(k => {"
        " const e = document.querySelector(`#${k} [data-testid=markdown]`); return e && e.innerText.trim(); })",
        timeout=30_000,
    )
    page.screenshot(path=artifacts / "chat.png", full_page=True)

    assert page.locator("#chat-error [data-testid=markdown]").inner_text().strip() == ""
    expect(page.locator("#chat-conversation")).to_contain_text("You said: Tell me about the lighthouse lens")
    route = page.locator("#chat-route [data-testid=markdown]").inner_text()
    assert "Qwen/Qwen2.5-7B-Instruct" in route and "provider together" in route.replace("`", ""), route
    assert re.search(r"\d+ in / \d+ out tokens, \$\d", route), route
    shown = [t for t in seen(page, "#chat-conversation") if "You said:" in t]
    assert shown and "You said: Tell me about the lighthouse lens" in shown[-1]
    assert "ChatHFInference" in code_of(page, "chat")


def test_chat_sends_an_attached_image_to_the_model(page, artifacts: Path, tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "red-square.png"
    Image.new("RGB", (24, 24), (220, 20, 20)).save(picture)
    page.get_by_role("tab", name="Chat", exact=True).click()
    page.locator("#chat-run").wait_for()
    page.locator("#chat-message input[type=file]").set_input_files(str(picture))
    page.locator("#chat-message textarea").fill("What is in this picture?")
    page.locator("#chat-message img").first.wait_for()  # the attachment's preview: the upload is done
    page.click("#chat-run")
    said = "You said: What is in this picture? (1 image)"
    expect(page.locator("#chat-conversation")).to_contain_text(said, timeout=30_000)
    page.screenshot(path=artifacts / "chat-image.png", full_page=True)

    assert page.locator("#chat-error [data-testid=markdown]").inner_text().strip() == ""
    expect(page.locator("#chat-conversation img").first).to_be_visible()  # the user's message shows the image
    code = code_of(page, "chat")
    assert '"type": "image"' in code and "red-square.png" in code


def test_video_job_shows_its_progress_and_the_video(page, artifacts: Path) -> None:
    from hf_tools.testing.answers.media import mp4_text

    open_task(page, "Video", "text_to_video")
    watch(page, "#text_to_video-out-status")
    run_and_wait(page, "text_to_video")
    page.screenshot(path=artifacts / "text-to-video.png", full_page=True)

    assert page.locator("#text_to_video-out-error [data-testid=markdown]").inner_text().strip() == ""
    statuses = seen(page, "#text_to_video-out-status")
    assert any(s.startswith("queued (fal-ai IN_QUEUE)") for s in statuses), statuses
    assert statuses[-1].startswith("completed (fal-ai COMPLETED)"), statuses
    route = page.locator("#text_to_video-out-route [data-testid=markdown]").inner_text()
    assert "provider fal-ai" in route.replace("`", ""), route
    video = page.locator("#text_to_video-out-video video")
    video.wait_for()
    src = video.get_attribute("src")
    assert src
    assert mp4_text(page.request.get(src).body()) == hf_tools.TASKS["text-to-video"].example["prompt"]


def test_cancel_ends_a_running_video_job_at_the_provider(held_page, artifacts: Path) -> None:
    page = held_page
    open_task(page, "Video", "text_to_video")
    error = "#text_to_video-out-error [data-testid=markdown]"
    page.click("#text_to_video-run")
    page.wait_for_function(
        "() => /(queued|running) \\(fal-ai/.test(document.querySelector('#text_to_video-out-status').innerText)",
        timeout=30_000,
    )
    page.click("#text_to_video-cancel")
    page.wait_for_function(f"() => document.querySelector('{error}').innerText.includes('Cancelled')", timeout=30_000)
    page.screenshot(path=artifacts / "text-to-video-cancelled.png", full_page=True)

    notice = page.locator(error).inner_text()
    assert "cancelled at the provider" in notice, notice
    status = page.locator("#text_to_video-out-status").inner_text()
    # the loopback router answers the cancel route with 200 only for the job it holds, and marks it cancelled
    assert "canceled (fal-ai CANCELLATION_REQUESTED)" in status and "HTTP 200" in status, status
    assert page.locator("#text_to_video-out-video video").count() == 0  # no video came
