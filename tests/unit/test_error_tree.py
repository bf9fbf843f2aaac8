"""The error tree: retryability has one source of truth, every error pickles, the mapper maps only what it knows."""

from __future__ import annotations

import asyncio
import inspect
import json
import pickle
from typing import Any

import pytest

import hf_tools.errors
import hf_tools.media.errors
import hf_tools.rag.vectorstores
import hf_tools.tasks.registry
from hf_tools.errors import (
    HFConnectionError,
    HFDeadlineExceededError,
    HFError,
    HFModelLoadingError,
    HFRateLimitError,
    HFServerError,
    HFTimeoutError,
    map_error,
)
from hf_tools.retry import retry_delay
from hf_tools.settings import HFSettings

SETTINGS = HFSettings(max_retries=3, max_retry_wait=10, backoff_base=1, backoff_max=4)

# Values for every keyword argument an error constructor takes (all attributes set).
SAMPLE_KWARGS: dict[str, Any] = {
    "status_code": 418,
    "model": "org/model",
    "server_message": "the server said no",
    "task": "summarization",
    "served_tasks": ("translation", "text-generation"),
    "suggestion": "hf_tools.runnable('translation', model='org/model')",
    "providers_for_task": ("hf-inference", "together"),
    "retry_after": 2.5,
    "estimated_time": 7.0,
    "stored": "sentence-transformers/all-MiniLM-L6-v2",
    "given": "BAAI/bge-small-en-v1.5",
}

RETRYABLE = {
    HFServerError,
    HFModelLoadingError,
    HFRateLimitError,
    HFConnectionError,
    HFTimeoutError,
    HFDeadlineExceededError,
}


def error_classes() -> list[type[HFError]]:
    """Every subclass of HFError defined in hf_tools (the media and registry errors included)."""
    found: list[type[HFError]] = []
    todo: list[type[HFError]] = [HFError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("hf_tools") and cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


def keyword_names(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or not inspect.isfunction(init):
            continue
        for param in inspect.signature(init).parameters.values():
            if param.kind is inspect.Parameter.KEYWORD_ONLY:
                names.add(param.name)
    return names


def sample(cls: type[HFError], message: str = "something failed") -> HFError:
    """An instance of ``cls`` with every attribute its constructors take set."""
    return cls(message, **{k: v for k, v in SAMPLE_KWARGS.items() if k in keyword_names(cls)})


def test_every_exported_error_class_is_covered() -> None:
    exported = {getattr(hf_tools.errors, n) for n in hf_tools.errors.__all__}
    classes = set(error_classes())
    assert {c for c in exported if isinstance(c, type)} <= classes
    assert hf_tools.media.errors.MediaError in classes
    assert hf_tools.tasks.registry.UnknownTaskError in classes


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.__name__)
def test_is_retryable_is_what_the_retry_policy_does(cls: type[HFError]) -> None:
    error = sample(cls)
    retried = retry_delay(error, 0, SETTINGS) is not None
    assert retried is cls.is_retryable is error.is_retryable
    assert cls.is_retryable is (cls in RETRYABLE), "the retryable set is pinned"


def test_a_malformed_body_is_not_retryable_for_langchain_either() -> None:
    from langchain_core.exceptions import ModelAPIError

    from hf_tools.errors import HFResponseError

    assert issubclass(HFResponseError, ModelAPIError) and ModelAPIError.is_retryable
    assert HFResponseError.is_retryable is False


@pytest.mark.parametrize(
    "exc",
    [
        TypeError("f() got an unexpected keyword argument 'temprature'"),
        KeyError("x"),
        IndexError("x"),
        ValueError("the caller's own check"),
        json.JSONDecodeError("the caller's own JSON", "{", 1),
        RuntimeError("x"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_map_error_re_raises_what_it_does_not_know(exc: Exception) -> None:
    with pytest.raises(type(exc)) as caught:
        map_error(exc, model="org/m")
    assert caught.value is exc


def test_an_unknown_error_is_re_raised_with_the_token_scrubbed() -> None:
    exc = RuntimeError("header was Bearer hf_secret_token")
    with pytest.raises(RuntimeError) as caught:
        map_error(exc, token="hf_secret_token")
    assert "hf_secret_token" not in str(caught.value)


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (TimeoutError(), HFTimeoutError),
        (asyncio.TimeoutError(), HFTimeoutError),
        (ConnectionResetError(), HFConnectionError),
    ],
)
def test_map_error_maps_timeouts_and_transport_errors(exc: Exception, cls: type[HFError]) -> None:
    assert type(map_error(exc)) is cls


TOKEN = "hf_PickledTokenMustNotTravel0123456789"


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.__name__)
def test_every_error_round_trips_through_pickle_with_all_attributes(cls: type[HFError]) -> None:
    error = sample(cls, "the call failed (token ***)")
    try:
        raise error from RuntimeError(f"a chained transport error with {TOKEN}")
    except HFError as raised:
        data = pickle.dumps(raised)
    assert TOKEN.encode() not in data, "the cause chain is not pickled"
    copy = pickle.loads(data)
    assert type(copy) is cls
    assert copy.args == error.args and str(copy) == str(error)
    assert vars(copy) == vars(error)
    assert set(SAMPLE_KWARGS) & keyword_names(cls) <= set(vars(copy)), "every constructor argument is kept"


def test_an_invalid_repo_id_refused_by_huggingface_hub_is_an_input_error() -> None:
    from huggingface_hub.errors import HFValidationError

    from hf_tools.errors import HFInputError

    error = map_error(HFValidationError("Repo id must be in the form 'namespace/repo_name'"), model="a/b/c")
    assert type(error) is HFInputError and "a/b/c" in str(error)
