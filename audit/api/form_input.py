"""Run an area's web form over a JSON body, so the API keeps the very rules of the pages
(unique codes, choices limited to the caller's regions, both coordinates or neither)
instead of a second copy of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from audit.api.problems import invalid


def as_formdata(values: Mapping[str, Any]) -> MultiDict:
    """What a browser would post for ``values`` (None: the field left blank)."""
    data = MultiDict()
    for name, value in values.items():
        if value is None:
            continue
        data[name] = repr(value) if isinstance(value, float) else str(value)
    return data


def validated(form: FlaskForm, api_names: Mapping[str, str]) -> FlaskForm:
    """``form`` once it validates; else a 422 problem naming each field as the API calls
    it (``api_names`` maps form field names, e.g. ``region`` → ``region_id``)."""
    if form.validate():
        return form
    errors = [
        {"field": api_names.get(name, name), "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]
    raise invalid(errors)


def form_kwargs() -> dict[str, Any]:
    """No CSRF token: the API is called with a bearer token, never a cookie."""
    return {"meta": {"csrf": False}}
