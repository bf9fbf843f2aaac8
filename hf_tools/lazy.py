"""Lazy package exports: a name is imported from its module the first time it is used.

A package lists its public names once, in its ``__init__.pyi`` stub (``from module import
name as name`` lines): type checkers read the stub, and :func:`exports_from_stub` reads the
same lines at run time, so the list cannot drift (the scientific-python ``lazy_loader`` design).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["exports_from_stub", "lazy_exports"]


def exports_from_stub(init_file: str) -> dict[str, str]:
    """Public name → defining module, read from the ``.pyi`` stub beside a package's ``__init__.py``.

    Example:
        >>> import hf_tools
        >>> exports_from_stub(hf_tools.__file__)["runnable"]
        'hf_tools.runnables'

    """
    # Each export is one ``from MODULE import NAME as NAME`` line (read as text: ``ast`` and
    # ``pathlib`` would cost more than the rest of ``import hf_tools``).
    exports: dict[str, str] = {}
    with open(os.path.splitext(init_file)[0] + ".pyi", encoding="utf-8") as stub:
        for line in stub:
            words = line.split("#", 1)[0].split()
            if len(words) == 6 and words[0] == "from" and words[2] == "import" and words[4] == "as":
                exports[words[5]] = words[1]
            elif words:
                raise ValueError(f"{init_file}: a stub line must be 'from MODULE import NAME as NAME': {line!r}")
    return exports


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
