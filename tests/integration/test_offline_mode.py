"""HF_HUB_OFFLINE=1 makes huggingface_hub refuse every request (127.0.0.1 too): one clear error, no retries.

Checked with huggingface_hub 1.x and 2.x: the refusal comes from the hub's HTTP session hook,
whatever the URL, so a ``base_url`` on 127.0.0.1 cannot be called either; the error says so.
The variable is read when huggingface_hub is imported, so each case runs in a fresh process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = textwrap.dedent(
    """
    import asyncio, json, logging, sys
    import hf_tools
    from hf_tools.errors import HFOfflineModeError
    from hf_tools.testing import LoopbackServer

    retries = []
    logging.getLogger("hf_tools").addHandler(type("H", (logging.Handler,), {"emit": lambda s, r: retries.append(r)})())
    out = {}
    with LoopbackServer() as server:
        runnable = hf_tools.runnable("summarization", base_url=server.base_url, max_retries=4, backoff_base=5)
        for name, call in [("sync", lambda: runnable.invoke("One. Two.")),
                           ("async", lambda: asyncio.run(runnable.ainvoke("One. Two.")))]:
            try:
                call()
                out[name] = "no error"
            except HFOfflineModeError as exc:
                out[name] = {"message": str(exc), "retryable": exc.is_retryable}
        out["requests"] = len(server.requests)
    out["retries"] = len(retries)
    print(json.dumps(out))
    """
)


def test_offline_mode_is_one_clear_error_and_never_retried() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ("sync", "async"):
        assert isinstance(out[name], dict), out
        assert "HF_HUB_OFFLINE" in out[name]["message"] and "127.0.0.1" in out[name]["message"]
        assert out[name]["retryable"] is False
    assert out["requests"] == 0 and out["retries"] == 0
