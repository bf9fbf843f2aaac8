from __future__ import annotations

import pytest
from pydantic import ValidationError

from hf_tools.settings import HFSettings, split_settings


def test_token_is_secret_in_repr_str_and_dump() -> None:
    settings = HFSettings(token="hf_topsecret_123")
    assert "hf_topsecret_123" not in repr(settings)
    assert "hf_topsecret_123" not in str(settings)
    assert "hf_topsecret_123" not in settings.model_dump_json()
    assert settings.resolved_token() == "hf_topsecret_123"


def test_token_falls_back_to_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    assert HFSettings().resolved_token() == "hf_from_env"
    assert HFSettings(token="hf_explicit").resolved_token() == "hf_explicit"


def test_endpoint_template_fills_model_and_task() -> None:
    settings = HFSettings(base_url="http://127.0.0.1:1/models/{model}/pipeline/{task}")
    assert settings.endpoint_for("org/m", "fill-mask") == "http://127.0.0.1:1/models/org/m/pipeline/fill-mask"
    assert settings.endpoint_for("org/m") == "http://127.0.0.1:1/models/org/m"


def test_plain_base_url_is_used_as_is_and_url_models_win() -> None:
    settings = HFSettings(base_url="http://127.0.0.1:1/")
    assert settings.endpoint_for("org/m", "fill-mask") == "http://127.0.0.1:1"
    assert settings.endpoint_for("http://127.0.0.1:2/x") == "http://127.0.0.1:2/x"
    assert HFSettings().endpoint_for("org/m") is None


@pytest.mark.parametrize(
    "bad",
    [{"timeout": 0}, {"max_retries": -1}, {"max_concurrency": 0}, {"base_url": "ftp://x"}, {"nope": 1}],
)
def test_bad_settings_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        HFSettings(**bad)  # type: ignore[arg-type]


def test_merged_keeps_token_and_applies_overrides() -> None:
    base = HFSettings(token="hf_keep", timeout=5)
    merged = base.merged(timeout=9, provider=None)
    assert merged.timeout == 9
    assert merged.resolved_token() == "hf_keep"
    assert base.timeout == 5


def test_split_settings() -> None:
    settings, rest = split_settings({"timeout": 3, "temperature": 0.1})
    assert settings == {"timeout": 3}
    assert rest == {"temperature": 0.1}


def test_settings_are_hashable_for_client_sharing() -> None:
    assert hash(HFSettings(token="hf_a")) == hash(HFSettings(token="hf_a"))
