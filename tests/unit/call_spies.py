"""Record which calls go through a method pair (sync and async) in the lean-invoke tests."""

from __future__ import annotations

from typing import Any

import pytest


def record_calls(
    monkeypatch: pytest.MonkeyPatch, owner: type, spied: type, sync_name: str, async_name: str
) -> list[str]:
    """Patch ``owner.sync_name``/``owner.async_name`` to append "sync"/"async" to the returned list,
    then call ``spied``'s own methods of those names.
    """
    calls: list[str] = []
    sync, async_ = getattr(spied, sync_name), getattr(spied, async_name)

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("sync")
        return sync(self, *args, **kwargs)

    async def aspy(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("async")
        return await async_(self, *args, **kwargs)

    monkeypatch.setattr(owner, sync_name, spy)
    monkeypatch.setattr(owner, async_name, aspy)
    return calls
