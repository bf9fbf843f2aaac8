"""The Runnable protocol: schemas, batches with bounded concurrency, native async, composition."""

from __future__ import annotations

import pytest
from huggingface_hub import SummarizationOutput, TextClassificationOutputElement

import hf_tools
from hf_tools.client import HFClient
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer


def test_input_and_output_schemas_are_real_json_schemas() -> None:
    runnable = hf_tools.runnable("text-classification")
    schema = runnable.get_input_schema().model_json_schema()
    assert schema["required"] == ["text"]
    assert set(schema["properties"]) == {"text", "top_k", "function_to_apply"}
    output = runnable.get_output_schema().model_json_schema()
    assert output["type"] == "array"
    assert output["items"]["$ref"].endswith("TextClassificationOutputElement")
    assert runnable.InputType is hf_tools.TASKS["text-classification"].input_model
    assert runnable.OutputType == list[TextClassificationOutputElement]


def test_pydantic_input_model_and_dict_and_plain_value_are_equivalent(hf_settings: HFSettings) -> None:
    summarize = hf_tools.runnable("summarization", settings=hf_settings)
    model_input = hf_tools.TASKS["summarization"].input_model(text="A. B.")
    outputs = [summarize.invoke(v) for v in ("A. B.", {"text": "A. B."}, model_input)]
    assert all(isinstance(o, SummarizationOutput) and o.summary_text == "A." for o in outputs)


def test_batch_keeps_order_and_bounds_concurrency(hf_server: LoopbackServer) -> None:
    hf_server.delay = 0.05
    classify = hf_tools.runnable("text-classification", base_url=hf_server.base_url, max_concurrency=3)
    texts = ["good", "bad"] * 10
    results = classify.batch(texts)
    assert [r[0].label for r in results] == ["POSITIVE", "NEGATIVE"] * 10
    assert 1 < hf_server.max_in_flight <= 3


async def test_abatch_keeps_order_and_bounds_concurrency(hf_server: LoopbackServer) -> None:
    hf_server.delay = 0.05
    classify = hf_tools.runnable("text-classification", base_url=hf_server.base_url, max_concurrency=4)
    results = await classify.abatch(["good", "bad"] * 10)
    assert [r[0].label for r in results] == ["POSITIVE", "NEGATIVE"] * 10
    assert 1 < hf_server.max_in_flight <= 4


async def test_config_max_concurrency_wins(hf_server: LoopbackServer) -> None:
    hf_server.delay = 0.05
    classify = hf_tools.runnable("text-classification", base_url=hf_server.base_url, max_concurrency=8)
    await classify.abatch(["good"] * 8, config={"max_concurrency": 2})
    assert hf_server.max_in_flight <= 2


async def test_async_path_never_uses_the_sync_client(hf_settings: HFSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("sync client used from ainvoke")

    monkeypatch.setattr(HFClient, "call", forbidden)
    out = await hf_tools.runnable("fill-mask", settings=hf_settings).ainvoke("Paris is in [MASK].")
    assert out[0].token_str == "paris"


def test_batch_return_exceptions_keeps_good_results(hf_settings: HFSettings) -> None:
    classify = hf_tools.runnable("text-classification", settings=hf_settings)
    results = classify.batch(["good", "", "bad"], return_exceptions=True)
    assert results[0][0].label == "POSITIVE" and results[2][0].label == "NEGATIVE"
    assert isinstance(results[1], hf_tools.HFInputError)


def test_runnables_compose_in_lcel(hf_settings: HFSettings) -> None:
    chain = (
        hf_tools.runnable("summarization", settings=hf_settings)
        | (lambda s: {"text": s.summary_text, "src_lang": "en", "tgt_lang": "de"})
        | hf_tools.runnable("translation", settings=hf_settings)
    )
    assert chain.invoke("Short first. Long second.").translation_text == "[de] Short first."


def test_runnables_with_equal_settings_share_one_client(hf_settings: HFSettings) -> None:
    a = hf_tools.runnable("summarization", settings=hf_settings)
    b = hf_tools.runnable("translation", settings=hf_settings)
    assert a.client is b.client


def test_sockets_to_public_hosts_are_blocked_in_tests() -> None:
    import socket

    from pytest_socket import SocketConnectBlockedError

    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
