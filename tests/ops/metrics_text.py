"""Reading /metrics in tests: every sample by name and labels."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset], float]


def samples(client: Any) -> Samples:
    """Every sample of /metrics (read from loopback) by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when it is not there (a counter not counted yet)."""
    return found.get((name, frozenset(labels.items())), 0.0)
