"""The daily ``retention`` job: what ``flask --app wsgi retention apply`` does, as a task.

Kept beside :mod:`audit.jobs.daily` rather than in it: one job, its own module, named by
:data:`audit.jobs.schedule.SCHEDULE` like the others.
"""

from __future__ import annotations

from audit.privacy.retention import apply_retention as apply
from audit.storage import storage


def apply_retention() -> str:
    """Remove what is past the retention settings (each batch commits on its own)."""
    return apply(storage()).summary()
