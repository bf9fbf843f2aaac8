"""Start `hf-tools playground` in its own process, as a user does, and stop it (for the playground tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

STARTUP_S = 90


@dataclass
class Playground:
    process: subprocess.Popen[str]
    url: str  # through 127.0.0.1, whatever address it binds
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].strip("/"))


def start(*args: str, env: dict[str, str] | None = None, preexec_fn: Callable[[], None] | None = None) -> Playground:
    """Start `hf-tools playground ARGS` (stdout and stderr together) and wait for its URL."""
    base = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE")}
    base.pop("HF_TOOLS_PLAYGROUND_AUTH", None)
    base.update(HF_HUB_DISABLE_TELEMETRY="1", GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", **(env or {}))
    process = subprocess.Popen(
        [sys.executable, "-m", "hf_tools.cli", "playground", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=base,
        preexec_fn=preexec_fn,
    )
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "hf-tools playground: http://" in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(STARTUP_S):
        stop(Playground(process, ""))
        raise AssertionError(f"the playground did not start: {''.join(lines)[-2000:]}")
    url = re.search(r"hf-tools playground: (http://\S+)", "".join(lines))
    assert url is not None
    return Playground(process, re.sub(r"//[^/]+:", "//127.0.0.1:", url.group(1)), lines)


def stop(playground: Playground) -> None:
    playground.process.terminate()
    try:
        playground.process.wait(10)
    except subprocess.TimeoutExpired:
        playground.process.kill()
        playground.process.wait(10)
