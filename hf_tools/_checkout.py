"""``hf_tools.agents`` in a source checkout.

The agents live in the repository's top-level ``agents/`` folder. The wheel installs that
folder as ``hf_tools/agents`` (pyproject's ``force-include``), so nothing installed claims the
top-level name ``agents`` (which openai-agents owns). In a checkout or an editable install
there is no ``hf_tools/agents`` folder: this finder maps ``hf_tools.agents`` onto ``agents/``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import MutableSequence, Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["install_checkout_agents"]

_NAME = "hf_tools.agents"


class _CheckoutAgentsFinder(importlib.abc.MetaPathFinder):
    """Finds ``hf_tools.agents`` in ``folder`` (its submodules are then found on its ``__path__``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _NAME:
            return None
        return importlib.util.spec_from_file_location(
            fullname, self.folder / "__init__.py", submodule_search_locations=[str(self.folder)]
        )


def install_checkout_agents(package_path: MutableSequence[str]) -> None:
    """Serve ``hf_tools.agents`` from the checkout's ``agents/`` when the package has none of its own."""
    for entry in package_path:
        here = Path(entry)
        if (here / "agents" / "__init__.py").is_file():
            return  # an installed wheel: hf_tools/agents is a real subpackage
        folder = here.parent / "agents"
        if (folder / "__init__.py").is_file() and (here.parent / "pyproject.toml").is_file():
            if not any(isinstance(f, _CheckoutAgentsFinder) for f in sys.meta_path):
                sys.meta_path.append(_CheckoutAgentsFinder(folder))
            return
