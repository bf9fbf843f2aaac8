"""pytest fixtures: ``hf_server`` (a running :class:`LoopbackServer`), ``hf_settings``,
``hub`` (a running :class:`~hf_tools.testing.hub_server.LoopbackHub`) and ``hf_router`` (the
router's ``/<provider>/...`` routes and a Hub, with huggingface_hub pointed at them). The model check's cache
is emptied around every test, so no test sees another's Hub answers.

Enable with ``pytest_plugins = ["hf_tools.testing.pytest_plugin"]`` in a ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hf_tools.settings import HFSettings
from hf_tools.testing.hub_server import LoopbackHub
from hf_tools.testing.router import LoopbackRouter, routed
from hf_tools.testing.server import LoopbackServer


@pytest.fixture
def hf_server() -> Iterator[LoopbackServer]:
    """A fresh loopback Inference API server on 127.0.0.1."""
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def hf_settings(hf_server: LoopbackServer) -> HFSettings:
    """Settings that send every task to ``hf_server``, with fast retries."""
    return HFSettings(base_url=hf_server.base_url, backoff_base=0.01, backoff_max=0.05, timeout=5, deadline=20)


@pytest.fixture
def hub() -> Iterator[LoopbackHub]:
    """A fresh loopback Hub API on 127.0.0.1 (pass ``hub_endpoint=hub.endpoint``)."""
    with LoopbackHub() as server:
        yield server


@pytest.fixture
def hf_router() -> Iterator[LoopbackRouter]:
    """A loopback Hugging Face router (``/<provider>/...``) and Hub (``hf_router.hub``, with
    today's-router-like mappings), with huggingface_hub's router base and ``HF_ENDPOINT`` pointed
    at them for the test (see :func:`hf_tools.testing.router.routed`).
    """
    with routed() as (router, _):
        yield router


@pytest.fixture(autouse=True)
def _fresh_model_check_cache() -> Iterator[None]:
    from hf_tools import routing
    from hf_tools.hub import check

    check.clear_cache()
    routing.clear_cache()
    yield
    check.clear_cache()
    routing.clear_cache()
