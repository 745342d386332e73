"""Settings an administrator can change at run time, with their defaults and limits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from audit.extensions import N_, db
from audit.models import Role, Setting, User, record_event


@dataclass(frozen=True)
class SettingSpec:
    """A whole-number setting. ``label`` and ``help`` are English, marked for the catalogue
    and translated where the settings page shows them (:mod:`audit.admin.forms`)."""

    key: str
    label: str
    help: str
    default: int
    minimum: int
    maximum: int
    #: May be left empty, which stores 0 (for the retention periods: keep forever).
    optional: bool = False


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "shopper_lockout_days",
        N_("Shopper lockout (days)"),
        N_(
            "A shopper is not sent to the same branch again within this many days, unless a "
            "manager overrides it knowingly."
        ),
        90,
        0,
        730,
    ),
    SettingSpec(
        "shopper_rating_min_visits",
        N_("Reviewed visits before a shopper is rated"),
        N_(
            "A shopper's rating is shown (and checked against a scorecard's minimum rating) "
            "only once this many of their visits of the past year have been reviewed."
        ),
        5,
        1,
        100,
    ),
    SettingSpec(
        "min_visits_to_rank",
        N_("Visits needed to rank"),
        N_("Branches and staff with fewer visits in a period are listed but not ranked."),
        3,
        1,
        100,
    ),
    SettingSpec(
        "leniency_flag_points",
        N_("Shopper leniency flag (points)"),
        N_(
            "A shopper is flagged as lenient or harsh when the 95% interval of how far their "
            "scores sit from other shoppers' at the same branches lies wholly beyond this many "
            "percentage points either way."
        ),
        5,
        1,
        50,
    ),
    SettingSpec(
        "recurring_failure_visits",
        N_("Recurring failure threshold (visits)"),
        N_(
            "A question failed on at least this many visits of a branch in a period proposes a "
            "corrective action."
        ),
        3,
        2,
        100,
    ),
    SettingSpec(
        "travel_speed_kmh",
        N_("Fastest plausible travel (km/h)"),
        N_(
            "Two visits by one shopper whose branches are further apart than this speed allows "
            "in the time between them are flagged as impossible travel."
        ),
        120,
        10,
        1000,
    ),
    SettingSpec(
        "appeal_window_days",
        N_("Appeal window (days)"),
        N_("How long after publication a visit's answers may be appealed."),
        14,
        0,
        365,
    ),
    SettingSpec(
        "invitation_days",
        N_("Invitation link lifetime (days)"),
        N_("How long the link in an invitation mail works; sending it again starts a new one."),
        7,
        1,
        60,
    ),
    # The public survey page (audit/surveys/, docs/surveys.md): responses beyond these in
    # a day at one branch are refused with HTTP 429 and nothing stored.
    SettingSpec(
        "survey_responses_per_device",
        N_("Survey responses per device (a day, per branch)"),
        N_(
            "How many survey responses one phone (known by a cookie) may send about one branch "
            "in a day."
        ),
        2,
        1,
        100,
    ),
    SettingSpec(
        "survey_responses_per_address",
        N_("Survey responses per network address (a day, per branch)"),
        N_(
            "How many survey responses may come from one network address about one branch in "
            "a day. Customers on the branch's guest Wi-Fi share one address: keep it generous."
        ),
        50,
        1,
        10000,
    ),
    # Retention (audit.privacy.retention, run by `retention apply` and the daily job):
    # 0 or empty keeps forever. What each covers is in docs/privacy.md.
    SettingSpec(
        "retention_photo_days",
        N_("Keep photos (days)"),
        N_(
            "Photos, thumbnails and receipts of visits older than this, and the photos of "
            "action updates and appeal evidence older than this, are deleted. 0 or empty "
            "keeps them."
        ),
        730,
        0,
        36500,
        optional=True,
    ),
    SettingSpec(
        "retention_comment_days",
        N_("Keep comments (days)"),
        N_(
            "Free text older than this is removed: answer comments and written answers, "
            "reviewers' reasons, appeal texts, coaching notes and replies, kudos and action "
            "notes. Scores stay. 0 or empty keeps them."
        ),
        1095,
        0,
        36500,
        optional=True,
    ),
    SettingSpec(
        "retention_personal_days",
        N_("Keep personal data of people who left (days)"),
        N_(
            "Accounts and staff members deactivated longer than this are erased (their name "
            "and contact details replaced by a pseudonym; their visits keep counting), and "
            "sign-in records and notifications older than this are deleted. 0 or empty "
            "keeps them."
        ),
        365,
        0,
        36500,
        optional=True,
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


def set_setting(key: str, value: int | None, actor: User | None) -> None:
    """Store a whole-number setting; None (left empty) is 0 for an optional one."""
    spec = BY_KEY[key]
    if value is None and spec.optional:
        value = 0
    if value is None:
        raise ValueError(f"{spec.label} needs a number")
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


# --- role sets: which roles a rule applies to -----------------------------------------


@dataclass(frozen=True)
class RoleSetSpec:
    key: str
    label: str
    help: str


#: Settings holding a set of roles, stored as a JSON list of role values; unset means none.
ROLE_SET_SPECS: tuple[RoleSetSpec, ...] = (
    RoleSetSpec(
        "two_factor_roles",
        N_("Two-factor sign-in required for"),
        N_(
            "People in these roles must confirm every sign-in with a code from an authenticator "
            "app. Those not yet enrolled are asked to set it up right after their password."
        ),
    ),
    RoleSetSpec(
        "sso_only_roles",
        N_("Single sign-on only for"),
        N_(
            "People in these roles can sign in only through the organisation's identity "
            "provider, never with a password."
        ),
    ),
)
ROLE_SETS_BY_KEY = {spec.key: spec for spec in ROLE_SET_SPECS}


def get_role_set(key: str) -> frozenset[Role]:
    """The roles stored under ``key`` (a role-set setting); unknown stored values are ignored."""
    _role_set_spec(key)
    value = db.session.scalar(select(Setting.value).where(Setting.key == key))
    if not isinstance(value, list):
        return frozenset()
    known = {role.value for role in Role}
    return frozenset(Role(item) for item in value if item in known)


def set_role_set(key: str, roles: frozenset[Role] | set[Role], actor: User | None) -> None:
    """Store the roles under ``key`` as a sorted list; a person's change is recorded."""
    _role_set_spec(key)
    old = sorted(role.value for role in get_role_set(key))
    _store(key, sorted(Role(role).value for role in roles), old, actor)


def _role_set_spec(key: str) -> RoleSetSpec:
    """The spec of ``key``; a key that is not a role-set setting is a programming error."""
    if key not in ROLE_SETS_BY_KEY:
        raise KeyError(f"{key!r} is not a role-set setting")
    return ROLE_SETS_BY_KEY[key]
