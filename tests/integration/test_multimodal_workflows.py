"""The four multimodal workflows of hf_tools.media.workflows, sync and async, against the loopback server."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.runnables import RunnableLambda

from hf_tools import HFSettings
from hf_tools.media import MediaPathError, UnsafeURLError
from hf_tools.media.workflows import (
    DocumentAnswer,
    Findings,
    SpokenCaption,
    SpokenSummary,
    document_qa,
    image_to_speech,
    prompt_to_findings,
    speech_summary,
)
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers import png_bytes, wav_bytes


@pytest.fixture
def settings(hf_server: LoopbackServer) -> HFSettings:
    return HFSettings(base_url=hf_server.base_url, timeout=5, deadline=20)


async def test_prompt_to_findings(settings: HFSettings, hf_server: LoopbackServer, tmp_path: Path) -> None:
    flow = prompt_to_findings(settings=settings, media_output_dir=str(tmp_path))
    found = flow.invoke({"prompt": "a red car and a person", "width": 200, "height": 100})
    assert isinstance(found, Findings) and (found.image.width, found.image.height) == (200, 100)
    assert [o.label for o in found.detections.objects] == ["car", "person"]
    assert "car (" in found.caption and "person (" in found.caption and found.caption.startswith("Generated")
    annotated = found.annotated
    assert annotated.path and Path(annotated.path).parent == tmp_path and annotated.data != found.image.data
    tasks = [r.task for r in hf_server.requests]
    assert tasks[0] == "text-to-image" and sorted(tasks[1:]) == ["image-to-text", "object-detection"]
    again = await flow.ainvoke("a red car and a person")
    assert [o.label for o in again.detections.objects] == ["car", "person"]


async def test_image_to_speech(settings: HFSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "boat.png").write_bytes(png_bytes(40, 40, (40, 70, 220), objects=["boat"]))
    flow = image_to_speech(settings=settings)
    spoken = await flow.ainvoke("boat.png")
    assert isinstance(spoken, SpokenCaption) and spoken.caption == "a blue picture of a boat (40x40)"
    assert spoken.audio.mime_type == "audio/wav" and (spoken.audio.duration or 0) > 0
    assert flow.invoke({"image": "boat.png"}).caption == spoken.caption
    with pytest.raises(MediaPathError):
        flow.invoke("../boat.png")


async def test_document_qa(settings: HFSettings) -> None:
    page = png_bytes(300, 80, (250, 250, 250), page_text="Invoice 88 from Nordic Supplies. Amount due: 450 NOK.")
    ask = document_qa(settings=settings)
    sender = ask.invoke({"image": page, "question": "Who sent invoice 88?"})
    assert isinstance(sender, DocumentAnswer) and sender.answer == "Nordic Supplies" and sender.score > 0
    amount = await ask.ainvoke({"image": page, "question": "What is the amount due?"})
    assert amount.answer == "450 NOK"
    blank = ask.invoke({"image": png_bytes(20, 20), "question": "Anything?"})
    assert blank.answer == ""
    with pytest.raises(UnsafeURLError):
        ask.invoke({"image": "http://169.254.169.254/page.png", "question": "?"})


async def test_speech_summary_composes(settings: HFSettings, hf_server: LoopbackServer) -> None:
    talk = wav_bytes(1.0, text="Sales grew in March. Costs fell too. The board was pleased.")
    flow = speech_summary(settings=settings)
    out = flow.invoke(talk)
    assert isinstance(out, SpokenSummary)
    assert (out.transcript, out.summary) == (
        "Sales grew in March. Costs fell too. The board was pleased.",
        "Sales grew in March.",
    )
    assert out.audio.duration and out.audio.duration > 0
    assert [r.task for r in hf_server.requests] == ["automatic-speech-recognition", "summarization", "text-to-speech"]
    chained = flow | RunnableLambda(lambda s: s.summary.upper())
    assert await chained.ainvoke({"audio": talk}) == "SALES GREW IN MARCH."
    both = await flow.abatch([talk, wav_bytes(0.3, text="Short note. Nothing else.")])
    assert [b.summary for b in both] == ["Sales grew in March.", "Short note."]
