"""Settings an administrator can change at run time, with their defaults and limits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from audit.extensions import db
from audit.models import Setting, User, record_event


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    help: str
    default: int
    minimum: int
    maximum: int


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "shopper_lockout_days",
        "Shopper lockout (days)",
        "A shopper is not sent to the same branch again within this many days, unless a "
        "manager overrides it knowingly.",
        90,
        0,
        730,
    ),
    SettingSpec(
        "min_visits_to_rank",
        "Visits needed to rank",
        "Branches and staff with fewer visits in a period are listed but not ranked.",
        3,
        1,
        100,
    ),
    SettingSpec(
        "recurring_failure_visits",
        "Recurring failure threshold (visits)",
        "A question failed on at least this many visits of a branch in a period proposes a "
        "corrective action.",
        3,
        2,
        100,
    ),
    SettingSpec(
        "appeal_window_days",
        "Appeal window (days)",
        "How long after publication a visit's answers may be appealed.",
        14,
        0,
        365,
    ),
)
BY_KEY = {spec.key: spec for spec in SPECS}


def get_setting(key: str) -> int:
    spec = BY_KEY[key]
    value = db.session.scalar(select(Setting.value).where(Setting.key == key))
    return spec.default if value is None else int(value)


def all_settings() -> dict[str, int]:
    stored = dict(db.session.execute(select(Setting.key, Setting.value)).all())
    return {spec.key: int(stored.get(spec.key, spec.default)) for spec in SPECS}


def set_setting(key: str, value: int, actor: User | None) -> None:
    spec = BY_KEY[key]
    if not spec.minimum <= value <= spec.maximum:
        raise ValueError(f"{spec.label} must be between {spec.minimum} and {spec.maximum}")
    row = db.session.get(Setting, key)
    _store(key, value, spec.default if row is None else row.value, actor)


def _store(key: str, value: object, old: object, actor: User | None) -> None:
    """Keep ``value`` under ``key``; when a person changed it, say so in the audit trail."""
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value, updated_by=actor))
    else:
        row.value, row.updated_by = value, actor
    if actor is not None and old != value:
        record_event(actor, "setting.changed", actor, key=key, old=old, new=value)


# --- the main scorecard: a slug, not a number ----------------------------------------

#: The scorecard reports open on; unset, the reports choose one (audit.dashboards.pages).
MAIN_SCORECARD = "main_scorecard"


def get_main_scorecard() -> str | None:
    """The slug an administrator chose as the main scorecard, or None (choose automatically)."""
    value = db.session.scalar(select(Setting.value).where(Setting.key == MAIN_SCORECARD))
    return value if isinstance(value, str) and value else None


def set_main_scorecard(slug: str | None, actor: User | None) -> None:
    """Choose the main scorecard (None: choose automatically); the caller checks the slug."""
    _store(MAIN_SCORECARD, slug, get_main_scorecard(), actor)
