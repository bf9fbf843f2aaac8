"""The ``hf_router`` fixture speaks the router's economics: ``GET /v1/models`` with per-provider
pricing and capabilities, ``x-inference-provider`` on the auto chat route, ``usage`` in chat
answers and in a stream's last chunk, and the headers of every request recorded (never the token).
"""

from __future__ import annotations

import json

import httpx
from huggingface_hub import InferenceClient

from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_fixture_0123456789"
QWEN = "Qwen/Qwen2.5-7B-Instruct"


def test_v1_models_lists_chat_models_with_pricing_and_capabilities(hf_router: LoopbackRouter) -> None:
    hf_router.offer(QWEN, "featherless-ai", input_price=0.1, output_price=0.3, supports_tools=False, throughput=90.0)
    listing = httpx.get(hf_router.url + "/v1/models").json()
    qwen = next(model for model in listing["data"] if model["id"] == QWEN)
    assert qwen["architecture"] == {"input_modalities": ["text"], "output_modalities": ["text"]}
    assert qwen["providers"] == [
        {
            "provider": "together",
            "status": "live",
            "context_length": 32768,
            "pricing": {"input": 0.2, "output": 0.6},
            "supports_tools": True,
            "supports_structured_output": True,
        },
        {
            "provider": "featherless-ai",
            "status": "live",
            "context_length": 32768,
            "pricing": {"input": 0.1, "output": 0.3},
            "supports_tools": False,
            "supports_structured_output": True,
            "throughput": 90.0,
        },
    ]
    assert ("GET", "/v1/models") in hf_router.log


def test_auto_route_names_the_provider_and_answers_carry_usage(hf_router: LoopbackRouter) -> None:
    body = {"model": f"{QWEN}:together", "messages": [{"role": "user", "content": "one two three"}]}
    headers = {"Authorization": f"Bearer {TOKEN}", "X-HF-Bill-To": "acme"}
    answer = httpx.post(hf_router.url + "/v1/chat/completions", json=body, headers=headers)
    assert answer.headers["x-inference-provider"] == "together"
    assert answer.json()["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    stream = {**body, "stream": True, "stream_options": {"include_usage": True}}
    with httpx.stream("POST", hf_router.url + "/v1/chat/completions", json=stream, headers=headers) as response:
        assert response.headers["x-inference-provider"] == "together"
        events = [line[len("data: ") :] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert json.loads(events[-2])["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    recorded = hf_router.requests[-1]
    assert recorded.header("x-hf-bill-to") == "acme" and recorded.authorized
    assert all(TOKEN not in json.dumps(r.headers) for r in hf_router.requests)


def test_the_real_client_reads_a_chat_answer_with_usage(hf_router: LoopbackRouter) -> None:
    out = InferenceClient(token=TOKEN).chat_completion([{"role": "user", "content": "Hi there"}], model=QWEN)
    assert out.usage.prompt_tokens == 2 and out.usage.completion_tokens == 4


def test_a_message_of_content_parts_counts_its_text_as_prompt_tokens(hf_router: LoopbackRouter) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    parts = [{"type": "text", "text": "what is this"}, image]
    out = InferenceClient(token=TOKEN).chat_completion([{"role": "user", "content": parts}], model=QWEN)
    assert out.usage.prompt_tokens == 3  # the text's words; the image counts none
