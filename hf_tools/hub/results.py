"""Typed results of Hub look-ups: a model, the providers serving it, and its card."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ModelCard", "ModelSummary", "ProviderStatus"]


class ProviderStatus(BaseModel):
    """One inference provider serving a model (an ``inferenceProviderMapping`` entry).

    Example:
        >>> p = ProviderStatus(provider="hf-inference", provider_id="org/m", task="summarization")
        >>> p.status, p.live
        ('live', True)

    """

    model_config = ConfigDict(frozen=True)

    provider: str = Field(description="The provider's name, e.g. 'hf-inference' or 'together'.")
    provider_id: str = Field(description="The model's id on the provider's side.")
    task: str = Field(description="The task the provider serves the model for, e.g. 'conversational'.")
    status: str = Field(default="live", description="'live', 'staging' (tests only) or 'error' (health check failed).")
    also_tasks: tuple[str, ...] = Field(
        default=(),
        description="Other tasks the provider answers for the model, as huggingface_hub accepts them (e.g."
        " feature-extraction for a sentence-similarity model on hf-inference).",
    )

    @property
    def live(self) -> bool:
        """Whether the provider reports the model as live."""
        return self.status == "live"

    def answers(self, task: str) -> bool:
        """Whether the provider answers ``task`` for the model: its mapped task or an equivalent one.

        Example:
            >>> p = ProviderStatus(provider="hf-inference", provider_id="org/st", task="sentence-similarity",
            ...                    also_tasks=("feature-extraction",))
            >>> p.answers("feature-extraction"), p.answers("fill-mask")
            (True, False)

        """
        return task == self.task or task in self.also_tasks


class ModelSummary(BaseModel):
    """A model on the Hub: its task, popularity, license, gating and who serves it.

    Example:
        >>> m = ModelSummary(id="org/m", task="summarization", providers=[
        ...     ProviderStatus(provider="hf-inference", provider_id="org/m", task="summarization")])
        >>> m.serves("summarization"), m.serves("summarization", provider="together")
        (True, False)
        >>> m.render()
        'org/m [summarization] providers: hf-inference'

    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="The model id, e.g. 'facebook/bart-large-cnn'.")
    task: str | None = Field(default=None, description="The Hub's pipeline tag of the model.")
    downloads: int | None = Field(default=None, description="Downloads over the last 30 days.")
    likes: int | None = Field(default=None, description="Likes on the Hub.")
    license: str | None = Field(default=None, description="License id from the model's tags, e.g. 'apache-2.0'.")
    gated: Literal["auto", "manual"] | bool = Field(
        default=False, description="False, or how access is granted: 'auto' or 'manual' approval."
    )
    providers: tuple[ProviderStatus, ...] = Field(default=(), description="Inference providers serving the model.")

    def serves(self, task: str, provider: str | tuple[str, ...] | None = None) -> bool:
        """Whether a provider (``provider``, one of a list of them, or any) serves the model for ``task``."""
        wanted = (provider,) if isinstance(provider, str) else provider
        return any(p.answers(task) and (wanted in (None, ("auto",)) or p.provider in wanted) for p in self.providers)

    @property
    def served_tasks(self) -> tuple[str, ...]:
        """The tasks providers serve the model for, live ones first, without repeats."""
        ordered = sorted(self.providers, key=lambda p: not p.live)
        return tuple(dict.fromkeys(p.task for p in ordered))

    def render(self) -> str:
        """One line for a person or an LLM."""
        details = []
        if self.gated:
            details.append(f"gated ({self.gated})" if isinstance(self.gated, str) else "gated")
        if self.downloads is not None:
            details.append(f"{self.downloads:,} downloads")
        if self.license:
            details.append(f"license {self.license}")
        details.append("providers: " + (_providers_text(self.providers, self.task) or "none"))
        return f"{self.id} [{self.task or 'no task'}] " + "; ".join(details)


def _providers_text(providers: tuple[ProviderStatus, ...], task: str | None) -> str:
    items = []
    for p in providers:
        notes = [n for n in (p.task if p.task != task else "", "" if p.live else p.status) if n]
        items.append(f"{p.provider} ({', '.join(notes)})" if notes else p.provider)
    return ", ".join(items)


class ModelCard(ModelSummary):
    """A model's summary plus how to call it with hf_tools: the task's input, output and a snippet.

    ``input_schema``/``output_schema`` are the JSON schemas of the task's declaration in
    ``hf_tools.TASKS`` (None when hf_tools has no runnable for the model's task).

    Example:
        >>> card = ModelCard(id="org/m", task="fill-mask", snippet="...", call_task="fill-mask")
        >>> card.render().splitlines()[:2]
        ['org/m [fill-mask] providers: none', 'task: fill-mask']

    """

    call_task: str | None = Field(default=None, description="The hf_tools task to call the model with.")
    description: str | None = Field(default=None, description="What that task does.")
    input_schema: dict[str, Any] | None = Field(default=None, description="JSON schema of the task's input.")
    output_schema: dict[str, Any] | None = Field(default=None, description="JSON schema of the task's output.")
    snippet: str = Field(description="Python that calls the model through hf_tools.")

    def render(self) -> str:
        """A readable card: summary line, input fields, output type and the snippet."""
        lines = [super().render()]
        if self.gated:
            lines.append("gated: request access on the model's Hub page before calling it")
        if self.call_task:
            lines.append(f"task: {self.call_task}" + (f" — {self.description}" if self.description else ""))
        if self.input_schema is not None:
            required = set(self.input_schema.get("required", []))
            lines.append("input:")
            lines.extend(
                f"  {name}{' (required)' if name in required else ''}: {spec.get('description', '')}".rstrip(": ")
                for name, spec in self.input_schema.get("properties", {}).items()
            )
        if self.output_schema is not None:
            lines.append("output: " + str(self.output_schema.get("title") or self.output_schema.get("type")))
        lines.extend(["", self.snippet])
        return "\n".join(lines)
