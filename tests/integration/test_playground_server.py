"""`hf-tools playground` as a server: a login when exposed, and serving on when clients misbehave.

Each test starts the playground in its own process exactly as a user does and talks to it
through 127.0.0.1 only: with plain HTTP for what a stranger sends, with Gradio's own client
(``gradio_client``) and the system Chromium (Playwright) for what a visitor does.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")
httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.slow

from playground_process import Playground, start, stop  # noqa: E402

EXAMPLE = "I love how simple this library is."
SHOWN = "POSITIVE (0.97), NEGATIVE (0.03)"


def classify(client: object) -> tuple[str, str]:
    """Run text-classification through Gradio's client: (the result, the route)."""
    out = client.predict(None, "auto", EXAMPLE, None, "", api_name="/text_classification")  # type: ignore[attr-defined]
    return out[1], out[2]


# -- exposed: a login ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exposed() -> Iterator[Playground]:
    playground = start("--demo", "--host", "0.0.0.0")
    yield playground
    stop(playground)
    assert "Traceback" not in playground.output, playground.output[-3000:]


def generated_password(playground: Playground) -> str:
    found = re.findall(r"generated login: user hf-tools, password (\S+)", playground.output)
    assert len(found) == 1, playground.output
    return str(found[0])


def test_an_exposed_playground_asks_for_the_generated_login(exposed: Playground) -> None:
    password = generated_password(exposed)
    assert "0.0.0.0 is reachable from other machines" in exposed.output and "Visitors must log in" in exposed.output
    assert httpx.get(exposed.url + "config", timeout=10).status_code == 401
    call = {"data": [None, "auto", EXAMPLE, None, ""]}
    assert httpx.post(exposed.url + "gradio_api/call/text_classification", json=call, timeout=10).status_code == 401
    join = {"data": [], "fn_index": 0, "session_hash": "stranger"}
    assert httpx.post(exposed.url + "gradio_api/queue/join", json=join, timeout=10).status_code == 401
    wrong = httpx.post(exposed.url + "login", data={"username": "hf-tools", "password": "guess"}, timeout=10)
    assert wrong.status_code == 400
    with pytest.raises(ValueError, match="Could not login"):
        gradio_client.Client(exposed.url, auth=("hf-tools", "guess"), verbose=False)

    client = gradio_client.Client(exposed.url, auth=("hf-tools", password), verbose=False)
    result, route = classify(client)
    assert result == SHOWN and "endpoint" in route
    assert exposed.output.count(password) == 1  # printed once, logged nowhere else


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no system chromium (scripts/install_browser.sh)")
def test_the_browser_shows_the_login_form_then_the_page(exposed: Playground) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    password = generated_password(exposed)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(exposed.url)
            page.get_by_label("username").fill("hf-tools")
            page.get_by_label("password").fill("wrong")
            page.get_by_role("button", name="Login").click()
            sync_api.expect(page.get_by_text("Incorrect Credentials")).to_be_visible()
            assert page.locator("#text_generation-run").count() == 0
            page.get_by_label("username").fill("hf-tools")
            page.get_by_label("password").fill(password)
            page.get_by_role("button", name="Login").click()
            page.locator("#text_generation-run").wait_for(timeout=30_000)
        finally:
            browser.close()


def test_a_login_from_the_environment_is_asked_for_and_never_printed() -> None:
    playground = start("--demo", "--host", "0.0.0.0", env={"HF_TOOLS_PLAYGROUND_AUTH": "ada:env-s3cret-Pw"})
    try:
        assert httpx.get(playground.url + "config", timeout=10).status_code == 401
        result, _ = classify(gradio_client.Client(playground.url, auth=("ada", "env-s3cret-Pw"), verbose=False))
        assert result == SHOWN
    finally:
        stop(playground)
    assert "generated login" not in playground.output and "env-s3cret-Pw" not in playground.output


def test_insecure_no_auth_says_what_it_does() -> None:
    playground = start("--demo", "--host", "0.0.0.0", "--insecure-no-auth")
    try:
        assert httpx.get(playground.url + "config", timeout=10).status_code == 200
        assert classify(gradio_client.Client(playground.url, verbose=False))[0] == SHOWN
    finally:
        stop(playground)
    assert "WITHOUT authentication (--insecure-no-auth)" in playground.output
    assert "generated login" not in playground.output


def test_a_malformed_auth_fails_in_one_line_without_repeating_it() -> None:
    env = {k: v for k, v in os.environ.items() if k != "HF_TOOLS_PLAYGROUND_AUTH"}
    done = subprocess.run(
        [sys.executable, "-m", "hf_tools.cli", "playground", "--auth", "no-colon-s3cret"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "hf-tools: HFInputError: --auth takes USER:PASSWORD (a user name, a colon, then the password)"
    ]
    assert "no-colon-s3cret" not in done.stderr + done.stdout


# -- misbehaving clients --------------------------------------------------------------------------


def _low_fd_limit() -> None:  # runs in the playground's process before it starts: soft and hard limit 256
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def _raw(port: int, data: bytes) -> bytes:
    """Send ``data`` on a new connection; what the server answers before it closes (or 5 s pass)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return answer


def test_idle_connections_and_huge_or_malformed_requests_do_not_stop_the_page() -> None:
    playground = start("--demo", "--idle-timeout", "1", preexec_fn=_low_fd_limit)
    url, port = playground.url, playground.port
    idle: list[socket.socket] = []
    try:
        assert _raw(port, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400")
        huge_header = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
        assert re.match(rb"HTTP/1.1 4\d\d", _raw(port, huge_header))
        said_huge = b"POST /gradio_api/queue/join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000000000\r\n\r\n{"
        assert _raw(port, said_huge).startswith(b"HTTP/1.1 413")
        body = b'{"data": ["' + b"x" * (40 * 1024 * 1024) + b'"], "fn_index": 0, "session_hash": "h"}'
        chunked = httpx.post(url + "gradio_api/queue/join", content=iter([body]), timeout=60)  # no Content-Length
        assert chunked.status_code == 413
        bad_json = httpx.post(url + "gradio_api/queue/join", content=b'{"data": [', timeout=10)
        assert bad_json.status_code == 422
        upload = httpx.post(url + "gradio_api/upload", files={"files": ("big.bin", b"\0" * (21 * 1024 * 1024))})
        assert upload.status_code in (400, 413), upload.text[:300]

        for _ in range(300):  # more connections than the playground's 256 descriptors
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(2.5)  # past the idle timeout
        assert playground.process.poll() is None, playground.output[-3000:]
        for sock in idle:  # the server closed every one: over the cap at once, the others when silent
            assert sock.recv(1) == b""
        result, route = classify(gradio_client.Client(url, verbose=False))
        assert result == SHOWN and "endpoint" in route
    finally:
        for sock in idle:
            sock.close()
        stop(playground)
    assert "Too many open files" not in playground.output and "Traceback" not in playground.output
