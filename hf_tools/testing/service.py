"""The one lifecycle every loopback test server shares: bind 127.0.0.1, serve in a thread, stop."""

from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

__all__ = ["LoopbackService"]

S = TypeVar("S", bound="LoopbackService")


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 resets connections under a concurrent batch
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up (fault tests do it on purpose); report the rest."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class LoopbackService:
    """An HTTP server on 127.0.0.1 (port 0 picks a free one), served from a daemon thread.

    Subclasses pass their request handler class; use them as context managers.

    Example:
        >>> from http.server import BaseHTTPRequestHandler
        >>> with LoopbackService(BaseHTTPRequestHandler) as service:
        ...     service.url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self._httpd = _Server(("127.0.0.1", port), handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self: S) -> S:
        """Serve in a daemon thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name=type(self).__name__,
            )
            self._thread.start()
        return self

    def serve_until_interrupted(self, *announce: str) -> None:
        """Print ``announce`` (a line each), then block (the service answers on its thread) until Ctrl-C,
        then stop: a server run as a program. A Ctrl-C while the lines are printed stops it the same way
        (a client that read the first line may interrupt the server at once).
        """
        try:
            for line in announce:
                print(line, flush=True)
            while True:
                # short naps: the kernel may hand SIGINT to the serving thread, and Python raises
                # KeyboardInterrupt in the main thread only when it next wakes (a one-hour sleep
                # never did)
                time.sleep(0.2)
        except KeyboardInterrupt:
            self.stop()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
