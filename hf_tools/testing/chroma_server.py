"""A real Chroma server (``chroma run`` from the chromadb package) on 127.0.0.1, for tests and benchmarks.

It runs in its own process with a data folder of its own; :meth:`ChromaServer.kill` stops it
at once (like a crash) and :meth:`ChromaServer.start` brings it back on the same port and data,
so tests can kill a server mid-ingest and resume.

Example (not run here: starting the server takes a few seconds)::

    with ChromaServer(tmp_path / "chroma") as server:
        store = chroma_store(embedder, url=server.url)

"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

__all__ = ["ChromaServer", "free_port"]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chroma_exe() -> str:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else (shutil.which("chroma") or "chroma")


class ChromaServer:
    """``chroma run --path FOLDER/data --host 127.0.0.1 --port PORT`` in a child process.

    Args:
        folder: where the data and the server's log go.
        port: 0 picks a free port (kept across restarts).
        startup_timeout: seconds to wait for the heartbeat.

    """

    def __init__(self, folder: str | Path, port: int = 0, *, startup_timeout: float = 60.0) -> None:
        self.folder = Path(folder)
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    def _alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def start(self) -> ChromaServer:
        """Start the server and wait until it answers its heartbeat."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        command = [_chroma_exe(), "run", "--path", str(self.folder / "data"), "--host", "127.0.0.1"]
        self._proc = subprocess.Popen([*command, "--port", str(self.port)], stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while not self._alive():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"chroma server did not start: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """Stop the server at once (SIGKILL), as a crash would."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=10)
            self._proc = None
        self._close_log()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
            self._proc = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
