"""find_models and model_card on HfApi against a loopback Hub."""

from __future__ import annotations

import json
import urllib.request

import pytest

import hf_tools
from hf_tools.errors import HFError, HFModelNotFoundError
from hf_tools.hub.snippets import example_input, snippet
from hf_tools.testing.hub_server import HubModel, HubProvider, LoopbackHub


def test_find_models_for_a_task_most_downloaded_first(hub: LoopbackHub) -> None:
    found = hf_tools.find_models("summarization", hub_endpoint=hub.endpoint)
    assert [m.id for m in found] == ["facebook/bart-large-cnn", "sshleifer/distilbart-cnn-12-6"]
    bart = found[0]
    assert (bart.task, bart.downloads, bart.likes, bart.license, bart.gated) == (
        "summarization",
        3_000_000,
        1300,
        "mit",
        False,
    )
    assert [(p.provider, p.task, p.status) for p in bart.providers] == [("hf-inference", "summarization", "live")]
    assert found[1].providers[0].status == "staging"
    listing = hub.listings()[-1].params
    assert listing["pipeline_tag"] == ["summarization"]
    assert listing["inference_provider"] == ["all"]  # only models some provider serves
    assert "inferenceProviderMapping" in listing["expand"]


def test_find_models_filters_and_sorts(hub: LoopbackHub) -> None:
    by_likes = hf_tools.find_models("text_generation", sort="likes", limit=1, hub_endpoint=hub.endpoint)
    assert [m.id for m in by_likes] == ["meta-llama/Llama-3.1-8B-Instruct"]
    assert by_likes[0].gated == "manual"
    assert not by_likes[0].serves("text-generation") and by_likes[0].serves("conversational")
    qwen = hf_tools.find_models("text-generation", search="qwen", hub_endpoint=hub.endpoint)
    assert [m.id for m in qwen] == ["Qwen/Qwen2.5-7B-Instruct"]
    assert qwen[0].serves("text-generation", provider="featherless-ai")
    assert qwen[0].served_tasks == ("conversational", "text-generation")
    novita = hf_tools.find_models("text-generation", provider="novita", hub_endpoint=hub.endpoint)
    assert [m.id for m in novita] == ["meta-llama/Llama-3.1-8B-Instruct"]
    assert hf_tools.find_models("summarization", provider="together", hub_endpoint=hub.endpoint) == []


def test_find_models_leaves_out_models_no_provider_serves(hub: LoopbackHub) -> None:
    ids = [m.id for m in hf_tools.find_models("summarization", limit=50, hub_endpoint=hub.endpoint)]
    assert "someone/summarizer-nobody-serves" not in ids


def test_find_models_when_the_hub_fails(hub: LoopbackHub) -> None:
    hub.down(500)
    with pytest.raises(HFError):
        hf_tools.find_models("summarization", hub_endpoint=hub.endpoint, hub_timeout=0.5)


def test_model_card_for_a_served_model(hub: LoopbackHub) -> None:
    card = hf_tools.model_card("facebook/bart-large-cnn", hub_endpoint=hub.endpoint)
    assert card.call_task == "summarization"
    assert card.description == hf_tools.TASKS["summarization"].description
    assert card.input_schema is not None and card.input_schema["required"] == ["text"]
    assert card.output_schema is not None and card.output_schema["title"] == "SummarizationOutput"
    assert 'hf_tools.runnable("summarization", model="facebook/bart-large-cnn")' in card.snippet
    text = card.render()
    assert "text (required): The text to summarize." in text and "hf-inference" in text


def test_model_card_for_a_gated_chat_model(hub: LoopbackHub) -> None:
    card = hf_tools.model_card("meta-llama/Llama-3.1-8B-Instruct", hub_endpoint=hub.endpoint)
    assert card.gated == "manual" and card.task == "text-generation"
    assert card.call_task == "conversational"
    assert "ChatHFInference" in card.snippet
    assert "request access" in card.render()


def test_model_card_for_an_unserved_model_and_an_unknown_task(hub: LoopbackHub) -> None:
    card = hf_tools.model_card("someone/summarizer-nobody-serves", hub_endpoint=hub.endpoint)
    assert card.providers == () and card.call_task == "summarization"
    hub.add(HubModel("org/depth", "depth-estimation", providers=(HubProvider("fal-ai", "depth-estimation"),)))
    odd = hf_tools.model_card("org/depth", hub_endpoint=hub.endpoint)
    assert odd.input_schema is None and odd.snippet.startswith("# hf_tools has no runnable")


def test_model_card_of_a_missing_model(hub: LoopbackHub) -> None:
    with pytest.raises(HFModelNotFoundError):
        hf_tools.model_card("nobody/nothing", hub_endpoint=hub.endpoint)


@pytest.mark.parametrize("task", list(hf_tools.TASKS))
def test_every_snippet_compiles_and_its_input_validates(task: str) -> None:
    code = snippet(task, "org/model")
    compile(code, "<snippet>", "exec")
    hf_tools.TASKS[task].coerce_input(example_input(task))


def test_loopback_hub_speaks_the_hubs_field_names(hub: LoopbackHub) -> None:
    with urllib.request.urlopen(f"{hub.endpoint}/api/models?pipeline_tag=text-generation&search=llama") as r:
        listing = json.load(r)
    assert listing[0]["id"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert listing[0]["gated"] == "manual"
    mapping = listing[0]["inferenceProviderMapping"]
    assert mapping[0] == {
        "provider": "novita",
        "providerId": "meta-llama/llama-3.1-8b-instruct",
        "status": "live",
        "task": "conversational",
    }
    url = f"{hub.endpoint}/api/models/facebook/bart-large-cnn?expand=pipeline_tag&expand=inferenceProviderMapping"
    with urllib.request.urlopen(url) as r:
        page = json.load(r)
    assert set(page) == {"_id", "id", "pipeline_tag", "inferenceProviderMapping"}
    assert page["inferenceProviderMapping"]["hf-inference"]["task"] == "summarization"
    assert hub.count("facebook/bart-large-cnn") == 1 and hub.count() == 2
