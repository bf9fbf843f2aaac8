from __future__ import annotations

import json

import pytest
from huggingface_hub import InferenceClient
from pydantic import BaseModel

import hf_tools
from hf_tools.errors import HFInputError
from hf_tools.tasks import TASKS, UnknownTaskError

TEXT_TASKS = [
    "text-generation",
    "text-classification",
    "zero-shot-classification",
    "question-answering",
    "summarization",
    "translation",
    "token-classification",
    "fill-mask",
    "sentence-similarity",
    "table-question-answering",
]


def test_every_text_task_of_the_issue_is_registered() -> None:
    assert set(TEXT_TASKS) <= set(TASKS)


def test_snake_case_and_case_are_accepted() -> None:
    assert TASKS["Text_Classification"] is TASKS["text-classification"]


def test_unknown_task_is_a_typed_error_naming_known_tasks() -> None:
    with pytest.raises(UnknownTaskError, match="summarization"):
        hf_tools.runnable("text-teleportation")
    assert issubclass(UnknownTaskError, HFInputError) and issubclass(UnknownTaskError, KeyError)


@pytest.mark.parametrize("name", list(TASKS))
def test_declaration_matches_the_client_method(name: str) -> None:
    """Input field names are the InferenceClient method's keyword names (or options the task's hook applies itself)."""
    import inspect

    spec = TASKS[name]
    method = getattr(InferenceClient, spec.method)
    parameters = inspect.signature(method).parameters
    local = set(getattr(spec.hook, "local_fields", ()))
    assert not local & set(parameters), f"{name}: a client keyword is kept back from the client"
    unknown = set(spec.input_model.model_fields) - set(parameters) - local
    assert not unknown, f"{name}: fields the client does not take: {unknown}"


@pytest.mark.parametrize("name", list(TASKS))
def test_declaration_has_a_valid_example_and_real_schemas(name: str) -> None:
    spec = TASKS[name]
    assert spec.example, f"{name} declares no example input"
    assert isinstance(spec.coerce_input(spec.example), BaseModel)
    runnable = hf_tools.runnable(name)
    input_schema = runnable.get_input_schema().model_json_schema()
    output_schema = runnable.get_output_schema().model_json_schema()
    assert spec.primary_field in input_schema["properties"]
    assert all(field["description"] for field in input_schema["properties"].values())
    json.dumps(output_schema)
    assert output_schema != {}


def test_plain_value_fills_the_primary_field() -> None:
    data = TASKS["summarization"].coerce_input("Some long text.")
    assert data.text == "Some long text."  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("task", "value", "fragment"),
    [
        ("text-classification", "", "text"),
        ("text-classification", {"text": "x", "top_k": 0}, "top_k"),
        ("zero-shot-classification", {"text": "x", "candidate_labels": []}, "candidate_labels"),
        ("translation", {"text": "x", "tgt_lang": "fr"}, "src_lang"),
        ("question-answering", {"question": "q"}, "context"),
        ("fill-mask", {"text": "x", "unknown_option": 1}, "unknown_option"),
    ],
)
def test_bad_input_is_a_typed_error(task: str, value: object, fragment: str) -> None:
    with pytest.raises(HFInputError, match=fragment):
        TASKS[task].coerce_input(value)


def test_readme_lists_every_registered_task_with_its_default_model() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name, spec in TASKS.items():
        assert f"| {name}" in readme and spec.default_model in readme, name
