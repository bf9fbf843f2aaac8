"""A Ray cluster of several nodes on this machine, as a user runs one, for tests and benchmarks.

Each node is ``ray start --block`` (the head with ``--head``, the others with ``--address``) in a
temp dir of the cluster's own, with one CPU and a custom resource that names it (``node_0``,
``node_1``... or the names given), every port picked free (Ray's defaults, 10001 and 8265, may
belong to another Ray on the machine) and token authentication with a fresh token (``~/.ray``
untouched). :meth:`LocalRayCluster.stop` sends SIGTERM to the ``ray start`` processes (Ray then
stops every process it started for the node) and SIGKILLs whatever still names the temp dir: only
the cluster's own processes, never another Ray on the machine.

Example:
    >>> cluster = LocalRayCluster(pythonpath="/src")
    >>> cluster.env["RAY_AUTH_MODE"], cluster.address.startswith("127.0.0.1:")
    ('token', True)
    >>> cluster.stop()  # nothing started: removes its temp dir

"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from hf_tools.testing.chroma_server import free_port

__all__ = ["LocalRayCluster"]

_WAIT_FOR_NODES = """
import sys, time, ray
ray.init(address=sys.argv[1], log_to_driver=False, logging_level="WARNING")
deadline = time.monotonic() + float(sys.argv[3])
while len([n for n in ray.nodes() if n["Alive"]]) < int(sys.argv[2]):
    if time.monotonic() > deadline:
        sys.exit("the cluster did not have all its nodes in time")
    time.sleep(0.2)
"""


class LocalRayCluster:
    """Ray nodes on this machine (see the module's docstring); a context manager that stops them.

    Args:
        pythonpath: ``PYTHONPATH`` of the nodes' workers and of the drivers :meth:`run` starts
            (which checkout of hf_tools they import).
        prefix: the temp dir's name prefix (kept short: Ray's Unix socket paths live under it).
        env: more environment for every node and driver.

    Attributes:
        address: the head's GCS address (``127.0.0.1:PORT``), for ``init_ray(address)``.
        env: the environment of the nodes and drivers (token authentication on, usage stats off).
        temp_dir: the cluster's own temp dir (Ray's ``--temp-dir``; node logs as ``NAME.log``).

    Example:
        >>> with LocalRayCluster() as cluster:  # add_node() starts the head, then each other node
        ...     cluster.names, cluster.temp_dir.is_dir()
        ([], True)
        >>> cluster.temp_dir.exists()  # stopped: its processes and its temp dir are gone
        False

    """

    def __init__(
        self, *, pythonpath: str | None = None, prefix: str = "hfray-", env: Mapping[str, str] | None = None
    ) -> None:
        self.temp_dir = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        base = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        # token authentication (Ray's default for a new cluster) with a token of its own
        base |= {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32), "RAY_USAGE_STATS_ENABLED": "0"}
        # SIGTERM stops a node at once (Ray's default drains for up to 30 s, e.g. for Ray Data's stats actor)
        base |= {"RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0", "HF_HUB_DISABLE_TELEMETRY": "1"}
        if pythonpath is not None:
            base["PYTHONPATH"] = pythonpath
        self.env: dict[str, str] = {**base, **dict(env or {})}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.names: list[str] = []

    def __enter__(self) -> LocalRayCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_node(self, name: str | None = None, *, env: Mapping[str, str] | None = None, timeout: float = 120) -> str:
        """Start the head (first call) or one more node; its resource name.

        Args:
            name: the node's custom resource (default ``node_<n>``).
            env: more environment for this node's processes (its workers read it).
            timeout: seconds the head may take to listen.

        """
        name = name or f"node_{len(self.procs)}"
        ray = str(Path(sys.executable).parent / "ray")
        cmd = [ray, "start", "--block", "--num-cpus=1", "--disable-usage-stats", f"--temp-dir={self.temp_dir}"]
        cmd += [f"--resources={json.dumps({name: 1})}"]
        ports = ["--dashboard-agent-listen-port", "--runtime-env-agent-port", "--metrics-export-port"]
        cmd += [f"{flag}={free_port()}" for flag in ports]
        head = not self.procs
        if head:
            cmd += ["--head", f"--port={self.port}", "--include-dashboard=false"]
            cmd += [f"--ray-client-server-port={free_port()}", f"--dashboard-port={free_port()}"]
        else:
            cmd += [f"--address={self.address}"]
        with (self.temp_dir / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                cmd, env={**self.env, **dict(env or {})}, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.procs.append(proc)
        self.names.append(name)
        if head:
            self._wait_for_port(proc, timeout)
        return name

    def _wait_for_port(self, proc: subprocess.Popen[bytes], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"ray start exited with {proc.returncode}: {self.logs()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"the Ray head did not listen on {self.port} within {timeout} s")

    def wait_for_nodes(self, count: int | None = None, timeout: float = 120) -> None:
        """Return once the cluster has ``count`` live nodes (default: every node started)."""
        count = len(self.procs) if count is None else count
        self.run(_WAIT_FOR_NODES, self.address, str(count), str(timeout), timeout=timeout + 60, check=True)

    def run(
        self,
        program: str,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        timeout: float = 600,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``program`` (Python source) as a fresh driver process with the cluster's environment.

        It runs in the cluster's temp dir unless ``cwd`` is given (not the checkout: ``PYTHONPATH``
        says which hf_tools it imports); ``check`` raises with its stderr when it fails.
        """
        done = subprocess.run(
            [sys.executable, "-c", program, *args],
            env={**self.env, **dict(env or {})},
            cwd=cwd or self.temp_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        return done

    def logs(self) -> str:
        """The last lines of every node's ``ray start`` output."""
        return "\n".join(
            (self.temp_dir / f"{name}.log").read_text(errors="replace")[-2000:]
            for name in self.names
            if (self.temp_dir / f"{name}.log").exists()
        )

    def worker_logs(self) -> dict[str, str]:
        """``{file name: text}`` of the stderr of every worker of every node (``worker-*.err``)."""
        files = {p.resolve() for p in self.temp_dir.glob("session_*/logs/worker-*.err")}
        return {p.name: p.read_text(errors="replace") for p in sorted(files)}

    def stop(self) -> None:
        """Stop every node, then whatever still names the temp dir; remove the temp dir."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in self._own_pids():
            with contextlib.suppress(ProcessLookupError):  # gone since it was listed
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def _own_pids(self) -> list[int]:
        """Processes whose command line names this cluster's temp dir (its raylets, GCS, workers...)."""
        mine = str(self.temp_dir).encode()
        pids: list[int] = []
        if not Path("/proc").is_dir():
            return pids
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if mine in (entry / "cmdline").read_bytes():
                        pids.append(int(entry.name))
                except OSError:
                    continue
        return [pid for pid in pids if pid != os.getpid()]
