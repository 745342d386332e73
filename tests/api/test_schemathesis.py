"""Property-based: schemathesis draws requests from /api/v1/openapi.json and sends them
through the WSGI app with each kind of person's token; no answer may be a
server error or break the document (status, content type, body schema)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Examples per operation and generation mode, for each kind of token: small, so the twelve
#: runs (six kinds, two databases) take under two minutes together; the draws are random,
#: so every run of the suite tries new ones. Managers reach every view's body; the others
#: are refused most operations before their input is read, so fewer examples find what
#: there is to find.
EXAMPLES = {"admin": 4, "regional": 4, "national": 2, "assessor": 2, "shopper": 2, "staff": 2}


@pytest.mark.parametrize("who", sorted(EXAMPLES))
def test_the_api_keeps_to_its_description(app, world, who):
    app.config["API_RATE_LIMIT"] = 100_000
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # identity: the WSGI test transport does not undo the app's gzip as HTTP clients do
    headers = {"Authorization": f"Bearer {world.tokens[who]}", "Accept-Encoding": "identity"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    strategies = [
        operation.as_strategy(generation_mode=mode)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES[who] * len(strategies),
        deadline=None,
        database=None,
        # CI draws the same examples every run, so its verdict can be reproduced with
        # CI=true; elsewhere each run draws anew and keeps exploring.
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
