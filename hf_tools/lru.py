"""A small thread-safe mapping that keeps only its ``maxsize`` most recently used entries.

The process-wide caches (the shared clients of :func:`hf_tools.client.get_client`, the model
check's answers and locks in :mod:`hf_tools.hub.check`) use it, so a process that sees many
tokens or many models keeps a bounded number of them.

Example:
    >>> from hf_tools.lru import LRUCache
    >>> cache: LRUCache[str, int] = LRUCache(2)
    >>> cache["a"], cache["b"] = 1, 2
    >>> cache.get("a")  # "a" is now the most recently used
    1
    >>> cache["c"] = 3  # evicts "b", the least recently used
    >>> sorted(cache.keys()), len(cache)
    (['a', 'c'], 2)

"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, overload

__all__ = ["LRUCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class LRUCache(Generic[K, V]):
    """At most ``maxsize`` entries; adding one more evicts the least recently used.

    Args:
        maxsize: the most entries kept (at least 1).

    """

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self) -> list[K]:
        """The keys, least recently used first."""
        with self._lock:
            return list(self._data)

    @overload
    def get(self, key: K) -> V | None: ...

    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        """The value of ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key]

    def __setitem__(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            evicted = self._evict()
        del evicted  # dropped outside the lock: a finalizer of an evicted value may run now

    def get_or_create(self, key: K, create: Callable[[], V]) -> V:
        """The value of ``key``; created with ``create()`` (under the cache's lock) if absent."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            value = self._data[key] = create()
            evicted = self._evict()
        del evicted
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._data.clear()

    def _evict(self) -> list[tuple[K, V]]:
        evicted = []
        while len(self._data) > self.maxsize:
            evicted.append(self._data.popitem(last=False))
        return evicted
