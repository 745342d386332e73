"""The API's description: the OpenAPI 3.1 document, and a reference page drawn from it on
the server (no script, nothing from a CDN, within the site's content security policy)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from werkzeug.wrappers import Response

from audit.access import public
from audit.api.blueprint import bp
from audit.api.spec import openapi_document

METHODS = ("get", "post", "put", "patch", "delete")


def _document() -> dict[str, Any]:
    """Built once per app: the views do not change while it runs."""
    document = current_app.extensions.get("api_openapi")
    if document is None:
        document = current_app.extensions["api_openapi"] = openapi_document()
    return document


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(_document())


def _schema_name(schema: dict[str, Any] | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation as the page lists it, grouped by tag in path order."""
    rows = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            answers = []
            for status, answer in sorted(op.get("responses", {}).items()):
                content = next(iter(answer.get("content", {}).values()), {})
                answers.append(
                    (status, answer.get("description", ""), _schema_name(content.get("schema")))
                )
            rows.append(
                {
                    "anchor": op.get("operationId") or f"{method}-{path}",
                    "method": method.upper(),
                    "path": path,
                    "tag": (op.get("tags") or ["other"])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": _schema_name(body.get("schema")),
                    "answers": answers,
                }
            )
    return rows


@bp.get("/docs")
@public
def docs() -> str:
    document = _document()
    return render_template(
        "api/docs.html",
        document=document,
        operations=_operations(document),
        schemas=document.get("components", {}).get("schemas", {}),
    )
