"""Generated images as the exact bytes the provider sent.

``InferenceClient.text_to_image`` and ``image_to_image`` decode the provider's answer into a PIL
image; saving that again re-encodes it (and changes pixels for JPEG). These calls run the same
steps as huggingface_hub's methods (its provider helper builds the request and decodes the
provider's own shape: fal-ai's media URL, replicate's prediction, together's base64, raw bytes
from hf-inference) and stop before the PIL step. Audio (``text_to_speech``) is already bytes.

Both huggingface_hub 1.x and 2.x expose the pieces used here (``get_provider_helper``, the
client's ``headers``, ``token``, ``provider`` and ``_inner_post``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["ASYNC_CALLS", "SYNC_CALLS"]


def _request(client: Any, task: str, inputs: Any, parameters: dict[str, Any], model: str | None) -> tuple[Any, Any]:
    from huggingface_hub.inference._providers import get_provider_helper

    model_id = model or client.model
    helper = get_provider_helper(client.provider, task=task, model=model_id)
    request = helper.prepare_request(
        inputs=inputs, parameters=parameters, headers=client.headers, model=model_id, api_key=client.token
    )
    return helper, request


# method → (task, name of the input argument); every other argument is a parameter, as in the hub's methods.
_ARGS: dict[str, tuple[str, str]] = {
    "text_to_image": ("text-to-image", "prompt"),
    "image_to_image": ("image-to-image", "image"),
}


def _split(first: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    inputs = args[0] if args else kwargs.pop(first)
    extra = kwargs.pop("extra_body", None) or {}
    return inputs, {**kwargs, **extra}


def _sync(method: str) -> Callable[..., bytes]:
    task, first = _ARGS[method]

    def call(client: Any, *args: Any, model: str | None = None, **kwargs: Any) -> bytes:
        inputs, parameters = _split(first, args, kwargs)
        helper, request = _request(client, task, inputs, parameters, model)
        response = client._inner_post(request)
        return bytes(helper.get_response(response, request))

    return call


def _async(method: str) -> Callable[..., Awaitable[bytes]]:
    task, first = _ARGS[method]

    async def call(client: Any, *args: Any, model: str | None = None, **kwargs: Any) -> bytes:
        inputs, parameters = _split(first, args, kwargs)
        helper, request = _request(client, task, inputs, parameters, model)
        response = await client._inner_post(request)
        return bytes(helper.get_response(response, request))

    return call


SYNC_CALLS: dict[str, Callable[..., bytes]] = {name: _sync(name) for name in _ARGS}
"""``InferenceClient`` method name → the same call returning the provider's bytes."""

ASYNC_CALLS: dict[str, Callable[..., Awaitable[bytes]]] = {name: _async(name) for name in _ARGS}
"""``AsyncInferenceClient`` method name → the same call returning the provider's bytes."""
