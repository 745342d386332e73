"""The app's Redis client: one per ``REDIS_URL`` and process, with timeouts.

redis-py waits forever by default: a Redis that accepts connections but does not answer
(overloaded, a failing network path) would hold a request, and the worker serving it,
for as long as it lasts. Every command here gives up after :data:`SOCKET_TIMEOUT`
seconds with :class:`redis.exceptions.RedisError`, which the caller turns into a
fallback or an answer that says so. Redis answers in well under a millisecond, so the
timeouts only ever end a wait that was never going to end well.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["CONNECT_TIMEOUT", "SOCKET_TIMEOUT", "redis_client"]

CONNECT_TIMEOUT = 1.0
SOCKET_TIMEOUT = 2.0


@lru_cache(maxsize=4)
def redis_client(url: str) -> Any:
    """A client (with its connection pool) for ``url``, shared by the process's threads."""
    from redis import Redis

    return Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=SOCKET_TIMEOUT
    )
