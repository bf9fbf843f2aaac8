"""Start or join Ray: a local Ray on this machine by default, a cluster given an address.

``init_ray()`` is what :func:`~hf_tools.ray.map_task` and :func:`~hf_tools.ray.ingest_files_ray`
call; call it yourself first to choose the address, the CPUs of a local Ray or a ``runtime_env``
(e.g. ``{"env_vars": {"HF_TOKEN": ...}}`` when the cluster's nodes do not have the token).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from hf_tools.errors import HFInputError

__all__ = ["init_ray", "ray_data_context"]


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
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

    Args:
        address: a cluster (``ray://head:10001`` or ``head:6379``); without one ``RAY_ADDRESS`` is
            used, and without that a local Ray starts on this machine.
        num_cpus: CPUs of a local Ray (all of them by default); ignored when joining a cluster.
        **kwargs: more ``ray.init`` arguments (``runtime_env``, ``namespace``, ...).

    Does nothing when Ray is already initialised in this process. A local Ray runs with token
    authentication, Ray's own default; its notice that it did so is not printed.
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


def ray_data_context(*, progress: bool) -> Any:
    """Ray Data's context for this driver: Ray's own progress bars on or off, quiet logs otherwise."""
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = progress
    ctx.print_on_execution_start = progress
    if not progress:
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    return ctx
