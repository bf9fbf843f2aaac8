"""What keeps the playground's server serving when clients misbehave or it is exposed.

Gradio's own ``launch()`` starts uvicorn with no limits; :func:`serve_page` mounts the page on a
FastAPI app (Gradio's ``mount_gradio_app``) and runs uvicorn itself, with the protections the MCP
server's HTTP transport has too (:mod:`hf_tools.listen_guard`, which needs neither the ``mcp`` SDK
nor Gradio):

* **File descriptors.** The soft ``RLIMIT_NOFILE`` is raised to the hard limit where allowed; open
  connections are capped below what is left, a connection over the cap is closed as soon as it is
  accepted, and one that starts no request within ``idle_timeout`` seconds is closed too. Idle
  connections can no longer starve the page of descriptors (which made every new visitor's
  connection fail until they went away, and they never did).
* **Request size.** A request body over ``max_body`` bytes is answered 413 (at once when its
  ``Content-Length`` says so, else as soon as that much has arrived); uploads are capped at the
  media guards' limit; headers over h11's 16 KiB, or bytes that are not HTTP, get a 4xx.
* **Credentials.** ``login`` puts the page behind Gradio's login form (``auth=``): without the
  session cookie the page is the login form and the API answers 401.

Example:
    >>> PageGuard(login=("me", "s3cret")).max_body == MAX_BODY
    True

"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hf_tools.listen_guard import (
    BodyLimit,
    connection_limits,
    guarded_protocol,
    listening_socket,
    open_descriptors,
    raise_fd_limit,
)

__all__ = ["PageGuard", "serve_page"]

MAX_BODY = 32 * 1024 * 1024
"""The largest request body: a 20 MiB medium as base64 (the media guards' limit) with room to spare."""


@dataclass(frozen=True)
class PageGuard:
    """How the page's server protects itself.

    Attributes:
        login: ``(user, password)`` visitors must log in with; None: no login form.
        max_connections: at most this many client connections at once (default: from the open-file limit).
        idle_timeout: seconds a new connection may take to start its first request.
        max_body: the largest request body in bytes.
        max_file_size: the largest upload in bytes (Gradio's ``max_file_size``).

    Example:
        >>> guard = PageGuard(login=("me", "s3cret"))
        >>> "s3cret" in repr(guard), guard.idle_timeout
        (False, 10.0)

    """

    login: tuple[str, str] | None = field(default=None, repr=False)
    max_connections: int | None = None
    idle_timeout: float = 10.0
    max_body: int = MAX_BODY
    max_file_size: int = 20 * 1024 * 1024


def serve_page(
    blocks: Any,
    host: str,
    port: int,
    guard: PageGuard,
    *,
    ready: Callable[[str], None] | None = None,
    **mount_options: Any,
) -> None:
    """Serve the Gradio ``blocks`` at ``host:port`` (0: a free port) until interrupted.

    Args:
        blocks: the page (its queue already configured).
        host: the address to bind.
        port: the port to bind; 0 picks a free one.
        guard: the login and the limits.
        ready: called with the page's URL once the server accepts connections.
        **mount_options: more keyword arguments of ``gradio.mount_gradio_app`` (``css``, ``theme``,
            ``allowed_paths``, ...).

    """
    import gradio as gr
    import uvicorn
    from fastapi import FastAPI

    limits = connection_limits(raise_fd_limit(), open_descriptors(), guard.max_connections)
    sock = listening_socket(host, port, backlog=limits.accept_burst)
    bound = sock.getsockname()[1]
    outer = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    gr.mount_gradio_app(
        outer,
        blocks,
        path="/",
        server_name=host,
        server_port=bound,
        auth=guard.login,
        max_file_size=guard.max_file_size,
        **mount_options,
    )
    config = uvicorn.Config(
        BodyLimit(outer, guard.max_body),
        log_level="warning",
        access_log=False,
        lifespan="on",
        http=guarded_protocol(limits.max_connections, guard.idle_timeout),
        backlog=limits.accept_burst,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="hf-tools-playground")
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise OSError(f"the playground's server did not start on {host}:{bound}")
            thread.join(0.05)
        if ready is not None:
            shown = f"[{host}]" if ":" in host else host
            ready(f"http://{shown}:{bound}/")
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
