"""What the hf-tools MCP server says about itself: name, version, instructions, capabilities.

Kept free of heavy imports (standard library only), so a stdio server can answer ``initialize``
before it imports the ``mcp`` SDK and the tasks (:mod:`hf_tools.mcp.early`).

Example:
    >>> initialize_result("2025-06-18")["serverInfo"]["name"]
    'hf-tools'

"""

from __future__ import annotations

from typing import Any

__all__ = ["CAPABILITIES", "INSTRUCTIONS", "NAME", "PROTOCOL_VERSIONS", "initialize_result", "package_version"]

NAME = "hf-tools"

INSTRUCTIONS = (
    "Hugging Face Inference API tasks as tools (hf-tools): each tool runs one task (summarize, translate, "
    "classify, detect objects, generate images or speech, transcribe, ...) on a model an inference provider "
    "serves. Image and audio inputs are file paths, http(s) URLs, data URIs or base64. A failed call says in "
    "one line what failed and whether retrying later may help."
)

# What the SDK's FastMCP declares for a server with tools (a test compares it with the SDK's own answer).
CAPABILITIES: dict[str, Any] = {
    "experimental": {},
    "prompts": {"listChanged": False},
    "resources": {"subscribe": False, "listChanged": False},
    "tools": {"listChanged": False},
}

# The protocol versions the installed SDK negotiates, newest last (a test keeps them in step).
PROTOCOL_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")


def package_version() -> str:
    """hf-tools' installed version (``0+unknown`` in a checkout never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hf-tools")
    except PackageNotFoundError:
        return "0+unknown"


def initialize_result(requested: Any, *, name: str = NAME, instructions: str = INSTRUCTIONS) -> dict[str, Any]:
    """The ``initialize`` result the SDK would send for a client asking for protocol ``requested``."""
    version = requested if requested in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[-1]
    return {
        "protocolVersion": version,
        "capabilities": CAPABILITIES,
        "serverInfo": {"name": name, "version": package_version()},
        "instructions": instructions,
    }
