"""Connection settings shared by every Runnable, Tool, chat model and embedder.

The token is held as a :class:`pydantic.SecretStr`, so it never shows in a ``repr``,
a log line, a LangChain trace or an exception message.
"""

from __future__ import annotations

import os
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from hf_tools.model_ids import check_model_id

ROUTER_PROVIDER_DEFAULT = "auto"
PROVIDER_ORDERINGS = ("cheapest", "fastest")
"""``provider`` values that order a chat model's serving providers client-side (see ``ChatHFInference``)."""
# A vision-language chat model that answers image-to-text, visual and document question answering
# when no Inference Provider serves the task's own model (see ``HFSettings.vision_model``).
DEFAULT_VISION_MODEL = "Qwen/Qwen2.5-VL-7B-Instruct"
# Settings whose None is a value (``vision_model=None`` turns the fallback off), not "keep the default".
_NONE_IS_A_VALUE = frozenset({"vision_model"})
BILL_TO_ENV = "HF_BILL_TO"
"""The variable ``bill_to`` defaults to (read when settings are made)."""
# A Hub organization name: letters, digits, '-', '_', '.' (never whitespace: it becomes a header).
_ORG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")


def bill_to_from_env() -> str | None:
    """``HF_BILL_TO`` when it is set and not empty, else None."""
    return os.environ.get(BILL_TO_ENV) or None


class HFSettings(BaseModel):
    """How to reach the Inference API and how hard to try.

    Every field can also be passed as a keyword to ``hf_tools.runnable``, ``hf_tools.tool``
    and ``HFToolkit``. ``base_url`` may contain ``{model}``: it is then filled with the model
    id, so one URL template can address many models on one server (the loopback test server
    uses ``http://127.0.0.1:PORT/models/{model}/pipeline/{task}``, and ``{task}`` is filled
    with the task name, as the router's ``/models/<id>/pipeline/<task>`` routes do).
    Without ``{model}`` every request goes to exactly ``base_url`` (a dedicated Inference Endpoint, TGI or TEI).

    Retry policy (see :mod:`hf_tools.retry`): a 503 "model is loading" waits the server's
    ``estimated_time`` (capped by ``max_retry_wait``), a 429 waits its ``Retry-After``
    (capped), other 5xx, connection errors and timeouts back off exponentially with full
    jitter from ``backoff_base`` up to ``backoff_max``. 400/401/402/403/404/422 never retry.
    At most ``max_retries`` retries happen and all attempts together stop at ``deadline``
    seconds.

    ``provider`` is a name, ``"auto"``/None, or an ordered list: a routed call that gets a 429,
    5xx, 503, timeout or dropped connection moves at once to the next provider serving the model
    (see :mod:`hf_tools.failover`); failovers are not counted as retries, the deadline covers
    them. ``vision_model`` answers the image question tasks nobody serves (None: off).

    ``adaptive_concurrency`` (on by default): a 429 lowers the in-flight limit of that provider
    (or endpoint) for every caller in the process, successes raise it again, and a call told to
    wait retries first (see :mod:`hf_tools.rate_limit`).

    ``bill_to`` names the Hub organization that pays for router calls: every request then carries
    ``X-HF-Bill-To: <org>`` (huggingface_hub's ``bill_to``). It defaults to ``HF_BILL_TO``, read
    when the settings are made (so a settings object sent to another process keeps it).

    Example:
        >>> from hf_tools import HFSettings
        >>> s = HFSettings(token="hf_secret", timeout=10)
        >>> "hf_secret" in repr(s)
        False
        >>> s.endpoint_for("org/model") is None
        True
        >>> HFSettings(base_url="http://127.0.0.1:8080/models/{model}").endpoint_for("a/b")
        'http://127.0.0.1:8080/models/a/b'

    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    token: SecretStr | None = Field(
        default=None,
        description="Hugging Face token. Falls back to HF_TOKEN, then to the stored login.",
    )
    bill_to: str | None = Field(
        default_factory=bill_to_from_env,
        description="Hub organization billed for router requests (sent as X-HF-Bill-To); defaults to HF_BILL_TO.",
    )
    provider: str | tuple[str, ...] | None = Field(
        default=None,
        description="Inference provider: a name (e.g. 'hf-inference'), 'auto' (None) or an ordered list to fail"
        " over along (429, 5xx, 503 loading, timeouts and dropped connections move the call to the next one).",
    )
    base_url: str | None = Field(
        default=None,
        description="Endpoint URL; may contain '{model}'. When set, 'provider' is ignored.",
    )
    timeout: float = Field(default=60.0, gt=0, description="Seconds for one HTTP request.")
    max_retries: int = Field(default=4, ge=0, description="Retries after the first attempt.")
    deadline: float | None = Field(default=180.0, gt=0, description="Seconds for one call, all retries included.")
    max_concurrency: int = Field(default=8, ge=1, description="Requests in flight in a batch.")
    adaptive_concurrency: bool = Field(
        default=True,
        description="Share each provider's (or endpoint's) in-flight limit across the process and lower it on"
        " every 429, raising it again as requests succeed (see hf_tools.rate_limit); False: only max_concurrency.",
    )
    media_dirs: tuple[str, ...] | None = Field(
        default=None,
        description="Folders media file paths must stay inside (after resolving links); None: the working directory.",
    )
    media_allow_private_urls: bool = Field(
        default=False,
        description="Let media URLs reach loopback, private, link-local and cloud metadata addresses.",
    )
    media_allowed_hosts: tuple[str, ...] = Field(
        default=(), description="Media URL hosts ('host' or 'host:port') trusted even on a private address."
    )
    media_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1, description="Largest media input, in bytes.")
    media_max_pixels: int = Field(
        default=64 * 1024 * 1024, ge=1, description="Most pixels an image input may have (64 megapixels)."
    )
    media_fetch_timeout: float = Field(default=15.0, gt=0, description="Seconds for one media URL fetch.")
    media_output_dir: str | None = Field(
        default=None, description="Folder generated images/audio are saved to (None: kept in memory only)."
    )
    media_max_output_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1,
        description="Largest generated media file (e.g. a video) downloaded from a provider.",
    )
    job_deadline: float | None = Field(
        default=900.0,
        gt=0,
        description="Seconds a generated-media call (a queued video job) may take from submit to bytes, instead of"
        " 'deadline'; a job still running then is cancelled and raises HFDeadlineExceededError.",
    )
    job_poll_interval: float = Field(
        default=1.0, gt=0, description="Seconds between status requests of a queued provider job."
    )
    max_retry_wait: float = Field(default=60.0, ge=0, description="Cap on one wait for 'estimated_time'/'Retry-After'.")
    backoff_base: float = Field(default=0.5, ge=0, description="First exponential backoff.")
    backoff_max: float = Field(default=20.0, ge=0, description="Largest exponential backoff.")
    check_model: bool = Field(
        default=True,
        description="Before the first call, check on the Hub that the model serves the task"
        " (only when the Hugging Face router is the target, never with base_url or a URL model).",
    )
    model_check_ttl: float = Field(
        default=3600.0, ge=0, description="Seconds a model's Hub answer is reused by the model check."
    )
    hub_endpoint: str | None = Field(
        default=None,
        description="Hub URL for model look-ups (find_models, model_card, the model check);"
        " None means HF_ENDPOINT, else https://huggingface.co.",
    )
    hub_timeout: float = Field(default=10.0, gt=0, description="Seconds for one Hub look-up.")
    vision_model: str | None = Field(
        default=DEFAULT_VISION_MODEL,
        description="Vision-language chat model that answers image-to-text, visual and document question answering"
        " when no Inference Provider serves the task's model (router only); None turns this off.",
    )

    @field_validator("provider", mode="before")
    @classmethod
    def _check_provider(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            names = tuple(str(v) for v in value)
            if not names:
                raise ValueError("provider list is empty; pass None (or 'auto') to let the Hub choose")
            if "auto" in names:
                raise ValueError("'auto' cannot be part of a provider list")
            if any(name in PROVIDER_ORDERINGS for name in names):
                raise ValueError("'cheapest' and 'fastest' order the providers themselves: pass one alone, not a list")
            if len(set(names)) != len(names):
                raise ValueError(f"provider list has repeats: {list(names)}")
            return names[0] if len(names) == 1 else names
        return value

    @field_validator("bill_to")
    @classmethod
    def _check_bill_to(cls, value: str | None) -> str | None:
        if value is not None and not _ORG_NAME.fullmatch(value):
            raise ValueError(f"bill_to must be a Hub organization name (letters, digits, '-', '_', '.'), got {value!r}")
        return value

    @property
    def provider_names(self) -> tuple[str, ...] | None:
        """The pinned providers in order, or None for ``"auto"`` (and ``"cheapest"``/``"fastest"``)."""
        if self.provider in (None, ROUTER_PROVIDER_DEFAULT) or self.provider in PROVIDER_ORDERINGS:
            return None
        return (self.provider,) if isinstance(self.provider, str) else self.provider

    @property
    def provider_ordering(self) -> str | None:
        """``"cheapest"`` or ``"fastest"`` when ``provider`` is one of them (a chat ordering), else None."""
        return self.provider if isinstance(self.provider, str) and self.provider in PROVIDER_ORDERINGS else None

    def refuse_provider_ordering(self, user: str) -> None:
        """Raise :class:`~hf_tools.errors.HFInputError` when ``provider`` is an ordering ``user`` cannot apply.

        ``"cheapest"``/``"fastest"`` are chat-model orderings over the router's ``/v1/models`` offers;
        tasks, tools and embeddings have no such listing (it prices chat tokens only).
        """
        ordering = self.provider_ordering
        if ordering is None:
            return
        from hf_tools.errors import HFInputError

        raise HFInputError(
            f"provider={ordering!r} orders chat providers by the router's chat offers and works with"
            f" ChatHFInference only; {user} takes a provider name, an ordered list to fail over along, or 'auto'"
        )

    @field_validator("base_url", "hub_endpoint")
    @classmethod
    def _check_base_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{info.field_name} must start with http:// or https://")
        return value.rstrip("/") if value else value

    def endpoint_for(self, model: str | None, task: str | None = None) -> str | None:
        """The URL to send a request for ``model`` to, or None to let the Hub route it.

        ``{model}`` and ``{task}`` in ``base_url`` are filled in; a ``{task}`` segment is
        dropped (with the ``/pipeline/`` before it) when no task is given. Only a Hub model id
        is filled into ``{model}`` (a URL or a path there raises
        :class:`~hf_tools.errors.HFInputError`), so the URL never leaves the program's host.
        """
        if model is not None and model.startswith(("http://", "https://")):
            return model
        if self.base_url is None:
            return None
        if "{model}" in self.base_url:
            if model is None:
                raise ValueError("base_url has a '{model}' placeholder but no model was given")
            url = self.base_url.replace("{model}", check_model_id(model))
        else:
            url = self.base_url
        if "{task}" in url:
            url = url.replace("{task}", task) if task else url.replace("/pipeline/{task}", "").replace("{task}", "")
        return url

    def resolved_token(self) -> str | None:
        """The token to send: the explicit one, else ``HF_TOKEN``, else the stored login."""
        if self.token is not None:
            return self.token.get_secret_value()
        env = os.environ.get("HF_TOKEN")
        if env:
            return env
        from huggingface_hub import get_token

        return get_token()

    def merged(self, **overrides: Any) -> HFSettings:
        """A copy with the non-None ``overrides`` applied (validated like the constructor)."""
        values = self.model_dump()
        values["token"] = self.token
        values.update({k: v for k, v in overrides.items() if v is not None or k in _NONE_IS_A_VALUE})
        return HFSettings(**values)


SETTINGS_FIELDS = frozenset(HFSettings.model_fields)


def refuse_unknown_settings(names: Any) -> None:
    """Raise :class:`~hf_tools.errors.HFInputError` naming each name that is not a setting (with a hint).

    Example:
        >>> refuse_unknown_settings(["timeout"])
        >>> refuse_unknown_settings(["max_retires"])
        Traceback (most recent call last):
        ...
        hf_tools.errors.HFInputError: unknown setting(s) 'max_retires' (did you mean 'max_retries'?); ...

    """
    import difflib

    from hf_tools.errors import HFInputError

    unknown = sorted(set(names) - SETTINGS_FIELDS)
    if not unknown:
        return
    close = []
    for name in unknown:
        hint = difflib.get_close_matches(name, SETTINGS_FIELDS, n=1)
        close.append(f"{name!r} (did you mean {hint[0]!r}?)" if hint else repr(name))
    raise HFInputError(f"unknown setting(s) {', '.join(close)}; settings are: {', '.join(sorted(SETTINGS_FIELDS))}")


def split_settings(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split keyword arguments into (settings fields, everything else)."""
    settings = {k: v for k, v in kwargs.items() if k in SETTINGS_FIELDS}
    rest = {k: v for k, v in kwargs.items() if k not in SETTINGS_FIELDS}
    return settings, rest
