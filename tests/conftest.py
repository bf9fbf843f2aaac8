"""Shared fixtures. No test may reach a host other than loopback (pytest-socket)."""

pytest_plugins = ["hf_tools.testing.pytest_plugin"]
