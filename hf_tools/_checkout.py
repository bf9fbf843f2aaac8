"""``hf_tools.agents`` in a source checkout.

The agents live in the repository's top-level ``agents/`` folder. The wheel installs that
folder as ``hf_tools/agents`` (pyproject's ``force-include``), so nothing installed claims the
top-level name ``agents`` (which openai-agents owns). In a checkout or an editable install
there is no ``hf_tools/agents`` folder: this finder maps ``hf_tools.agents`` onto ``agents/``.

It runs on every ``import hf_tools``, so it uses only ``os.path`` and ``importlib.machinery``
(``importlib.abc`` and ``pathlib`` would double the import time of the package).
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from collections.abc import MutableSequence, Sequence
from types import ModuleType

__all__ = ["install_checkout_agents"]

_NAME = "hf_tools.agents"


class _CheckoutAgentsFinder:
    """A meta path finder for ``hf_tools.agents`` in ``folder`` (submodules are found on its ``__path__``)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _NAME:
            return None
        init = os.path.join(self.folder, "__init__.py")
        loader = importlib.machinery.SourceFileLoader(fullname, init)
        spec = importlib.machinery.ModuleSpec(fullname, loader, origin=init, is_package=True)
        spec.submodule_search_locations = [self.folder]
        spec.has_location = True
        return spec


def install_checkout_agents(package_path: MutableSequence[str]) -> None:
    """Serve ``hf_tools.agents`` from the checkout's ``agents/`` when the package has none of its own."""
    for entry in package_path:
        if os.path.isfile(os.path.join(entry, "agents", "__init__.py")):
            return  # an installed wheel: hf_tools/agents is a real subpackage
        root = os.path.dirname(os.path.abspath(entry))
        folder = os.path.join(root, "agents")
        if os.path.isfile(os.path.join(folder, "__init__.py")) and os.path.isfile(os.path.join(root, "pyproject.toml")):
            if not any(isinstance(f, _CheckoutAgentsFinder) for f in sys.meta_path):
                sys.meta_path.append(_CheckoutAgentsFinder(folder))
            return
