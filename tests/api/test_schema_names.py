"""Every schema of the OpenAPI document is one model class.

spectree names a component by its model's ``__name__`` (``naming_strategy`` in
``audit/api/spec.py``) and keeps one schema per name, silently: two models called
``Summary`` in two ``*_schemas.py`` modules would leave the document describing one of
them for both, and the other operation's answers would be checked against the wrong
shape. So the models (and enums) the API's modules use, with everything their fields
reach, must have distinct names, and each component must be the class of its name.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import typing
from collections import defaultdict
from collections.abc import Iterable, Iterator

from pydantic import BaseModel

import audit.api

Schema = type[BaseModel] | type[enum.Enum]


def _is_schema(value: object) -> bool:
    return inspect.isclass(value) and (
        (issubclass(value, BaseModel) and value is not BaseModel) or issubclass(value, enum.Enum)
    )


def _types_in(annotation: object) -> Iterator[object]:
    yield annotation
    for argument in typing.get_args(annotation):
        yield from _types_in(argument)


def _field_schemas(schema: Schema) -> list[Schema]:
    if not issubclass(schema, BaseModel):
        return []
    fields = schema.model_fields.values()
    return [t for info in fields for t in _types_in(info.annotation) if _is_schema(t)]


def reachable(roots: Iterable[Schema]) -> set[Schema]:
    """``roots`` and every model or enum their fields name, however deep."""
    found: set[Schema] = set()
    todo = list(roots)
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.add(model)
        todo += _field_schemas(model)
    return found


def api_schemas() -> set[Schema]:
    """The models and enums of every module of ``audit.api`` (routes and schemas, defined
    there or imported), and what they reach. A private base (``_Input``) is left out
    unless a field names it: it never becomes a component of its own."""
    roots: set[Schema] = set()
    for module in pkgutil.iter_modules(audit.api.__path__):
        namespace = vars(importlib.import_module(f"audit.api.{module.name}"))
        roots |= {v for v in namespace.values() if _is_schema(v)}
    used = reachable(roots)
    named_by_a_field = reachable({f for root in roots for f in _field_schemas(root)})
    return {s for s in used if not s.__name__.startswith("_") or s in named_by_a_field}


def clashes(schemas: Iterable[Schema]) -> dict[str, list[str]]:
    """Each name that more than one class bears, with the classes' qualified names."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for schema in schemas:
        by_name[schema.__name__].append(f"{schema.__module__}.{schema.__qualname__}")
    return {name: sorted(where) for name, where in by_name.items() if len(where) > 1}


def test_no_two_api_schemas_share_a_name():
    assert clashes(api_schemas()) == {}


def test_the_check_catches_a_clash():
    first = type("Summary", (BaseModel,), {"__annotations__": {"a": int}})
    second = type("Summary", (BaseModel,), {"__annotations__": {"b": int}})
    holder = type("Holder", (BaseModel,), {"__annotations__": {"s": list[second]}})
    assert list(clashes(reachable([first, holder]))) == ["Summary"]


def test_each_component_is_the_class_of_its_name(client):
    components = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert len(components) > 50  # every resource's models, not an empty document
    by_name = {schema.__name__: schema for schema in api_schemas()}
    missing = sorted(set(components) - set(by_name))
    assert missing == [], f"components made from no model of audit.api: {missing}"
    for name, component in components.items():
        schema = by_name[name]
        if issubclass(schema, enum.Enum):
            assert sorted(component["enum"]) == sorted(m.value for m in schema), name
        else:
            fields = {info.alias or field for field, info in schema.model_fields.items()}
            assert set(component.get("properties", {})) == fields, name
