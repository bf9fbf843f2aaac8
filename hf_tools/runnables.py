"""One generic Runnable, built from a task declaration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from hf_tools.batching import BoundedBatchMixin
from hf_tools.client import HFClient, get_client
from hf_tools.errors import HFInputError
from hf_tools.observers import has_observers
from hf_tools.routing import CallPlan, aplan_call, arun_plan, astream_plan, plan_call, run_plan, stream_plan
from hf_tools.settings import SETTINGS_FIELDS, HFSettings, refuse_unknown_settings
from hf_tools.tasks import TASKS, TaskSpec

__all__ = ["HFTaskRunnable", "runnable"]


class HFTaskRunnable(BoundedBatchMixin[Any, Any], RunnableSerializable[Any, Any]):
    """Any Inference API task as a typed LangChain Runnable.

    The input may be a plain value (it fills the task's first field), a dict, or the
    task's pydantic input model; it is validated before any request is sent. ``ainvoke``
    and ``abatch`` run on ``AsyncInferenceClient``; ``batch`` and ``abatch`` keep at most
    ``settings.max_concurrency`` requests in flight unless the config says otherwise.
    Streaming tasks (text-generation) stream tokens from ``stream``/``astream``.

    On the Hugging Face router the first call plans the call from the Hub (see
    :mod:`hf_tools.routing.plan`): with no model, the first served default candidate
    (:attr:`resolved_model`); the providers to fail over along; text-generation through chat
    and the image question tasks through ``vision_model`` when nobody serves them directly.

    Keyword arguments of ``invoke``/``stream``/``batch`` (and so those of ``.bind(...)``) are
    fields of the task's input: they are merged into it (the input's own values win) or
    refused with :class:`~hf_tools.errors.HFInputError`, never dropped. An answer that is not
    what the task returns (missing fields, bytes that are not audio/an image, a stream without
    any event) raises :class:`~hf_tools.errors.HFResponseError`.

    Example:
        >>> from hf_tools import runnable
        >>> from hf_tools.testing import LoopbackServer
        >>> with LoopbackServer() as server:
        ...     classify = runnable("text-classification", base_url=server.base_url)
        ...     classify.invoke("I love this library")[0].label
        'POSITIVE'

    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    task: str = Field(description="The task name as the Hub spells it.")
    model: str | None = Field(default=None, description="Model id or endpoint URL.")
    settings: HFSettings = Field(default_factory=HFSettings)

    @property
    def spec(self) -> TaskSpec:
        """The task's declaration."""
        return TASKS[self.task]

    @property
    def target_model(self) -> str:
        """The model given, or the task's documented default (see :attr:`resolved_model`)."""
        return self.model or self.spec.default_model

    @property
    def resolved_model(self) -> str:
        """The model that answers calls: with no model given and the Hugging Face router as the
        target, the first default candidate a provider serves (read from the Hub once per
        ``model_check_ttl``); the vision model for a vision task whose model nobody serves.

        Raises:
            HFModelNotServedError: nothing serves the task's model (or the task).

        """
        return self.plan().model

    def plan(self) -> CallPlan:
        """How the next call is made: model, providers in failover order, through chat or not."""
        return plan_call(self.spec, self.model, self.settings)

    @property
    def client(self) -> HFClient:
        """The shared client for this Runnable's settings."""
        return get_client(self.settings)

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        base = name or self.name or f"HF[{self.spec.name}]"
        return f"{base}{suffix}" if suffix else base

    @property
    def InputType(self) -> Any:  # noqa: N802 - LangChain's protocol name
        return self.spec.input_model

    @property
    def OutputType(self) -> Any:  # noqa: N802 - LangChain's protocol name
        return self.spec.output_type

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        return self.spec.input_model

    def get_output_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        name = "".join(part.title() for part in self.spec.name.split("-")) + "Output"
        root: Any = RootModel[self.spec.output_type]  # type: ignore[name-defined]
        return create_model(name, __base__=root)  # type: ignore[no-any-return]

    # -- the calls ---------------------------------------------------------------------
    # Before the first call the plan refuses a Hub model that cannot serve the task and picks the
    # served default, providers and chat fallback (cached; see hf_tools.routing.plan).
    def run(self, value: Any) -> Any:
        """Validate ``value`` and call the task once (failing over along the providers)."""
        spec = self.spec
        data = spec.coerce_input(value)
        plan = plan_call(spec, self.model, self.settings)
        call = spec.prepare(data, self.settings)
        return call.finish(run_plan(self.client, spec, plan, call.kwargs, call.raw))

    async def arun(self, value: Any) -> Any:
        """Async :meth:`run` on ``AsyncInferenceClient``."""
        spec = self.spec
        data = spec.coerce_input(value)
        plan = await aplan_call(spec, self.model, self.settings)
        call = await spec.aprepare(data, self.settings)
        return call.finish(await arun_plan(self.client, spec, plan, call.kwargs, call.raw))

    # A task call is a leaf run: when no callback handler, tracer or hook would see it
    # (hf_tools.observers), LangChain's per-run set-up is skipped; otherwise the full path runs.
    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run the task; keywords (also those of ``.bind``) are input fields (:meth:`TaskSpec.with_options`)."""
        value = self.spec.with_options(input, kwargs)
        if not has_observers(config):
            return self.run(value)
        return self._call_with_config(self.run, value, config, run_type="llm" if self.spec.streams else None)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        value = self.spec.with_options(input, kwargs)
        if not has_observers(config):
            return await self.arun(value)
        return await self._acall_with_config(self.arun, value, config)

    def _max_concurrency(self) -> int:
        """``batch``/``abatch`` cap (see :class:`~hf_tools.batching.BoundedBatchMixin`)."""
        return self.settings.max_concurrency

    # -- streaming -----------------------------------------------------------------------
    def _stream_chunks(self, inputs: Iterator[Any]) -> Iterator[Any]:
        value = _last(inputs)
        spec = self.spec
        data = spec.coerce_input(value)
        plan = plan_call(spec, self.model, self.settings)
        yield from stream_plan(self.client, spec, plan, spec.call_kwargs(data))

    async def _astream_chunks(self, inputs: AsyncIterator[Any]) -> AsyncIterator[Any]:
        value = [item async for item in inputs][-1]
        spec = self.spec
        data = spec.coerce_input(value)
        plan = await aplan_call(spec, self.model, self.settings)
        async for chunk in astream_plan(self.client, spec, plan, spec.call_kwargs(data)):
            yield chunk

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        if not self.spec.streams:
            yield from super().stream(input, config, **kwargs)
            return
        value = self.spec.with_options(input, kwargs)
        yield from self._transform_stream_with_config(iter([value]), self._stream_chunks, config)

    async def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        if not self.spec.streams:
            async for item in super().astream(input, config, **kwargs):
                yield item
            return
        value = self.spec.with_options(input, kwargs)

        async def single() -> AsyncIterator[Any]:
            yield value

        async for chunk in self._atransform_stream_with_config(single(), self._astream_chunks, config):
            yield chunk


def _last(inputs: Iterator[Any]) -> Any:
    items = list(inputs)
    return items[-1]


def runnable(task: str, *, model: str | None = None, **settings: Any) -> HFTaskRunnable:
    """A typed Runnable for ``task``.

    Args:
        task: a Hub task name (``"summarization"``; ``snake_case`` works too).
        model: a model id or endpoint URL; defaults to the task's default model.
        **settings: any :class:`~hf_tools.settings.HFSettings` field (token, provider,
            base_url, timeout, max_retries, deadline, max_concurrency, ...), or
            ``settings=HFSettings(...)``.

    Raises:
        UnknownTaskError: no such task.
        HFInputError: a keyword is not a setting (a task option such as ``generate_parameters``
            goes in the input or in ``.bind(...)``), or ``provider`` is ``"cheapest"``/``"fastest"``
            (chat orderings; a task takes a name, a list or ``"auto"``).

    Example:
        >>> from hf_tools import runnable
        >>> runnable("summarization").target_model
        'facebook/bart-large-cnn'

    """
    spec = TASKS[task]
    base = settings.pop("settings", None) or HFSettings()
    _refuse_non_settings(spec, settings)
    merged = base.merged(**settings)
    merged.refuse_provider_ordering(f"the task {spec.name!r}")
    return HFTaskRunnable(task=spec.name, model=model, settings=merged)


def _refuse_non_settings(spec: TaskSpec, settings: dict[str, Any]) -> None:
    """An :class:`HFInputError` for keywords that are not settings (task options go in the input)."""
    unknown = sorted(set(settings) - SETTINGS_FIELDS)
    if not unknown:
        return
    options = [name for name in unknown if name in spec.input_model.model_fields]
    if options:
        example = options[0]
        raise HFInputError(
            f"{', '.join(map(repr, options))} {'is an input field' if len(options) == 1 else 'are input fields'}"
            f" of task {spec.name!r}, not a setting: give it with the input"
            f" (.invoke({{..., {example!r}: ...}})) or bind it (.bind({example}=...))"
        )
    refuse_unknown_settings(unknown)
