"""Guarded URL fetches, against HTTP servers on 127.0.0.1 only."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hf_tools.media import (
    MediaFetchError,
    MediaPolicy,
    MediaTooLargeError,
    UnsafeURLError,
    UnsupportedMediaError,
    afetch,
    fetch,
    parse_media,
)
from hf_tools.media.netguard import blocked_reason
from hf_tools.testing.answers import png_bytes

PNG = png_bytes(16, 16)


class MediaHost:
    """A tiny HTTP server with scripted routes; records every path it was asked for."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.seen: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                host.seen.append(self.path)
                route = host.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                route(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def body(data: bytes, content_type: str = "image/png", declare_length: bool = True) -> Any:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        if declare_length:
            handler.send_header("Content-Length", str(len(data)))
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(data)
        if not declare_length:
            handler.close_connection = True

    return handle


def redirect(location: str) -> Any:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return handle


def stall(event: threading.Event) -> Any:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(PNG)))
        handler.end_headers()
        handler.wfile.write(PNG[:10])
        handler.wfile.flush()
        event.wait(10)

    return handle


@pytest.fixture
def host() -> Iterator[MediaHost]:
    server = MediaHost()
    yield server
    server.close()


@pytest.fixture
def other() -> Iterator[MediaHost]:
    server = MediaHost()
    yield server
    server.close()


def trusting(server: MediaHost, **kwargs: Any) -> MediaPolicy:
    return MediaPolicy.from_settings(None).__class__(
        allowed_dirs=(), allowed_hosts=frozenset({f"127.0.0.1:{server.port}"}), **kwargs
    )


def test_fetches_from_a_trusted_host(host: MediaHost) -> None:
    host.routes["/cat.png"] = body(PNG)
    assert fetch(host.url("/cat.png"), trusting(host)) == PNG


async def test_async_fetch_from_a_trusted_host(host: MediaHost) -> None:
    host.routes["/cat.png"] = body(PNG)
    assert await afetch(host.url("/cat.png"), trusting(host)) == PNG


def test_follows_a_redirect_within_the_trusted_host(host: MediaHost) -> None:
    host.routes["/old"] = redirect("/cat.png")
    host.routes["/cat.png"] = body(PNG)
    assert fetch(host.url("/old"), trusting(host)) == PNG
    assert host.seen == ["/old", "/cat.png"]


@pytest.mark.parametrize("use_async", [False, True])
async def test_redirect_to_loopback_is_refused(host: MediaHost, other: MediaHost, use_async: bool) -> None:
    other.routes["/secret"] = body(PNG)
    host.routes["/go"] = redirect(other.url("/secret", host="localhost"))
    with pytest.raises(UnsafeURLError, match="loopback"):
        if use_async:
            await afetch(host.url("/go"), trusting(host))
        else:
            fetch(host.url("/go"), trusting(host))
    assert other.seen == []


def test_redirect_to_another_scheme_is_refused(host: MediaHost) -> None:
    host.routes["/go"] = redirect("file:///etc/passwd")
    with pytest.raises(UnsafeURLError, match="only http"):
        fetch(host.url("/go"), trusting(host))


def test_redirect_loop_stops(host: MediaHost) -> None:
    host.routes["/loop"] = redirect("/loop")
    with pytest.raises(UnsafeURLError, match="redirects"):
        fetch(host.url("/loop"), trusting(host))
    assert len(host.seen) == 6


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/",
        "http://10.0.0.1/x.png",
        "http://192.168.1.1/x.png",
        "http://[::1]/x.png",
        "http://[::ffff:127.0.0.1]/x.png",
        "http://0.0.0.0/x.png",
        "http://100.64.0.1/x.png",
        "http://[64:ff9b::7f00:1]/x.png",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/latest/",  # NAT64 of the metadata address
        "http://[64:ff9b:1::a00:1]/x.png",  # local-use NAT64
        "http://[2002:a9fe:a9fe::1]/latest/",  # 6to4 of the metadata address
        "http://[2002:c0a8:101::]/x.png",  # 6to4 of 192.168.1.1
        "http://[::7f00:1]/x.png",  # IPv4-compatible 127.0.0.1
        "http://[::a00:1]/x.png",  # IPv4-compatible 10.0.0.1
        "http://[::ffff:a9fe:a9fe]/latest/",  # IPv4-mapped metadata address
    ],
)
def test_non_public_literal_addresses_are_refused_before_any_connection(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="refused to fetch"):
        fetch(url, MediaPolicy.from_settings(None))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("64:ff9b::7f00:1", "a loopback address"),
        ("64:ff9b::a9fe:a9fe", "a cloud metadata address"),
        ("2002:7f00:1::", "a loopback address"),
        ("2002:a00:1::", "a private address"),
        ("::a9fe:a9fe", "a cloud metadata address"),
        ("::c0a8:101", "a private address"),
        ("64:ff9b::808:808", None),  # NAT64 of a public address is public
        ("2002:808:808::1", None),
        ("2606:4700::1111", None),
    ],
)
def test_ipv4_embedded_in_ipv6_is_checked_too(address: str, reason: str | None) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) == reason


async def test_names_are_checked_after_resolution(host: MediaHost) -> None:
    host.routes["/cat.png"] = body(PNG)
    with pytest.raises(UnsafeURLError, match="a loopback address"):
        fetch(host.url("/cat.png", host="localhost"), MediaPolicy.from_settings(None))
    with pytest.raises(UnsafeURLError, match="a loopback address"):
        await afetch(host.url("/cat.png", host="localhost"), MediaPolicy.from_settings(None))
    assert host.seen == []


def test_allow_private_urls_lets_loopback_through(host: MediaHost) -> None:
    host.routes["/cat.png"] = body(PNG)
    policy = MediaPolicy(allowed_dirs=(), allow_private_urls=True)
    assert fetch(host.url("/cat.png", host="localhost"), policy) == PNG


@pytest.mark.parametrize("url", ["ftp://example.com/a.png", "file:///etc/passwd", "gopher://x/"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="only http"):
        fetch(url, MediaPolicy.from_settings(None))


def test_credentials_in_urls_are_refused() -> None:
    with pytest.raises(UnsafeURLError, match="credentials"):
        fetch("http://user:pw@127.0.0.1/x.png", MediaPolicy(allowed_dirs=(), allow_private_urls=True))


@pytest.mark.parametrize("declare_length", [True, False])
@pytest.mark.parametrize("use_async", [False, True])
async def test_oversize_bodies_are_refused(host: MediaHost, declare_length: bool, use_async: bool) -> None:
    host.routes["/big.png"] = body(PNG + bytes(5000), declare_length=declare_length)
    policy = trusting(host, max_bytes=1000)
    with pytest.raises(MediaTooLargeError):
        if use_async:
            await afetch(host.url("/big.png"), policy)
        else:
            fetch(host.url("/big.png"), policy)


@pytest.mark.parametrize("use_async", [False, True])
async def test_a_stalled_server_times_out(host: MediaHost, use_async: bool) -> None:
    release = threading.Event()
    host.routes["/slow.png"] = stall(release)
    policy = trusting(host, fetch_timeout=0.3)
    try:
        with pytest.raises(MediaFetchError, match=r"ReadTimeout|longer than"):
            if use_async:
                await afetch(host.url("/slow.png"), policy)
            else:
                fetch(host.url("/slow.png"), policy)
    finally:
        release.set()


def test_http_errors_are_fetch_errors(host: MediaHost) -> None:
    with pytest.raises(MediaFetchError, match="HTTP 404"):
        fetch(host.url("/missing.png"), trusting(host))


def test_fetched_text_is_not_an_image(host: MediaHost) -> None:
    host.routes["/fake.png"] = body(b"<html>not an image</html>", content_type="image/png")
    source = parse_media(host.url("/fake.png"), "image")
    with pytest.raises(UnsupportedMediaError):
        source.load(trusting(host))


def test_no_proxy_or_token_is_sent(host: MediaHost, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, str] = {}

    def record(handler: BaseHTTPRequestHandler) -> None:
        seen.update({k.lower(): v for k, v in handler.headers.items()})
        body(PNG)(handler)

    host.routes["/cat.png"] = record
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a proxy used would refuse the connection
    monkeypatch.setenv("HF_TOKEN", "hf_should_never_leave")
    assert fetch(host.url("/cat.png"), trusting(host)) == PNG
    assert "authorization" not in seen
    assert seen["host"] == f"127.0.0.1:{host.port}"
