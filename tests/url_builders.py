"""Compile each URL rule's builder once per test process instead of once per app.

Every test makes a new app, and werkzeug compiles two Python functions per URL
rule when the rule is added (an AST built, then ``compile``): with some 260 rules
that was about 0.17 s of every app, nine in ten of ``create_app``'s time. The
function werkzeug makes depends only on the rule's parsed parts, its defaults
(the converted values of those inside the path, the names of the rest) and
whether unknown arguments are appended, so equal inputs give the same code:
reusing it changes no URL. Installed by ``tests/conftest.py``; the app itself is
untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_compile = Rule._compile_builder
_made: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


def _key(rule: Rule, append_unknown: bool) -> tuple[Any, ...]:
    defaults = rule.defaults or {}
    in_path = {name for dynamic, name in rule._trace if dynamic}
    return (
        append_unknown,
        tuple(rule._trace),
        tuple(
            (name, rule._converters[name].to_url(value) if name in in_path else None)
            for name, value in defaults.items()
        ),
    )


def _compile_builder_once(self: Rule, append_unknown: bool = True) -> Callable[..., Any]:
    key = _key(self, append_unknown)
    builder = _made.get(key)
    if builder is None:
        builder = _made[key] = _compile(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _compile_builder_once  # type: ignore[method-assign]
