"""pytest fixtures: ``hf_server`` (a running :class:`LoopbackServer`) and ``hf_settings``.

Enable with ``pytest_plugins = ["hf_tools.testing.pytest_plugin"]`` in a ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hf_tools.settings import HFSettings
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
