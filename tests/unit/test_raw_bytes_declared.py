"""The task declaration says that its answer is raw bytes; the client takes that from the prepared call.

The client knows no task list and no media kind: a call is answered with the provider's own bytes
exactly when the prepared call carries :class:`~hf_tools.prepared_call.RawBytes`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io

from hf_tools import TASKS
from hf_tools.client import HFClient
from hf_tools.prepared_call import RawBytes
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer, Reply


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 30)).save(buffer, format="JPEG", quality=73)
    return buffer.getvalue()


def test_the_declaration_flags_the_prepared_call() -> None:
    spec = TASKS["text-to-image"]
    assert spec.raw_bytes
    assert spec.prepare(spec.coerce_input("a cat")).raw == RawBytes(task="text-to-image", inputs="prompt")
    plain = dataclasses.replace(spec, raw_bytes=False)
    assert plain.prepare(plain.coerce_input("a cat")).raw is None
    summary = TASKS["summarization"]
    assert summary.prepare(summary.coerce_input("Text.")).raw is None


def test_the_client_keeps_bytes_only_when_the_prepared_call_says_so() -> None:
    jpeg = _jpeg()
    spec = TASKS["text-to-image"]
    with LoopbackServer() as server:
        client = HFClient(HFSettings(base_url=server.base_url, timeout=5))
        server.enqueue(spec.default_model, Reply.ok(jpeg), Reply.ok(jpeg), Reply.ok(jpeg))
        call = spec.prepare(spec.coerce_input("a cat"))
        assert client.call(spec.method, spec.default_model, task=spec.name, raw=call.raw, **call.kwargs) == jpeg
        got = asyncio.run(client.acall(spec.method, spec.default_model, task=spec.name, raw=call.raw, **call.kwargs))
        assert got == jpeg
        # the same method without the flag is huggingface_hub's own decoded answer, not bytes
        decoded = client.call(spec.method, spec.default_model, task=spec.name, **call.kwargs)
        assert not isinstance(decoded, bytes)
        assert decoded.size == (24, 16)
