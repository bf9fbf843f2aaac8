"""Offline testing support: a loopback Inference API server and a pytest fixture.

Example:
    >>> from hf_tools.testing import LoopbackServer
    >>> with LoopbackServer() as server:
    ...     server.url.startswith("http://127.0.0.1:")
    True

"""

from hf_tools.testing.replies import RecordedRequest, Reply
from hf_tools.testing.server import LoopbackServer

__all__ = ["LoopbackServer", "RecordedRequest", "Reply"]
