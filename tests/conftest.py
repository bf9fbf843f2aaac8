"""Shared fixtures. No test may reach a host other than loopback (pytest-socket).

Test files run in an order that starts the slow ones first: with ``--dist loadfile`` a file runs on
one worker from start to end, so a file of minute-long tests (Ray, the wheel installs) started last
would keep one worker busy long after the others are done. ``test.sh`` turns off xdist's own
reordering (``--no-loadscope-reorder``, which puts the files with the most tests first) so that this
order is the one the workers take.
"""

from __future__ import annotations

from collections import Counter

import pytest

pytest_plugins = ["hf_tools.testing.pytest_plugin"]


def _file(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def _allowed_seconds(item: pytest.Item) -> float:
    """The test's own ``timeout`` mark (a file that sets a longer one than the default runs long), else 0."""
    mark = item.get_closest_marker("timeout")
    return float(mark.args[0]) if mark is not None and mark.args else 0.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files that allow their tests the longest first, then files with more ``slow`` tests; a stable
    sort (within a file, and among equals, as collected).
    """
    allowed: dict[str, float] = {}
    slow: Counter[str] = Counter()
    for item in items:
        name = _file(item)
        allowed[name] = max(allowed.get(name, 0.0), _allowed_seconds(item))
        if item.get_closest_marker("slow") is not None:
            slow[name] += 1
    items.sort(key=lambda item: (-allowed[_file(item)], -slow[_file(item)]))
