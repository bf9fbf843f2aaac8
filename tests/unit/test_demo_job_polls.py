"""How long a `playground --demo` video job stays pending: the default, or the environment's whole number."""

from __future__ import annotations

import pytest

from hf_tools.playground.serve import DEMO_JOB_POLLS, DEMO_JOB_POLLS_ENV, demo_job_polls


def test_the_default_hold_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEMO_JOB_POLLS_ENV, raising=False)
    assert demo_job_polls() == DEMO_JOB_POLLS == 8


@pytest.mark.parametrize(("value", "polls"), [("0", 0), ("300", 300), (" 12 ", 12), ("", 8)])
def test_a_whole_number_sets_the_hold(monkeypatch: pytest.MonkeyPatch, value: str, polls: int) -> None:
    monkeypatch.setenv(DEMO_JOB_POLLS_ENV, value)
    assert demo_job_polls() == polls


@pytest.mark.parametrize("value", ["abc", "-1", "2.5", "1e3", "²"])
def test_anything_else_stops_with_a_message_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(DEMO_JOB_POLLS_ENV, value)
    with pytest.raises(SystemExit, match=f"{DEMO_JOB_POLLS_ENV} must be a whole number of status polls, not '{value}'"):
        demo_job_polls()
