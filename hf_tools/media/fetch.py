"""Guarded, bounded URL fetches (sync and async).

Each hop (the URL and every redirect) is checked by :mod:`hf_tools.media.netguard` and the
connection goes to the checked address; the body is read in chunks and refused past
``max_bytes``; the whole fetch, redirects included, must end within ``fetch_timeout``. No
proxy from the environment is used and no credentials are ever sent.

Example:
    >>> from hf_tools.media.fetch import fetch
    >>> from hf_tools.media.policy import MediaPolicy
    >>> fetch("http://169.254.169.254/latest/meta-data/", MediaPolicy.from_settings(None))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hf_tools.media.errors.UnsafeURLError: refused to fetch '169.254.169.254': it resolves to a cloud metadata address...

"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urljoin

import httpx

from hf_tools.media.errors import MediaFetchError, MediaTooLargeError, UnsafeURLError
from hf_tools.media.netguard import IPAddress, Target, aresolve, choose_address, parse_target, resolve
from hf_tools.media.policy import MediaPolicy

__all__ = ["afetch", "fetch"]

_HEADERS = {"User-Agent": "hf-tools-media/1", "Accept": "image/*, audio/*"}


class _Budget:
    """The fetch's deadline and byte cap, shared by every hop."""

    def __init__(self, policy: MediaPolicy) -> None:
        self.policy = policy
        self.end = time.monotonic() + policy.fetch_timeout
        self.chunks: list[bytes] = []
        self.size = 0

    def timeout(self) -> httpx.Timeout:
        left = self.end - time.monotonic()
        if left <= 0:
            raise MediaFetchError(f"fetching the media took longer than {self.policy.fetch_timeout}s")
        return httpx.Timeout(left)

    def request(self, client: httpx.Client | httpx.AsyncClient, target: Target, address: IPAddress) -> httpx.Request:
        extensions: dict[str, Any] = {"timeout": self.timeout().as_dict()}
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        headers = {**_HEADERS, "Host": target.host_header}
        return client.build_request("GET", target.pinned_url(address), headers=headers, extensions=extensions)

    def check_headers(self, target: Target, response: httpx.Response) -> str | None:
        """The next URL for a redirect, None for a body to read; raise on errors."""
        if response.is_redirect:
            location = response.headers.get("location")
            if not location:
                raise MediaFetchError(f"redirect without a Location from {target.host!r}")
            return urljoin(target.url, str(location))
        if response.status_code >= 400:
            raise MediaFetchError(f"fetching the media failed: HTTP {response.status_code} from {target.host!r}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise _too_large(self.policy)
        return None

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.policy.max_bytes:
            raise _too_large(self.policy)
        if time.monotonic() > self.end:
            raise MediaFetchError(f"fetching the media took longer than {self.policy.fetch_timeout}s")
        self.chunks.append(chunk)

    def body(self) -> bytes:
        return b"".join(self.chunks)


def _too_large(policy: MediaPolicy) -> MediaTooLargeError:
    return MediaTooLargeError(f"the media at that URL is larger than the limit of {policy.max_bytes} bytes")


def _too_many(policy: MediaPolicy) -> UnsafeURLError:
    return UnsafeURLError(f"more than {policy.max_redirects} redirects")


def _client_options() -> dict[str, Any]:
    return {"follow_redirects": False, "trust_env": False}


def fetch(url: str, policy: MediaPolicy) -> bytes:
    """GET ``url`` under ``policy`` and return its body.

    Raises:
        UnsafeURLError: a hop is not http(s) or points at a refused address.
        MediaTooLargeError: the body is larger than ``policy.max_bytes``.
        MediaFetchError: HTTP error status, timeout or connection failure.

    """
    budget = _Budget(policy)
    with httpx.Client(**_client_options()) as client:
        for _ in range(policy.max_redirects + 1):
            target = parse_target(url)
            address = choose_address(target, resolve(target), policy)
            try:
                response = client.send(budget.request(client, target, address), stream=True)
                try:
                    next_url = budget.check_headers(target, response)
                    if next_url is None:
                        for chunk in response.iter_bytes():
                            budget.add(chunk)
                        return budget.body()
                finally:
                    response.close()
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise MediaFetchError(f"fetching the media failed: {type(exc).__name__}") from exc
            url = next_url
    raise _too_many(policy)


async def afetch(url: str, policy: MediaPolicy) -> bytes:
    """Async :func:`fetch` (async DNS and ``httpx.AsyncClient``)."""
    budget = _Budget(policy)
    async with httpx.AsyncClient(**_client_options()) as client:
        for _ in range(policy.max_redirects + 1):
            target = parse_target(url)
            address = choose_address(target, await aresolve(target), policy)
            try:
                response = await client.send(budget.request(client, target, address), stream=True)
                try:
                    next_url = budget.check_headers(target, response)
                    if next_url is None:
                        async for chunk in response.aiter_bytes():
                            budget.add(chunk)
                        return budget.body()
                finally:
                    await response.aclose()
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise MediaFetchError(f"fetching the media failed: {type(exc).__name__}") from exc
            url = next_url
    raise _too_many(policy)
