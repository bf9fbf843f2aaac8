from __future__ import annotations

import pytest

from hf_tools.errors import (
    HFAuthenticationError,
    HFConnectionError,
    HFError,
    HFInvalidRequestError,
    HFModelLoadingError,
    HFModelNotFoundError,
    HFPaymentRequiredError,
    HFPermissionError,
    HFRateLimitError,
    HFResponseError,
    HFServerError,
    HFTimeoutError,
)
from hf_tools.retry import backoff, retry_delay
from hf_tools.settings import HFSettings

SETTINGS = HFSettings(max_retries=3, max_retry_wait=10, backoff_base=1, backoff_max=4)


def test_model_loading_waits_estimated_time_capped() -> None:
    assert retry_delay(HFModelLoadingError("x", estimated_time=3.5), 0, SETTINGS) == 3.5
    assert retry_delay(HFModelLoadingError("x", estimated_time=300), 0, SETTINGS) == 10


def test_rate_limit_honours_retry_after_capped() -> None:
    assert retry_delay(HFRateLimitError("x", retry_after=2), 0, SETTINGS) == 2
    assert retry_delay(HFRateLimitError("x", retry_after=99), 0, SETTINGS) == 10


@pytest.mark.parametrize(
    "error",
    [HFServerError("x"), HFConnectionError("x"), HFTimeoutError("x"), HFRateLimitError("x")],
)
def test_transient_errors_back_off_within_the_exponential_ceiling(error: HFError) -> None:
    for attempt, ceiling in [(0, 1), (1, 2), (2, 4)]:
        delay = retry_delay(error, attempt, SETTINGS)
        assert delay is not None and 0 <= delay <= ceiling


@pytest.mark.parametrize(
    "error",
    [
        HFAuthenticationError("x"),
        HFPermissionError("x"),
        HFModelNotFoundError("x"),
        HFInvalidRequestError("x"),
        HFPaymentRequiredError("x"),
        HFResponseError("x"),
    ],
)
def test_client_errors_are_never_retried(error: HFError) -> None:
    assert retry_delay(error, 0, SETTINGS) is None


def test_no_retry_after_max_retries() -> None:
    assert retry_delay(HFServerError("x"), 3, SETTINGS) is None


def test_backoff_is_capped() -> None:
    assert all(backoff(30, SETTINGS) <= 4 for _ in range(50))
