"""A random mix of server faults, scripted on a :class:`~hf_tools.testing.server.LoopbackServer`.

Each model gets a reproducible sequence of replies drawn from the mix (the normal answer for
the rest), consumed one per request, retries included: 503 "model is loading" with an
``estimated_time``, 429 with ``Retry-After``, dropped connections, malformed bodies and answers
slower than the client's timeout.

Example:
    >>> from hf_tools.testing import LoopbackServer
    >>> mix = FaultMix(loading=0.5, seed=1)
    >>> with LoopbackServer() as server:
    ...     counts = mix.script(server, ["facebook/bart-large-cnn"], requests=100)
    >>> counts["loading"] > 30, sum(counts.values())
    (True, 100)

"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hf_tools.testing.replies import Reply
from hf_tools.testing.server import LoopbackServer

__all__ = ["FaultMix"]


@dataclass(frozen=True)
class FaultMix:
    """Probabilities of each fault per request (the rest are normal answers).

    Attributes:
        loading: 503 with ``estimated_time`` = ``wait`` (a cold start).
        rate_limited: 429 with ``Retry-After`` = ``wait``.
        dropped: the connection closes without an answer.
        malformed: a 200 whose body is not JSON (never retried: the call fails).
        slow: the normal answer after ``slow_seconds`` (set it beyond the client's timeout).
        wait: seconds the server asks the client to wait on 503/429.
        slow_seconds: delay of a slow answer.
        seed: the random sequence (the same seed scripts the same faults).

    """

    loading: float = 0.0
    rate_limited: float = 0.0
    dropped: float = 0.0
    malformed: float = 0.0
    slow: float = 0.0
    wait: float = 0.05
    slow_seconds: float = 2.0
    seed: int = 0

    def _reply(self, draw: float) -> tuple[str, Reply]:
        kinds = (
            ("loading", self.loading, Reply.error(503, "Model is loading", estimated_time=self.wait)),
            ("rate_limited", self.rate_limited, Reply.error(429, "Rate limit reached", retry_after=self.wait)),
            ("dropped", self.dropped, Reply.dropped()),
            ("malformed", self.malformed, Reply.malformed()),
            ("slow", self.slow, Reply.slow(self.slow_seconds)),
        )
        edge = 0.0
        for name, probability, reply in kinds:
            edge += probability
            if draw < edge:
                return name, reply
        return "ok", Reply()

    def script(self, server: LoopbackServer, models: Iterable[str], requests: int) -> Counter[str]:
        """Queue ``requests`` replies drawn from the mix for each model; returns how many of each kind."""
        rng = random.Random(self.seed)
        counts: Counter[str] = Counter()
        for model in models:
            replies = []
            for _ in range(requests):
                kind, reply = self._reply(rng.random())
                counts[kind] += 1
                replies.append(reply)
            server.enqueue(model, *replies)
        return counts
