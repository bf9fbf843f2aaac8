"""Who answered, without the router's header: the provider is read from a ``<router>/<provider>/...``
request URL, given as the URL object of the HTTP library huggingface_hub uses (httpx in 1.x, httpx2
in 2.x) or as a string. Another host is told from its host alone.
"""

from __future__ import annotations

import importlib

import pytest
from huggingface_hub import constants, get_session

from hf_tools.metering import _router_provider

ROUTER = "https://router.example.test/{provider}"


@pytest.fixture(autouse=True)
def router_template(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "INFERENCE_PROXY_TEMPLATE", ROUTER)


def url(text: str) -> object:
    """A URL object of the HTTP library behind huggingface_hub's shared session."""
    library = importlib.import_module(type(get_session()).__module__.split(".")[0])
    return library.URL(text)


@pytest.mark.parametrize("as_object", [True, False])
def test_a_provider_route_names_its_provider(as_object: bool) -> None:
    text = "https://router.example.test/together/v1/chat/completions"
    assert _router_provider(url(text) if as_object else text) == "together"


@pytest.mark.parametrize(
    "text",
    [
        "https://router.example.test/v1/chat/completions",  # the auto route
        "https://router.example.test/not-a-provider/models/x",
        "http://127.0.0.1:8080/together/v1/chat/completions",  # another host, same path
        "https://other.example.test/together/v1/chat/completions",
    ],
)
@pytest.mark.parametrize("as_object", [True, False])
def test_no_provider_is_guessed_elsewhere(text: str, as_object: bool) -> None:
    assert _router_provider(url(text) if as_object else text) is None


def test_the_template_is_read_at_each_response(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "INFERENCE_PROXY_TEMPLATE", "http://127.0.0.1:9/{provider}")
    assert _router_provider(url("http://127.0.0.1:9/groq/v1/chat/completions")) == "groq"
    assert _router_provider(url("https://router.example.test/groq/v1/chat/completions")) is None


def test_a_new_shared_session_is_hooked_after_the_old_one_is_closed() -> None:
    from huggingface_hub import close_session

    from hf_tools import metering

    def hooked() -> bool:
        return metering._on_response in get_session().event_hooks.get("response", [])

    metering._hook_shared_session()
    assert hooked()
    close_session()  # the next get_session() makes a new client, without our hook
    assert not hooked()
    metering._hook_shared_session()
    assert hooked()
