"""ChatHFInference: a LangChain chat model on the Inference API's ``chat_completion``.

It calls ``InferenceClient.chat_completion`` / ``AsyncInferenceClient.chat_completion``
through :class:`~hf_tools.client.HFClient`, so it shares the retries, deadline, concurrency
cap, token handling and error mapping of every other hf_tools component. It works with the
Hugging Face router (``provider=``), dedicated Inference Endpoints and any OpenAI-compatible
server (TGI, vLLM, the loopback test server) given as ``base_url``.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import os
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import attrgetter, itemgetter
from typing import Any, Literal, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.globals import get_llm_cache
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.language_models._utils import _normalize_messages
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    convert_to_openai_messages,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig, RunnableMap, RunnablePassthrough, ensure_config
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_core.utils.uuid import uuid7
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

from hf_tools.batching import BoundedBatchMixin
from hf_tools.client import HFClient, get_client
from hf_tools.errors import HFError, HFInputError, HFResponseError
from hf_tools.failover import Route
from hf_tools.observers import has_observers
from hf_tools.route_events import RouteReporter, areport_route, report_route, reporting
from hf_tools.settings import HFSettings, bill_to_from_env
from hf_tools.tasks.spec import json_problem

__all__ = ["DEFAULT_CHAT_MODEL", "ChatHFInference"]

DEFAULT_CHAT_MODEL = "Qwen/Qwen2.5-7B-Instruct"
_SETTINGS_DEFAULTS = {name: field.default for name, field in HFSettings.model_fields.items()}
_METHODS = ("json_schema", "function_calling", "json_mode")
ToolLike = Mapping[str, Any] | type | Callable[..., Any] | BaseTool


class ChatHFInference(BoundedBatchMixin[LanguageModelInput, AIMessage], BaseChatModel):
    """A chat model on the Hugging Face Inference API (``chat_completion``), with tools.

    Connection fields are those of :class:`~hf_tools.settings.HFSettings` (``token`` also as
    ``api_key``; or pass ``settings=HFSettings(...)``). An unknown keyword (a typo such as
    ``temprature``, or an ``HFSettings`` field a chat model does not use) is refused with
    :class:`~hf_tools.errors.HFInputError`, never silently dropped. ``invoke``/``stream`` use
    ``InferenceClient``, ``ainvoke``/``astream`` ``AsyncInferenceClient``; ``batch`` keeps at
    most ``max_concurrency`` requests in flight. Failures raise :mod:`hf_tools.errors`
    (retried as the settings say; a stream only before its first chunk).

    * ``bind_tools`` takes any number of tools and every ``tool_choice``: ``"auto"``,
      ``"none"``, ``"required"``/``"any"``/``True``, a tool name or a dict. Tool calls are
      parsed with arguments as a JSON string or a dict and ids as strings or integers;
      arguments that are not a JSON object become ``invalid_tool_calls``.
    * ``with_structured_output`` supports pydantic classes, TypedDicts and JSON schemas with
      ``method="json_schema"`` (default), ``"function_calling"`` or ``"json_mode"``.
    * Image content blocks (base64 or URL) are sent as ``image_url`` parts.
    * ``provider=[...]`` fails over along the list; ``provider="cheapest"``/``"fastest"`` orders the
      providers serving the model by the router's ``/v1/models`` offers (price; throughput, then
      latency) and fails over along that order. Either way a provider whose offer cannot take the
      call (tools bound, ``json_schema`` output, a context shorter than the prompt) is skipped
      before any request, and the ``hf_tools_route`` event lists it under ``skipped`` (see
      :mod:`hf_tools.routing.capabilities`).

    Example:
        >>> from hf_tools import ChatHFInference
        >>> from hf_tools.testing import LoopbackServer
        >>> from hf_tools.testing.chat import chat_reply
        >>> with LoopbackServer() as server:
        ...     server.enqueue("my/model", chat_reply("Paris is the capital of France."))
        ...     chat = ChatHFInference(model="my/model", base_url=server.url + "/v1", token="hf_x")
        ...     reply = chat.invoke("What is the capital of France?")
        ...     streamed = "".join(str(c.content) for c in chat.stream("Tell me a story"))
        >>> reply.content, reply.response_metadata["finish_reason"], reply.usage_metadata["output_tokens"]
        ('Paris is the capital of France.', 'stop', 6)
        >>> streamed
        'You said: Tell me a story'
        >>> "hf_x" in repr(chat)
        False

    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=(), extra="forbid")

    model: str = Field(default=DEFAULT_CHAT_MODEL, description="Model id on the Hub, or an endpoint URL.")
    token: SecretStr | None = Field(
        default_factory=lambda: _token_from_env(),
        alias="api_key",
        description="Hugging Face token; defaults to HF_TOKEN, then the stored login.",
    )
    provider: str | list[str] | tuple[str, ...] | None = Field(
        default=None,
        description="Inference provider: a name, 'auto' (None: the router's own choice; model suffixes such as"
        " ':fastest', ':cheapest', ':preferred' or ':<provider>' pass through), an ordered list to fail over along,"
        " or 'cheapest'/'fastest' (the serving providers ordered client-side by the router's offers).",
    )
    base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint (TGI, vLLM, Inference Endpoint); may hold '{model}'."
    )
    bill_to: str | None = Field(
        default_factory=bill_to_from_env,
        description="Hub organization billed for router requests (sent as X-HF-Bill-To); defaults to HF_BILL_TO.",
    )
    timeout: float = Field(default=_SETTINGS_DEFAULTS["timeout"], gt=0, description="Seconds for one request.")
    max_retries: int = Field(default=_SETTINGS_DEFAULTS["max_retries"], ge=0, description="Retries per call.")
    deadline: float | None = Field(default=_SETTINGS_DEFAULTS["deadline"], gt=0, description="Seconds per call.")
    max_concurrency: int = Field(default=_SETTINGS_DEFAULTS["max_concurrency"], ge=1, description="In flight.")
    max_retry_wait: float = Field(default=_SETTINGS_DEFAULTS["max_retry_wait"], ge=0, description="Wait cap.")
    backoff_base: float = Field(default=_SETTINGS_DEFAULTS["backoff_base"], ge=0, description="First backoff.")
    backoff_max: float = Field(default=_SETTINGS_DEFAULTS["backoff_max"], ge=0, description="Largest backoff.")

    temperature: float | None = Field(default=None, ge=0, description="Sampling temperature.")
    max_tokens: int | None = Field(default=None, ge=1, description="Most tokens to generate.")
    top_p: float | None = Field(default=None, gt=0, le=1, description="Nucleus sampling mass.")
    stop: list[str] | None = Field(default=None, alias="stop_sequences", description="Stop sequences.")
    seed: int | None = Field(default=None, description="Random seed.")
    frequency_penalty: float | None = Field(default=None, description="Penalty by token frequency.")
    presence_penalty: float | None = Field(default=None, description="Penalty for tokens already present.")
    model_kwargs: dict[str, Any] = Field(default_factory=dict, description="Extra request body fields.")
    streaming: bool = Field(default=False, description="Use the streaming API for invoke as well.")
    stream_usage: bool = Field(default=True, description="Ask for token usage in the last stream chunk.")

    _base_settings: HFSettings | None = PrivateAttr(default=None)
    _settings_cache: tuple[tuple[Any, ...], HFSettings] | None = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        _refuse_unknown(data)
        settings = data.pop("settings", None)
        if settings is not None and not isinstance(settings, HFSettings):
            raise HFInputError("settings must be an HFSettings instance")
        if settings is not None:
            for name in _MIRRORED:
                if name not in data and not (name == "token" and "api_key" in data):
                    data[name] = getattr(settings, name)
        super().__init__(**data)
        self._base_settings = settings
        self.settings  # noqa: B018 - validates base_url and the rest at construction

    # -- LangChain protocol -------------------------------------------------------------
    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"token": "HF_TOKEN"}

    @property
    def _llm_type(self) -> str:
        return "hf-inference-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "provider": self.provider,
            "base_url": self.base_url,
            **self._default_params(),
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="huggingface",
            ls_model_name=str(kwargs.get("model") or self.model),
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if isinstance(temperature, (int, float)):
            params["ls_temperature"] = float(temperature)
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if isinstance(max_tokens, int):
            params["ls_max_tokens"] = max_tokens
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    # -- settings and client ------------------------------------------------------------
    @property
    def settings(self) -> HFSettings:
        """The connection settings this model's fields describe (rebuilt when a field changes)."""
        key = _mirrored_values(self)
        if isinstance(self.provider, list):  # compared by its items, not changed under the key
            key = (*key, tuple(self.provider))
        cached = self._settings_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        base = self._base_settings or HFSettings()
        values = {**base.model_dump(), "token": base.token}
        values.update({name: getattr(self, name) for name in _MIRRORED})
        settings = HFSettings(**values)
        self._settings_cache = (key, settings)
        return settings

    @property
    def client(self) -> HFClient:
        """The shared client for :attr:`settings`."""
        return get_client(self.settings)

    # -- request building -----------------------------------------------------------------
    def _default_params(self) -> dict[str, Any]:
        params = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "stop": self.stop or None,
            "seed": self.seed,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
        }
        return {**{k: v for k, v in params.items() if v is not None}, **self.model_kwargs}

    def _request(
        self, messages: list[BaseMessage] | str, stop: list[str] | None, kwargs: dict[str, Any], *, stream: bool
    ) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        """(model, wire messages, body fields) for one call; raises HFInputError on bad input.

        ``messages`` may be a plain string (the lean ``invoke`` of a string): one user message.
        """
        if isinstance(messages, list) and not messages:
            raise HFInputError("a chat call needs at least one message")
        kwargs = dict(kwargs)
        kwargs.pop("ls_structured_output_format", None)
        kwargs.pop("structured_output_format", None)
        kwargs.pop("stream", None)
        model = kwargs.pop("model", None) or self.model
        if not isinstance(model, str) or not model:
            raise HFInputError(f"model must be a non-empty string, got {model!r}")
        try:
            wire: list[dict[str, Any]] = (
                [{"role": "user", "content": messages}]  # what convert_to_openai_messages makes of HumanMessage(text)
                if isinstance(messages, str)
                else convert_to_openai_messages(messages)
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise HFInputError(f"cannot send these messages: {exc}") from exc
        problem = json_problem(wire, "messages")
        if problem is not None:
            raise HFInputError(f"cannot send these messages: {problem}")
        body = {**self._default_params(), **{k: v for k, v in kwargs.items() if v is not None}}
        if stop:
            body["stop"] = stop
        if stream and self.stream_usage:
            body.setdefault("stream_options", {"include_usage": True})
        if not model.startswith(("http://", "https://")):
            # With an endpoint URL the hub client would send a placeholder model name.
            body["model"] = model
        if self.model_kwargs or kwargs or stop:  # the typed fields are JSON by construction; the rest may not be
            try:
                json.dumps(body)
            except (TypeError, ValueError) as exc:
                raise HFInputError(f"request options are not JSON-serializable: {exc}") from exc
        return model, wire, body

    def _provider_name(self) -> str:
        if self.base_url or self.model.startswith(("http://", "https://")):
            return "endpoint"
        if isinstance(self.provider, (list, tuple)):
            return self.provider[0]
        return self.provider or "auto"

    def _route(self, model: str, wire: list[dict[str, Any]], body: dict[str, Any]) -> tuple[Route | None, str]:
        """The providers to fail over along and the model to send (``(None,)``: the router's own choice, whose
        answer names the provider; None: an endpoint). A provider list or ``"cheapest"``/``"fastest"`` is
        checked against the router's ``/v1/models`` offers (see :mod:`hf_tools.routing.capabilities`).
        """
        settings = self.settings
        if settings.endpoint_for(model) is not None:
            return None, model
        names = settings.provider_names
        ordering = settings.provider_ordering
        if names is None and ordering is None:
            return Route((None,), model), model
        if ":" in model.split("/")[-1]:
            raise HFInputError(
                f"model {model!r} has a ':' suffix, which picks the provider on the router; it works with"
                " provider='auto' only (drop provider=... or the suffix)"
            )
        if names is not None and len(names) == 1:
            return Route(names, model), model
        from hf_tools.routing.capabilities import Needs, chat_route

        planned = chat_route(model, settings, Needs.of_request(wire, body))
        if planned.model != model:  # the ordering is left to the router's own suffix
            body["model"] = planned.model
        return Route(planned.providers, model, planned.skipped), planned.model

    async def _aroute(self, model: str, wire: list[dict[str, Any]], body: dict[str, Any]) -> tuple[Route | None, str]:
        """Async :meth:`_route`: a route that may read the Hub or ``/v1/models`` is planned in a worker thread."""
        settings = self.settings
        names = settings.provider_names
        if settings.provider_ordering is not None or (names is not None and len(names) > 1):
            return await asyncio.to_thread(self._route, model, wire, body)
        return self._route(model, wire, body)

    def _answered_by(self, route: Route | None) -> str:
        return route.answered or self._provider_name() if route is not None else self._provider_name()

    # -- invoke without LangChain's run set-up when nothing would see the run ----------------
    def _lean(self, config: RunnableConfig | None, kwargs: dict[str, Any]) -> bool:
        """Whether a call can skip LangChain's run set-up with no observable difference.

        True when no callback handler, tracer, debug output or configure hook would see the run
        (:func:`~hf_tools.observers.has_observers`, the model's own ``callbacks``/``verbose`` too),
        no LangChain cache or rate limiter is in play and the call does not stream.
        """
        return not (
            self.callbacks
            or self.verbose
            or self.rate_limiter is not None
            or (self.cache is not False and (self.cache is not None or get_llm_cache() is not None))
            or self.streaming
            or kwargs.get("stream")
            or self.output_version == "v1"
            or has_observers(config)
        )

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Answer ``input`` (see :meth:`BaseChatModel.invoke`); the same message, without the run set-up when
        nothing would observe the run.
        """
        if not self._lean(config, kwargs):
            return super().invoke(input, config, stop=stop, **kwargs)
        model, output, provider = self._complete(_lean_messages(self, input), stop, None, kwargs)
        with _reading_answer(model):
            return self._lean_message(output, provider, config)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Async :meth:`invoke`."""
        if not self._lean(config, kwargs):
            return await super().ainvoke(input, config, stop=stop, **kwargs)
        model, output, provider = await self._acomplete(_lean_messages(self, input), stop, None, kwargs)
        with _reading_answer(model):
            return self._lean_message(output, provider, config)

    # -- the run's callbacks, for the route event (langchain-core gives _stream no run manager) --
    def _generate_with_cache(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with reporting(RouteReporter.for_run(run_manager)):
            return super()._generate_with_cache(messages, stop, run_manager, **kwargs)

    async def _agenerate_with_cache(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with reporting(RouteReporter.for_run(run_manager)):
            return await super()._agenerate_with_cache(messages, stop, run_manager, **kwargs)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """Stream the answer's chunks (see :meth:`BaseChatModel.stream`); the route event goes to this run."""
        config, reporter = _run_with_known_id(config)
        chunks = super().stream(input, config, stop=stop, **kwargs)
        try:
            while True:
                with reporting(reporter):
                    chunk = next(chunks, None)
                if chunk is None:
                    return
                yield chunk
        finally:
            cast(Generator[AIMessageChunk, None, None], chunks).close()

    async def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Async :meth:`stream`."""
        config, reporter = _run_with_known_id(config)
        chunks = super().astream(input, config, stop=stop, **kwargs)
        try:
            while True:
                with reporting(reporter):
                    chunk = await anext(chunks, None)
                if chunk is None:
                    return
                yield chunk
        finally:
            await cast(AsyncGenerator[AIMessageChunk, None], chunks).aclose()

    # -- calls -----------------------------------------------------------------------------
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        model, output, provider = self._complete(messages, stop, run_manager, kwargs)
        with _reading_answer(model):
            return self._result(output, provider)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        model, output, provider = await self._acomplete(messages, stop, run_manager, kwargs)
        with _reading_answer(model):
            return self._result(output, provider)

    def _complete(
        self, messages: list[BaseMessage] | str, stop: list[str] | None, run_manager: Any, kwargs: dict[str, Any]
    ) -> tuple[str, Any, str]:
        """One ``chat_completion`` call: (the model asked, the answer, the provider that answered)."""
        model, wire, body = self._request(messages, stop, kwargs, stream=False)
        route, sent = self._route(model, wire, body)
        output = self.client.call("chat_completion", sent, messages=wire, extra_body=body, route=route)
        _send_route(model, route, run_manager)
        return model, output, self._answered_by(route)

    async def _acomplete(
        self, messages: list[BaseMessage] | str, stop: list[str] | None, run_manager: Any, kwargs: dict[str, Any]
    ) -> tuple[str, Any, str]:
        """Async :meth:`_complete`."""
        model, wire, body = self._request(messages, stop, kwargs, stream=False)
        route, sent = await self._aroute(model, wire, body)
        output = await self.client.acall("chat_completion", sent, messages=wire, extra_body=body, route=route)
        await _asend_route(model, route, run_manager)
        return model, output, self._answered_by(route)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        model, wire, body = self._request(messages, stop, kwargs, stream=True)
        route, sent = self._route(model, wire, body)
        state = _StreamState(self._provider_name(), route)
        for raw in self.client.stream("chat_completion", sent, messages=wire, extra_body=body, route=route):
            if state.events == 0 and not state.reported:
                state.reported = True  # the provider is settled at the first event: no failover after it
                _send_route(model, route, run_manager)
            with _reading_answer(model):
                chunk = state.convert(raw)
            if chunk is None:
                continue
            if run_manager is not None:
                run_manager.on_llm_new_token(str(chunk.message.content), chunk=chunk)
            yield chunk
        state.check_not_empty(model)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        model, wire, body = self._request(messages, stop, kwargs, stream=True)
        route, sent = await self._aroute(model, wire, body)
        state = _StreamState(self._provider_name(), route)
        chunks = self.client.astream("chat_completion", sent, messages=wire, extra_body=body, route=route)
        async for raw in chunks:
            if state.events == 0 and not state.reported:
                state.reported = True
                await _asend_route(model, route, run_manager)
            with _reading_answer(model):
                chunk = state.convert(raw)
            if chunk is None:
                continue
            if run_manager is not None:
                await run_manager.on_llm_new_token(str(chunk.message.content), chunk=chunk)
            yield chunk
        state.check_not_empty(model)

    def _result(self, output: Any, provider: str) -> ChatResult:
        choices, usage, metadata = self._answer(output, provider)
        generations = []
        for position, choice in enumerate(choices):
            finish_reason = _get(choice, "finish_reason")
            ai = _message(
                choice,
                usage if position == 0 else None,
                {**metadata, "finish_reason": finish_reason},
                _get(output, "id"),
            )
            generations.append(ChatGeneration(message=ai, generation_info={"finish_reason": finish_reason}))
        return ChatResult(generations=generations, llm_output=_llm_output(output))

    def _lean_message(self, output: Any, provider: str, config: RunnableConfig | None) -> AIMessage:
        """The message ``BaseChatModel.invoke`` gives for ``output`` (the first choice), built once.

        ``_generate_with_cache`` puts the generation info (the finish reason) and, for a single choice,
        the llm output (``model_name``, ``token_usage``) into ``response_metadata`` and names a message
        without an id after its run: the same here, without the intermediate ``ChatResult``.
        """
        choices, usage, metadata = self._answer(output, provider)
        finish_reason = _get(choices[0], "finish_reason")
        merged = {"finish_reason": finish_reason, **metadata}
        if len(choices) == 1:
            merged = {**_llm_output(output), **merged}
        message_id = _get(output, "id") or f"{LC_ID_PREFIX}-{(config or {}).get('run_id') or uuid7()}-0"
        return _message(choices[0], usage, merged, message_id)

    def _answer(self, output: Any, provider: str) -> tuple[list[Any], UsageMetadata | None, dict[str, Any]]:
        """(choices, usage, response metadata) of a chat answer; HFResponseError when it holds no choice."""
        choices = list(_get(output, "choices") or [])
        if not choices:
            raise HFResponseError("the chat answer holds no choices", model=_get(output, "model") or self.model)
        metadata = {
            "model_name": _get(output, "model"),
            "system_fingerprint": _get(output, "system_fingerprint"),
            "id": _get(output, "id"),
            "provider": provider,
            "model_provider": "huggingface",
        }
        return choices, _usage(_get(output, "usage")), metadata

    # -- batches ----------------------------------------------------------------------------
    def _max_concurrency(self) -> int:
        """``batch``/``abatch`` cap (see :class:`~hf_tools.batching.BoundedBatchMixin`)."""
        return self.max_concurrency

    # -- tools and structured output ---------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind ``tools`` (BaseTools, functions, pydantic classes, TypedDicts or OpenAI dicts).

        Args:
            tools: the tools the model may call.
            tool_choice: ``"auto"``, ``"none"``, ``"required"`` (also ``"any"`` or ``True``),
                a tool name, or ``{"type": "function", "function": {"name": ...}}``.
            parallel_tool_calls: allow several calls in one answer (sent when set).
            strict: ask for schema-exact arguments (sent when set).
            **kwargs: more request fields.

        Raises:
            HFInputError: a tool cannot be converted or ``tool_choice`` names no bound tool.

        Example:
            >>> from hf_tools import ChatHFInference
            >>> def add(a: int, b: int) -> int:
            ...     '''Add two integers.'''
            ...     return a + b
            >>> bound = ChatHFInference(token="hf_x").bind_tools([add], tool_choice="add")
            >>> bound.kwargs["tool_choice"]
            {'type': 'function', 'function': {'name': 'add'}}

        """
        try:
            formatted = [convert_to_openai_tool(t, strict=strict) for t in tools]  # type: ignore[arg-type]
        except (ValueError, TypeError, KeyError) as exc:
            raise HFInputError(f"cannot use this tool: {exc}") from exc
        names = [t["function"]["name"] for t in formatted]
        if tool_choice is not None and tool_choice is not False:
            kwargs["tool_choice"] = _tool_choice(tool_choice, names)
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        include_raw: bool = False,
        method: Literal["json_schema", "function_calling", "json_mode"] = "json_schema",
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """A Runnable whose output fits ``schema``.

        Args:
            schema: a pydantic class (output is an instance of it), a TypedDict, a JSON schema
                or an OpenAI tool dict (output is a dict).
            include_raw: return ``{"raw": AIMessage, "parsed": ..., "parsing_error": ...}``.
            method: ``"json_schema"`` (constrained decoding, the default), ``"function_calling"``
                (a forced tool call) or ``"json_mode"`` (JSON output; describe the schema in the
                prompt).
            strict: ask for schema-exact output (sent when set).
            **kwargs: unused; anything here is an error.

        Raises:
            HFInputError: unknown method or extra arguments.

        Example:
            >>> from pydantic import BaseModel
            >>> from hf_tools import ChatHFInference
            >>> from hf_tools.testing import LoopbackServer
            >>> class City(BaseModel):
            ...     name: str
            ...     population: int
            >>> with LoopbackServer() as server:
            ...     chat = ChatHFInference(base_url=server.url + "/v1")
            ...     chat.with_structured_output(City).invoke("Largest city?")
            City(name='example', population=1)

        """
        if kwargs:
            raise HFInputError(f"unsupported arguments for with_structured_output: {sorted(kwargs)}")
        if method not in _METHODS:
            raise HFInputError(f"method must be one of {_METHODS}, got {method!r}")
        is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        llm: Runnable[LanguageModelInput, Any]
        parser: Runnable[Any, Any]
        if method == "function_calling":
            tool = convert_to_openai_tool(schema, strict=strict)
            name = tool["function"]["name"]
            trace = {"kwargs": {"method": method, "strict": strict}, "schema": tool}
            llm = self.bind_tools([schema], tool_choice=name, strict=strict, ls_structured_output_format=trace)
            parser = (
                PydanticToolsParser(tools=[cast("type[BaseModel]", schema)], first_tool_only=True)
                if is_pydantic
                else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
            )
        else:
            json_schema = convert_to_json_schema(schema)
            if method == "json_schema":
                spec: dict[str, Any] = {"name": str(json_schema.get("title") or "output"), "schema": json_schema}
                if strict is not None:
                    spec["strict"] = strict
                response_format: dict[str, Any] = {"type": "json_schema", "json_schema": spec}
            else:
                response_format = {"type": "json_object"}
            trace = {"kwargs": {"method": method, "strict": strict}, "schema": json_schema}
            llm = self.bind(response_format=response_format, ls_structured_output_format=trace)
            parser = (
                PydanticOutputParser(pydantic_object=cast("type[BaseModel]", schema))
                if is_pydantic
                else JsonOutputParser()
            )
        if not include_raw:
            return llm | parser
        parse = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
        fallback = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parse.with_fallbacks([fallback], exception_key="parsing_error")


def _refuse_unknown(data: dict[str, Any]) -> None:
    """Raise HFInputError naming every keyword ChatHFInference does not take (with a hint)."""
    for name, field in ChatHFInference.model_fields.items():
        if field.alias is not None and name in data and field.alias in data:
            raise HFInputError(
                f"{name} and {field.alias} are the same setting ({field.alias} is {name}'s other name), "
                "given twice: pass one"
            )
    unknown = sorted(k for k in data if k not in _KEYWORDS)
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(_KEYWORDS), n=1)
        if name in HFSettings.model_fields:
            hints.append(f"{name!r}: an HFSettings field a chat model does not use")
        elif close:
            hints.append(f"{name!r}: did you mean {close[0]!r}?")
    detail = f" ({'; '.join(hints)})" if hints else ""
    raise HFInputError(f"unknown arguments for ChatHFInference: {unknown}{detail}")


def _token_from_env() -> SecretStr | None:
    value = os.environ.get("HF_TOKEN")
    return SecretStr(value) if value else None


def _lean_messages(model: ChatHFInference, input: LanguageModelInput) -> list[BaseMessage] | str:
    """The messages of a lean call: a string stays a string (one user message, see ``_request``)."""
    if isinstance(input, str):
        return input
    return _normalize_messages(model._convert_input(input).to_messages())


# -- wire parsing (module level: shared by the sync and async paths) ----------------------------
@contextmanager
def _reading_answer(model: str) -> Iterator[None]:
    """A shape error while reading a chat answer is the server's malformed body (HFResponseError)."""
    try:
        yield
    except HFError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise HFResponseError(
            f"unexpected chat_completion response from {model!r}: {type(exc).__name__}: {exc}", model=model
        ) from exc


def _get(obj: Any, key: str) -> Any:
    if type(obj) is dict or isinstance(obj, Mapping):  # a dict first: the decoded answer (hf_tools.chat_wire)
        return obj.get(key)
    return getattr(obj, key, None)


def _usage(raw: Any) -> UsageMetadata | None:
    if not raw:
        return None
    prompt = int(_get(raw, "prompt_tokens") or 0)
    completion = int(_get(raw, "completion_tokens") or 0)
    total = int(_get(raw, "total_tokens") or prompt + completion)
    return cast("UsageMetadata", {"input_tokens": prompt, "output_tokens": completion, "total_tokens": total})


def _call_id(raw: Any) -> str:
    if raw is None or raw == "":
        return f"call_{uuid.uuid4().hex[:24]}"
    return str(raw)


def _parse_tool_calls(raw: Any) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    if not raw:
        return [], []
    calls = [raw] if isinstance(raw, Mapping) else list(raw)
    valid: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in calls:
        function = _get(call, "function") or {}
        name = _get(function, "name")
        call_id = _call_id(_get(call, "id"))
        arguments = _get(function, "arguments")
        args: Any
        error: str | None = None
        if arguments is None or arguments == "":
            args = {}
        elif isinstance(arguments, Mapping):
            args = dict(arguments)
        elif isinstance(arguments, str):
            try:
                args = json.loads(arguments)
            except ValueError as exc:
                args, error = None, f"arguments are not valid JSON: {exc}"
        else:
            args, error = None, f"arguments must be a JSON object, got {type(arguments).__name__}"
        if error is None and not isinstance(args, dict):
            error = f"arguments must be a JSON object, got {type(args).__name__}"
        if error is None and not name:
            error = "the tool call has no name"
        if error is None:
            valid.append(ToolCall(name=str(name), args=args, id=call_id, type="tool_call"))
        else:
            text = arguments if isinstance(arguments, str) else json.dumps(arguments, default=str)
            invalid.append(invalid_tool_call(name=str(name) if name else None, args=text, id=call_id, error=error))
    return valid, invalid


def _tool_choice(choice: str | bool | Mapping[str, Any], names: list[str]) -> str | dict[str, Any]:
    if choice is True or choice in ("any", "required"):
        if not names:
            raise HFInputError("tool_choice requires a tool call but no tools are bound")
        return "required"
    if choice in ("auto", "none"):
        return cast("str", choice)
    name: Any
    if isinstance(choice, str):
        name = choice
    elif isinstance(choice, Mapping):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
        if not isinstance(name, str):
            raise HFInputError(f"tool_choice dict must name a function, got {dict(choice)!r}")
    else:
        raise HFInputError(f"unsupported tool_choice {choice!r}")
    if name not in names:
        raise HFInputError(f"tool_choice {name!r} is not one of the bound tools {names}")
    return {"type": "function", "function": {"name": name}}


def _message(choice: Any, usage: UsageMetadata | None, metadata: dict[str, Any], message_id: str | None) -> AIMessage:
    """The AIMessage of one answer choice (its tool calls parsed, reasoning kept)."""
    message = _get(choice, "message") or {}
    tool_calls, invalid = _parse_tool_calls(_get(message, "tool_calls"))
    extra: dict[str, Any] = {}
    reasoning = _get(message, "reasoning") or _get(message, "reasoning_content")
    if reasoning:
        extra["reasoning_content"] = reasoning
    return AIMessage(
        content=_get(message, "content") or "",
        tool_calls=tool_calls,
        invalid_tool_calls=invalid,
        additional_kwargs=extra,
        usage_metadata=usage,
        response_metadata=metadata,
        id=message_id,
    )


def _llm_output(output: Any) -> dict[str, Any]:
    return {"model_name": _get(output, "model"), "token_usage": dict(_get(output, "usage") or {})}


def _run_with_known_id(config: RunnableConfig | None) -> tuple[RunnableConfig, RouteReporter | None]:
    """``config`` with its run id fixed in advance, and the reporter of that run."""
    config = ensure_config(config)
    run_id = config.get("run_id") or uuid.uuid4()
    config = cast(RunnableConfig, {**config, "run_id": run_id})
    return config, RouteReporter.for_config(cast(dict[str, Any], config), run_id)


def _route_event(model: str, route: Route | None) -> dict[str, Any] | None:
    if route is None or route.providers == (None,):
        return None  # an endpoint, or the router's own choice: nothing was routed client-side
    return {
        "task": "chat-completion",
        "model": model,
        "provider": route.answered,
        "tried": list(route.tried),
        "skipped": [dict(entry) for entry in route.skipped],
    }


def _send_route(model: str, route: Route | None, run_manager: Any) -> None:
    event = _route_event(model, route)
    if event is not None:
        report_route(event, run_manager)


async def _asend_route(model: str, route: Route | None, run_manager: Any) -> None:
    event = _route_event(model, route)
    if event is not None:
        await areport_route(event, run_manager)


class _StreamState:
    """Turns ``chat.completion.chunk`` events into LangChain chunks (tool-call ids, metadata)."""

    def __init__(self, provider: str, route: Route | None = None) -> None:
        self.provider = provider
        self.route = route
        self.started: set[int] = set()
        self.events = 0
        self.reported = False

    def check_not_empty(self, model: str) -> None:
        """Raise :class:`HFResponseError` if the stream gave no usable event (not the stream a chat sends)."""
        if not self.events:
            raise HFResponseError("the chat stream ended without any message chunk", model=model)

    def convert(self, raw: Any) -> ChatGenerationChunk | None:
        chunk = self._convert(raw)
        self.events += chunk is not None
        return chunk

    def _convert(self, raw: Any) -> ChatGenerationChunk | None:
        choices = list(_get(raw, "choices") or [])
        usage = _usage(_get(raw, "usage"))
        if not choices:
            if usage is None:
                return None
            return ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage))
        choice = choices[0]
        delta = _get(choice, "delta") or {}
        content = _get(delta, "content") or ""
        chunks = self._tool_call_chunks(_get(delta, "tool_calls"))
        finish_reason = _get(choice, "finish_reason")
        extra: dict[str, Any] = {}
        reasoning = _get(delta, "reasoning") or _get(delta, "reasoning_content")
        if reasoning:
            extra["reasoning_content"] = reasoning
        metadata: dict[str, Any] = {"model_provider": "huggingface"}
        generation_info = None
        if finish_reason:
            metadata.update(
                finish_reason=finish_reason,
                model_name=_get(raw, "model"),
                system_fingerprint=_get(raw, "system_fingerprint"),
                provider=(self.route.answered if self.route is not None else None) or self.provider,
            )
            generation_info = {"finish_reason": finish_reason}
        message = AIMessageChunk(
            content=content,
            tool_call_chunks=chunks,
            additional_kwargs=extra,
            usage_metadata=usage,
            response_metadata=metadata,
            id=_get(raw, "id"),
        )
        return ChatGenerationChunk(message=message, generation_info=generation_info)

    def _tool_call_chunks(self, raw: Any) -> list[ToolCallChunk]:
        if not raw:
            return []
        calls = [raw] if isinstance(raw, Mapping) else list(raw)
        chunks: list[ToolCallChunk] = []
        for position, call in enumerate(calls):
            index = _get(call, "index")
            index = position if not isinstance(index, int) else index
            function = _get(call, "function") or {}
            arguments = _get(function, "arguments")
            if arguments is not None and not isinstance(arguments, str):
                arguments = json.dumps(arguments)
            first = index not in self.started
            self.started.add(index)
            chunks.append(
                ToolCallChunk(
                    name=_get(function, "name") or None,
                    args=arguments or None,
                    id=_call_id(_get(call, "id")) if first else None,
                    index=index,
                    type="tool_call_chunk",
                )
            )
        return chunks


# Connection fields ChatHFInference exposes directly (the rest come from ``settings=``).
_MIRRORED = tuple(name for name in ChatHFInference.model_fields if name in HFSettings.model_fields)
_mirrored_values = attrgetter(*_MIRRORED)
# Every keyword the constructor takes: fields (LangChain's included), their aliases, ``settings``.
_KEYWORDS = frozenset(
    [*ChatHFInference.model_fields, "settings"]
    + [f.alias for f in ChatHFInference.model_fields.values() if f.alias is not None]
)
