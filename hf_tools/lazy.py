"""Lazy package exports: a name is imported from its module the first time it is used."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of a package with lazy ``exports``.

    Args:
        package: the package's name, for the error message.
        namespace: the package's ``globals()``; a resolved name is cached there.
        exports: public name → module that defines it.

    Example:
        >>> getattr_, dir_ = lazy_exports("pkg", {}, {"sqrt": "math"})
        >>> getattr_("sqrt")(9.0), dir_()
        (3.0, ['sqrt'])
    """

    def get_export(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def list_exports() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return get_export, list_exports
