"""Start or join Ray: a local Ray on this machine by default, a cluster given an address.

``init_ray()`` is what :func:`~hf_tools.ray.map_task` and :func:`~hf_tools.ray.ingest_files_ray`
call; call it yourself first to choose the address, the CPUs of a local Ray or a ``runtime_env``
(e.g. ``{"env_vars": {"HF_TOKEN": ...}}`` when the cluster's nodes do not have the token).

Attaching to a running cluster costs what Ray itself costs (``import ray`` and the connection,
about 0.4 s here; the job's first worker process, about 0.6 s more, when its first task runs):
this module imports nothing else. Ray Data (pandas, pyarrow: about 0.6 s) is imported by
:func:`ray_data_context`, :func:`~hf_tools.ray.map_task` and :func:`~hf_tools.ray.ingest_files_ray`,
the callers that use it, and ``hf_tools.errors`` (LangChain: about 0.5 s) only when Ray is missing.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

__all__ = ["init_ray", "ray_data", "ray_data_context"]


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        from hf_tools.errors import HFInputError

        raise HFInputError("Ray is not installed: pip install 'hf-tools[ray]'") from exc
    return ray


class _DropAuthNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Token authentication is enabled for this Ray cluster")


@contextlib.contextmanager
def _without_auth_notice() -> Iterator[None]:
    notices = logging.getLogger("ray._private.authentication.authentication_token_setup")
    drop = _DropAuthNotice()
    notices.addFilter(drop)
    try:
        yield
    finally:
        notices.removeFilter(drop)


def init_ray(address: str | None = None, *, num_cpus: int | None = None, **kwargs: Any) -> Any:
    """Connect to Ray once per process and return the ``ray`` module.

    Does nothing when Ray is already initialised in this process. Attaching imports Ray and
    connects, nothing more (not Ray Data, which ``map_task`` and ``ingest_files_ray`` import when
    they run), with Ray's log streaming to this driver off. A local Ray runs with token
    authentication, Ray's own default; its notice that it did so is not printed.

    Joining a cluster started with token authentication (``ray start --head`` does when a token
    exists) needs ``RAY_AUTH_MODE=token`` and the cluster's token (``~/.ray/auth_token`` or
    ``RAY_AUTH_TOKEN``) in this process's environment: Ray sends a token to an address it was
    given only when told to, and without it retries for about 20 s before it fails.

    Args:
        address: a cluster: ``head:6379``, the GCS address ``ray start --head`` prints (from a
            machine that is itself a node of the cluster), or ``ray://head:10001`` through Ray
            Client (from anywhere); without one ``RAY_ADDRESS`` is used, and without that a local
            Ray starts on this machine.
        num_cpus: CPUs of a local Ray (all of them by default); ignored when joining a cluster.
        **kwargs: more ``ray.init`` arguments (``runtime_env``, ``namespace``, ...).

    Returns:
        The ``ray`` module, connected.

    Raises:
        HFInputError: Ray is not installed.

    Example:
        Join a running cluster (``ray start --head --port=6379`` on ``head``) and run one task::

            from hf_tools.ray import init_ray

            ray = init_ray("head:6379")

            @ray.remote(num_cpus=0)
            def node() -> str:
                return ray.get_runtime_context().get_node_id()

            print(ray.get(node.remote()))

    """
    ray = _import_ray()
    if ray.is_initialized():
        return ray
    address = address or os.environ.get("RAY_ADDRESS") or None
    options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING, **kwargs}
    if address:
        ray.init(address=address, **options)
    else:
        # Ray turns token authentication on for a new local cluster (good) and warns each time that it
        # did; the README says so once, the console need not.
        with _without_auth_notice():
            ray.init(num_cpus=num_cpus, include_dashboard=False, **options)
    return ray


def ray_data() -> Any:
    """The ``ray.data`` module, imported on first use (pandas and pyarrow come with it).

    Returns:
        ``ray.data`` (typed ``Any``: its stubs are stricter than the callables Ray Data accepts).

    Example:
        Build a dataset on a running Ray::

            from hf_tools.ray import init_ray
            from hf_tools.ray.runtime import ray_data

            init_ray()
            print(ray_data().from_items([{"text": "hi"}]).count())

    """
    import ray.data

    return ray.data


def ray_data_context(*, progress: bool) -> Any:
    """Ray Data's context for this driver: Ray's own progress bars on or off, quiet logs otherwise.

    Args:
        progress: show Ray Data's progress bars and its line at the start of each execution.

    Returns:
        The current ``ray.data.DataContext`` (imports Ray Data: pandas and pyarrow).

    Example:
        Quiet Ray Data for a batch job (no Ray needs to be running)::

            from hf_tools.ray.runtime import ray_data_context

            assert ray_data_context(progress=False).enable_progress_bars is False

    """
    ctx = ray_data().DataContext.get_current()
    ctx.enable_progress_bars = progress
    ctx.print_on_execution_start = progress
    if not progress:
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    return ctx
