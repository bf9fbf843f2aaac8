"""The real InferenceClient → loopback server, for every text task: wire body and typed result."""

from __future__ import annotations

from typing import Any

import pytest
from huggingface_hub import (
    FillMaskOutputElement,
    QuestionAnsweringOutputElement,
    SummarizationOutput,
    TableQuestionAnsweringOutputElement,
    TextClassificationOutputElement,
    TokenClassificationOutputElement,
    TranslationOutput,
    ZeroShotClassificationOutputElement,
)

import hf_tools
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer, Reply

# task → (input, expected "inputs" on the wire, expected parameters subset, check of the output)
CASES: dict[str, tuple[Any, Any, dict[str, Any], Any]] = {
    "text-generation": (
        {"prompt": "Once", "max_new_tokens": 3, "temperature": 0.5, "stop": ["\n"]},
        "Once",
        {"max_new_tokens": 3, "temperature": 0.5, "stop": ["\n"]},
        lambda out: out == " word0 word1 word2",
    ),
    "text-classification": (
        {"text": "I love it", "top_k": 1, "function_to_apply": "softmax"},
        "I love it",
        {"top_k": 1, "function_to_apply": "softmax"},
        lambda out: [type(o) for o in out] == [TextClassificationOutputElement] and out[0].label == "POSITIVE",
    ),
    "zero-shot-classification": (
        {"text": "sport news", "candidate_labels": ["sport", "food"], "multi_label": True},
        "sport news",
        {"candidate_labels": ["sport", "food"], "multi_label": True},
        lambda out: isinstance(out[0], ZeroShotClassificationOutputElement) and out[0].label == "sport",
    ),
    "question-answering": (
        {"question": "Where does Ada live?", "context": "Ada lives in London.", "top_k": 1},
        {"question": "Where does Ada live?", "context": "Ada lives in London."},
        {"top_k": 1},
        lambda out: isinstance(out[0], QuestionAnsweringOutputElement) and out[0].answer == "London",
    ),
    "summarization": (
        {"text": "First part. Second part.", "truncation": "longest_first"},
        "First part. Second part.",
        {"truncation": "longest_first"},
        lambda out: isinstance(out, SummarizationOutput) and out.summary_text == "First part.",
    ),
    "translation": (
        {"text": "Hello", "src_lang": "en", "tgt_lang": "de"},
        "Hello",
        {"src_lang": "en", "tgt_lang": "de"},
        lambda out: isinstance(out, TranslationOutput) and out.translation_text == "[de] Hello",
    ),
    "token-classification": (
        {"text": "Then Ada flew.", "aggregation_strategy": "simple"},
        "Then Ada flew.",
        {"aggregation_strategy": "simple"},
        lambda out: isinstance(out[0], TokenClassificationOutputElement) and out[0].word == "Ada",
    ),
    "fill-mask": (
        {"text": "Paris is in [MASK].", "targets": ["france", "spain"], "top_k": 2},
        "Paris is in [MASK].",
        {"targets": ["france", "spain"], "top_k": 2},
        lambda out: isinstance(out[0], FillMaskOutputElement) and out[0].sequence == "Paris is in france.",
    ),
    "sentence-similarity": (
        {"sentence": "a b", "other_sentences": ["a b", "c d"]},
        {"source_sentence": "a b", "sentences": ["a b", "c d"]},
        {},
        lambda out: out == [1.0, 0.0],
    ),
    "table-question-answering": (
        {"table": {"city": ["Paris", "Rome"], "country": ["France", "Italy"]}, "query": "Rome?"},
        {"table": {"city": ["Paris", "Rome"], "country": ["France", "Italy"]}, "query": "Rome?"},
        {},
        lambda out: isinstance(out, TableQuestionAnsweringOutputElement) and out.answer == "Italy",
    ),
}


def _check_wire(server: LoopbackServer, task: str, inputs: Any, parameters: dict[str, Any]) -> None:
    request = server.requests[-1]
    assert request.task == task
    assert request.model == hf_tools.TASKS[task].default_model
    assert request.body["inputs"] == inputs
    sent = request.body.get("parameters") or {}
    assert {k: sent.get(k) for k in parameters} == parameters


@pytest.mark.parametrize("task", list(CASES))
def test_sync_invoke_sends_the_wire_body_and_returns_the_typed_output(
    task: str, hf_server: LoopbackServer, hf_settings: HFSettings
) -> None:
    value, inputs, parameters, check = CASES[task]
    output = hf_tools.runnable(task, settings=hf_settings).invoke(value)
    _check_wire(hf_server, task, inputs, parameters)
    assert check(output), output


@pytest.mark.parametrize("task", list(CASES))
async def test_async_invoke_is_native_and_equal(task: str, hf_server: LoopbackServer, hf_settings: HFSettings) -> None:
    value, inputs, parameters, check = CASES[task]
    output = await hf_tools.runnable(task, settings=hf_settings).ainvoke(value)
    _check_wire(hf_server, task, inputs, parameters)
    assert check(output), output


def test_every_registered_text_task_has_a_contract_case() -> None:
    text_tasks = {name for name, spec in hf_tools.TASKS.items() if spec.method in _TEXT_METHODS}
    assert text_tasks <= set(CASES)


_TEXT_METHODS = {hf_tools.TASKS[name].method for name in CASES}


def test_tei_flat_classification_list_is_normalized(hf_server: LoopbackServer, hf_settings: HFSettings) -> None:
    model = hf_tools.TASKS["text-classification"].default_model
    hf_server.enqueue(model, Reply.ok([{"label": "joy", "score": 0.9}, {"label": "anger", "score": 0.1}]))
    hf_server.enqueue(model, Reply.ok([[{"label": "joy", "score": 0.9}, {"label": "anger", "score": 0.1}]]))
    classify = hf_tools.runnable("text-classification", settings=hf_settings)
    flat, nested = classify.invoke("x"), classify.invoke("x")
    assert isinstance(flat, list) and isinstance(nested, list)
    assert flat[0].label == nested[0].label == "joy"
    assert all(isinstance(item, TextClassificationOutputElement) for item in flat + nested)


def test_question_answering_single_and_list_answers_give_one_type(
    hf_server: LoopbackServer, hf_settings: HFSettings
) -> None:
    qa = hf_tools.runnable("question-answering", settings=hf_settings)
    single = qa.invoke({"question": "Where?", "context": "Ada lives in London today."})
    several = qa.invoke({"question": "Where?", "context": "Ada lives in London today.", "top_k": 3})
    assert len(single) == 1 and len(several) == 3
    assert all(isinstance(a, QuestionAnsweringOutputElement) for a in single + several)


@pytest.mark.parametrize("body", [[{"generated_text": "dict in list"}], {"generated_text": "dict in list"}])
def test_text_generation_list_and_dict_bodies_give_str(
    body: Any, hf_server: LoopbackServer, hf_settings: HFSettings
) -> None:
    hf_server.enqueue(hf_tools.TASKS["text-generation"].default_model, Reply.ok(body))
    assert hf_tools.runnable("text-generation", settings=hf_settings).invoke("Hi") == "dict in list"


def test_text_generation_streams_tokens(hf_server: LoopbackServer, hf_settings: HFSettings) -> None:
    generate = hf_tools.runnable("text-generation", settings=hf_settings)
    chunks = list(generate.stream({"prompt": "Hi", "max_new_tokens": 4}))
    assert chunks == [" word0", " word1", " word2", " word3"]
    assert hf_server.requests[-1].body["stream"] is True


async def test_text_generation_astreams_tokens(hf_server: LoopbackServer, hf_settings: HFSettings) -> None:
    generate = hf_tools.runnable("text-generation", settings=hf_settings)
    chunks = [chunk async for chunk in generate.astream({"prompt": "Hi", "max_new_tokens": 3})]
    assert chunks == [" word0", " word1", " word2"]


def test_non_streaming_task_stream_yields_the_whole_output(hf_settings: HFSettings) -> None:
    chunks = list(hf_tools.runnable("summarization", settings=hf_settings).stream("One. Two."))
    assert [c.summary_text for c in chunks] == ["One."]


def test_url_model_posts_to_exactly_that_url(hf_server: LoopbackServer) -> None:
    hf_server.register("my-org/my-sentiment", "text-classification")
    classify = hf_tools.runnable("text-classification", model=hf_server.model_url("my-org/my-sentiment"))
    assert classify.invoke("great")[0].label == "POSITIVE"
    assert hf_server.requests[-1].path == "/models/my-org/my-sentiment"
