"""The operator's endpoints: ``/healthz``, ``/readyz`` and ``/metrics``.

- ``/healthz``: the process answers (a liveness probe: restart it when this fails).
  Touches nothing else, so a database outage does not get every worker restarted.
- ``/readyz``: the database, the file store and (when ``REDIS_URL`` is set) Redis
  answer: 200 ``{"status": "ok", "checks": {...}}``, else 503 with ``failed`` naming
  the parts and ``checks`` saying why (a readiness probe: take the host out of the
  load balancer, do not restart it).
- ``/metrics``: Prometheus text, to loopback or ``Authorization: Bearer METRICS_TOKEN``.

None of them needs a sign-in; none is ever cached.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from audit.access import public
from audit.ops import exposition, readiness

bp = Blueprint("ops", __name__)


@bp.after_request
def never_cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@public
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = readiness.check(app)
    return jsonify(result.as_json()), 200 if result.ready else 503


@bp.get("/metrics")
@public
def metrics() -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    refusal = exposition.refusal(request, app.config.get("METRICS_TOKEN"))
    if refusal is not None:
        status, headers = refusal
        words = "Sign in with the metrics token." if status == 401 else "Not from here."
        return Response(words + "\n", status=status, headers=headers, mimetype="text/plain")
    return Response(exposition.scrape(app), headers={"Content-Type": CONTENT_TYPE_LATEST})
