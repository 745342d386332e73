"""The API's schemas and its OpenAPI 3.1 document, from one declaration per view.

The library is **spectree** (with pydantic v2): a view declares its query, body and
answers once (``@api_spec.validate(...)``); spectree validates what comes in, checks
and serialises what goes out, and writes the OpenAPI 3.1 document from the same
declarations, in JSON Schema 2020-12 as pydantic emits it. Chosen over flask-openapi3
and APIFlask because it decorates the plain Flask views of an ordinary blueprint (both
of those want their own ``Flask`` subclass as the app, which this app factory is not)
and over flask-smorest because that registers app-wide error handlers and writes
marshmallow schemas as OpenAPI 3.0. Its own documentation pages load their scripts from
a CDN, so the reference page is ours (``docs_routes.py``).
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel
from spectree import Response, SpecTree
from spectree.plugins.flask_plugin import FlaskPlugin

from audit.api.problems import MEDIA_TYPE, from_pydantic
from audit.api.schemas import Problem

TITLE = "Service Audit API"
DESCRIPTION = (
    "Regions, branches and staff of the organisation, with the same access rules as the "
    "web pages. Send `Authorization: Bearer TOKEN` (make a token on your account page or "
    "with `flask --app wsgi tokens create`). Errors are `application/problem+json`; "
    "lists page with `cursor`; reads carry an `ETag`; creates accept `Idempotency-Key`; "
    "every answer says what is left of the rate limit in `RateLimit-*` headers."
)

#: What every authenticated operation may answer besides its own codes.
COMMON_PROBLEMS = (401, 403, 429)


def _refuse_invalid(
    req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any
) -> None:
    """spectree's hook after validating a request: refused input is a 422 problem."""
    if error is not None:
        raise from_pydantic(error)


class ResponseBreaksSchema(RuntimeError):
    """A view answered something its own declaration does not allow: a bug, logged and
    answered as a 500 problem like any other."""


def _check_answer(
    req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any
) -> None:
    """spectree's hook after checking an answer against its schema."""
    if error is not None:
        raise ResponseBreaksSchema(str(error))


class _FlaskPlugin(FlaskPlugin):
    """spectree's Flask plugin, reading only the form parts that have a name.

    werkzeug keys a multipart part whose name it cannot parse as ``None``; spectree echoes
    the form in its validation errors and Flask sorts keys when it writes JSON, so a
    ``None`` beside strings turned a refusal into a 500. Such parts cannot be any field
    of ours, so they are left out before validation.
    """

    def fill_form(self, request: Any) -> dict:
        return {
            name: value
            for name, value in super().fill_form(request).items()
            if isinstance(name, str)
        }


api_spec = SpecTree(
    "flask",
    backend=_FlaskPlugin,
    mode="strict",
    title=TITLE,
    description=DESCRIPTION,
    version="1",
    before=_refuse_invalid,
    after=_check_answer,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


def responses(status: int, model: type[BaseModel] | None, *problems: int) -> Response:
    """The answers of one operation: its success, its own problems and the common ones."""
    codes: dict[str, Any] = {f"HTTP_{status}": model}
    for code in sorted({*problems, *COMMON_PROBLEMS}):
        codes[f"HTTP_{code}"] = Problem
    return Response(**codes)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared view (call within the app)."""
    document = copy.deepcopy(api_spec.spec)
    document["servers"] = [{"url": "/"}]
    components = document.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made on the account page or by the CLI.",
        }
    }
    document["security"] = [{"bearer": []}]
    problem_ref = "#/components/schemas/Problem"
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for answer in operation.get("responses", {}).values():
                content = answer.get("content", {})
                json_body = content.get("application/json")
                if json_body and json_body.get("schema", {}).get("$ref") == problem_ref:
                    answer["content"] = {MEDIA_TYPE: {"schema": {"$ref": problem_ref}}}
    return document
