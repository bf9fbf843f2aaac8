"""What the README says about installing and configuring matches the package."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import hf_tools
from hf_tools.settings import HFSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()


def test_the_install_section_lists_every_extra_a_user_installs() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    install = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r'pip install "hf-tools\[(\w+)\]"', install))
    assert set(extras) - {"bench"} <= listed


def test_the_settings_the_chat_model_refuses_are_named_and_refused() -> None:
    refused = sorted(set(HFSettings.model_fields) - set(hf_tools.ChatHFInference.model_fields))
    intro = README.split("### Settings", 1)[1].split("| setting |", 1)[0]
    for name in refused:
        assert f"`{name}`" in intro or f"`{name.split('_')[0]}_*`" in intro, name
        with pytest.raises(hf_tools.HFInputError, match="a chat model does not use"):
            hf_tools.ChatHFInference(**{name: getattr(HFSettings(), name)})
