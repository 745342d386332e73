"""Operations: what an operator running several workers and hosts needs to see.

- :mod:`.routes`: ``/healthz``, ``/readyz`` (:mod:`.readiness`) and ``/metrics``
  (:mod:`.exposition`, the instruments of :mod:`audit.metrics`);
- :mod:`.observe`: every request timed into the latency histogram and logged as one
  line to ``audit.requests``, in the format :mod:`.logs` chose (JSON in production);
- :mod:`.counting`: submitted visits counted from the audit trail after commit.

What jobs count (report jobs, mail failures) and the queue depth are read from Redis
when ``REDIS_URL`` is set, since the RQ workers that count them may be on other hosts
(:mod:`audit.metrics`, :mod:`.exposition`).

The request id itself (``X-Request-Id`` in and out) is :mod:`audit.web.request_id`'s.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def register(app: Flask) -> None:
    """The app factory's step: the endpoints, the request observer and the counters."""
    from audit.ops import observe
    from audit.ops.counting import register_counting_hooks
    from audit.ops.routes import bp

    folder = app.config.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:  # prometheus_client writes there on the first count and will not make it
        Path(folder).mkdir(parents=True, exist_ok=True)
    app.register_blueprint(bp)
    observe.register(app)
    register_counting_hooks()
