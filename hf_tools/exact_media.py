"""Generated media as the exact bytes the provider sent.

``InferenceClient.text_to_image`` and ``image_to_image`` decode the provider's answer into a PIL
image; saving that again re-encodes it (and changes pixels for JPEG). A task whose declaration
says its answer is raw bytes (``TaskSpec.raw_bytes``, carried by the prepared call as
:class:`~hf_tools.prepared_call.RawBytes`) is called here instead: huggingface_hub's provider
helper for the task builds the request and decodes the provider's own shape (fal-ai's media URL,
replicate's prediction, together's base64, raw bytes from hf-inference), and the bytes are kept
as served. This module knows no task and no media kind: the prepared call names the task and
its input argument.

Both huggingface_hub 1.x and 2.x expose the pieces used here (``get_provider_helper``, the
client's ``headers``, ``token``, ``provider`` and ``_inner_post``).
"""

from __future__ import annotations

from typing import Any

from hf_tools.jobs import JobContext, arun_job, run_job
from hf_tools.prepared_call import RawBytes

__all__ = ["acall_raw", "call_raw", "prepare_raw"]


def _helper(provider: Any, task: str, model: str | None, inputs: Any) -> Any:
    """huggingface_hub's helper for ``task``; an endpoint URL the hf-inference table lacks gets its generic one."""
    from huggingface_hub.inference._providers import get_provider_helper

    try:
        return get_provider_helper(provider, task=task, model=model)
    except ValueError:
        if model is None or not model.startswith(("http://", "https://")):
            raise
        # an Inference Endpoint serving a task hf-inference has no helper for (e.g. text-to-video):
        # the hf-inference wire shape, JSON for text inputs, raw bytes (or base64 JSON) for media inputs
        from huggingface_hub.inference._providers.hf_inference import HFInferenceBinaryInputTask, HFInferenceTask

        return HFInferenceTask(task) if isinstance(inputs, str) else HFInferenceBinaryInputTask(task)


def prepare_raw(client: Any, raw: RawBytes, args: tuple[Any, ...], kwargs: dict[str, Any], model: str | None) -> Any:
    """``(helper, request)``: the provider helper of ``raw.task`` and the request it builds.

    The first positional argument (or the keyword ``raw.inputs``) is the task's inputs; every
    other keyword is a parameter (``extra_body`` is spread into them), as in the hub's methods.
    """
    kwargs = dict(kwargs)
    inputs = args[0] if args else kwargs.pop(raw.inputs)
    extra = kwargs.pop("extra_body", None) or {}
    parameters = {**kwargs, **extra}
    model_id = model or client.model
    helper = _helper(client.provider, raw.task, model_id, inputs)
    request = helper.prepare_request(
        inputs=inputs, parameters=parameters, headers=client.headers, model=model_id, api_key=client.token
    )
    return helper, request


def call_raw(ctx: JobContext, client: Any, raw: RawBytes, *args: Any, model: str | None = None, **kwargs: Any) -> bytes:
    """The provider's bytes for one call on a sync ``InferenceClient`` (a job is driven by :mod:`hf_tools.jobs`)."""
    helper, request = prepare_raw(client, raw, args, kwargs, model)
    return run_job(ctx, client, helper, request)


async def acall_raw(
    ctx: JobContext, client: Any, session: Any, raw: RawBytes, *args: Any, model: str | None = None, **kwargs: Any
) -> bytes:
    """The provider's bytes for one call on an ``AsyncInferenceClient`` and the loop's async HTTP ``session``."""
    helper, request = prepare_raw(client, raw, args, kwargs, model)
    return await arun_job(ctx, client, helper, request, session)
