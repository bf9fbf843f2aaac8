"""Every task method of huggingface_hub's clients is a registered task (or chat), and `hf-tools tasks` lists them."""

from __future__ import annotations

import inspect

import pytest
from huggingface_hub import AsyncInferenceClient, InferenceClient

from hf_tools.tasks import TASKS

NOT_TASKS = {"close", "get_endpoint_info", "health_check"}  # client upkeep, no inference task


def _task_methods(client: type) -> set[str]:
    names = {name for name, _ in inspect.getmembers(client, inspect.isfunction) if not name.startswith("_")}
    return names - NOT_TASKS


@pytest.mark.parametrize("client", [InferenceClient, AsyncInferenceClient])
def test_every_task_method_of_the_client_is_a_registered_task_or_chat(client: type) -> None:
    covered = {spec.name.replace("-", "_") for spec in TASKS.values()} | {"chat_completion"}
    assert covered == _task_methods(client)
    assert len(TASKS) == 28  # and chat: ChatHFInference


def test_the_tasks_command_lists_every_task_and_chat(capsys: pytest.CaptureFixture[str]) -> None:
    from hf_tools.cli import main

    assert main(["tasks", "--offline"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines if line and not line[0].isspace()]
    assert listed == [*TASKS, "chat"]
    chat = next(line for line in lines if line.startswith("chat "))
    assert "hf_tools.ChatHFInference" in chat
