"""Compile each template once per test process instead of once per app.

Every test makes a new app, and each app's Jinja environment parsed and compiled
every template it rendered anew: about a fifth of a typical page test's time
(tests/web/test_assignments.py, under cProfile). Jinja's bytecode cache keeps the
compiled code of a template by its name and the checksum of its source, so a
changed template is compiled again; every test app has the same Jinja settings,
so their compiled templates are interchangeable. Used by ``make_app`` in
``tests/conftest.py``; the app itself is untouched.
"""

from __future__ import annotations

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates in a dict shared by every app of the test process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


SHARED = ProcessBytecodeCache()
