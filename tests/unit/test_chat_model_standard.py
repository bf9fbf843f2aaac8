"""langchain-tests' standard unit suite for ChatHFInference, every supported capability on."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from hf_tools.chat_models import ChatHFInference


class TestChatHFInferenceStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatHFInference]:
        return ChatHFInference

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "Qwen/Qwen2.5-7B-Instruct", "base_url": "http://127.0.0.1:9/v1"}

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "meta-llama/Llama-3.1-8B-Instruct"

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"HF_TOKEN": "hf_from_env"},
            {"model": "Qwen/Qwen2.5-7B-Instruct"},
            {"model": "Qwen/Qwen2.5-7B-Instruct", "token": "hf_from_env"},
        )
