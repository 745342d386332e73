"""Branch-local time: each branch keeps its clocks in an IANA zone (``branches.timezone``).

The database keeps every timestamp in UTC. What a person reads, and which day or month
a visit counts in, is the branch's local time: a visit at 23:30 in Los Angeles on the
31st counts in that month, though it is already the 1st in UTC. ``visits.local_day``
holds that date ("YYYY-MM-DD"), set on every flush that adds a visit or changes its
``visited_at`` or branch (:func:`register_local_day_hooks`), and for every visit of a
branch whose zone changes (:func:`change_zone`, rollups included), so reports select and
group by a plain column on SQLite and PostgreSQL alike. Code that writes visits behind
the ORM sets it itself. Branches made without a zone take the installation's
``AUDIT_DEFAULT_TIMEZONE`` (UTC unless set; checked at start by :func:`check_default_zone`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask
from sqlalchemy import ColumnElement, Date, bindparam, case, event, inspect, literal, select, update
from sqlalchemy.orm import Session, aliased

from audit.extensions import db
from audit.models.org import installation_zone
from audit.reporting.rollups import refresh_rollups

if TYPE_CHECKING:
    from audit.models import Branch, Visit

DEFAULT_ZONE = "UTC"


@cache
def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; ``ValueError`` when there is none by that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"{name!r} is not a time zone (an IANA name such as Europe/Madrid)"
        ) from error


#: Names the zone database holds that are no place's clock: "localtime" is whatever the
#: server is set to, "Factory" a placeholder, "posixrules" a rule file.
NOT_A_PLACE = frozenset({"localtime", "Factory", "posixrules"})


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows (the system's zone files, else the tzdata
    package), sorted: the choices of the branch form."""
    return tuple(sorted(available_timezones() - NOT_A_PLACE))


@cache
def _names_by_lower() -> dict[str, str]:
    return {known.lower(): known for known in zone_names()}


def normalise_zone(text: str | None) -> str:
    """The canonical name of the zone ``text`` names, matched regardless of case
    ("europe/madrid" is "Europe/Madrid"); ``ValueError`` with a plain message otherwise."""
    name = (text or "").strip()
    if not name:
        raise ValueError("a time zone is required (an IANA name such as Europe/Madrid)")
    found = _names_by_lower().get(name.lower())
    if found is None:
        raise ValueError(f"{name!r} is not a time zone (an IANA name such as Europe/Madrid)")
    return found


def check_default_zone(app: Flask) -> None:
    """Stop the app at start when ``AUDIT_DEFAULT_TIMEZONE`` names no zone, instead of at
    the first branch made; the setting is kept in its canonical spelling."""
    name = app.config.setdefault("AUDIT_DEFAULT_TIMEZONE", DEFAULT_ZONE)
    try:
        app.config["AUDIT_DEFAULT_TIMEZONE"] = normalise_zone(name)
    except ValueError as error:
        raise RuntimeError(f"AUDIT_DEFAULT_TIMEZONE: {error}") from None


def default_zone_name() -> str:
    """The installation's default zone for new branches (``AUDIT_DEFAULT_TIMEZONE``)."""
    return installation_zone()


def branch_zone(branch: Branch | None) -> ZoneInfo:
    """The zone of ``branch``; the installation's default when there is no branch."""
    return zone(branch.timezone if branch is not None and branch.timezone else default_zone_name())


def to_local(when: datetime, where: ZoneInfo) -> datetime:
    """``when`` (aware) as the clock in ``where`` reads it, aware of its offset."""
    return when.astimezone(where)


def local_day(when: datetime, where: ZoneInfo) -> str:
    """The date, "YYYY-MM-DD", that a clock in ``where`` shows at ``when`` (aware: a naive
    time would be read in the server's own zone, so it is refused)."""
    if when.tzinfo is None:
        raise ValueError("a time without a zone has no local day")
    return when.astimezone(where).date().isoformat()


def start_of_day(day: date, where: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``where`` (midnight there)."""
    return datetime.combine(day, time(0), tzinfo=where).astimezone(UTC)


def end_of_day(day: date, where: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` ends in ``where``: the next day's midnight there."""
    return start_of_day(day + timedelta(days=1), where)


def today_in(where: ZoneInfo, now: datetime | None = None) -> date:
    """The date a clock in ``where`` shows now (or at ``now``)."""
    return (now or datetime.now(UTC)).astimezone(where).date()


def set_local_days(session: Session, *_: Any) -> None:
    """Give every new visit, and every visit whose time or branch changed, its local day.

    A ``before_flush`` listener; it runs before the day rollups read ``local_day``. A
    branch's own change of zone moves its visits in :func:`change_zone`, not here.
    """
    from audit.models import Visit

    new = [obj for obj in session.new if isinstance(obj, Visit)]
    moved = [obj for obj in session.dirty if isinstance(obj, Visit) and _moved(obj)]
    for visit in (*new, *moved):
        if visit.visited_at is not None:
            visit.local_day = local_day(visit.visited_at, branch_zone(_branch_of(session, visit)))


def _moved(visit: Any) -> bool:
    """Whether a changed visit's local day may have moved (read without loading anything)."""
    state = inspect(visit)
    if "local_day" in state.dict and state.dict["local_day"] is None:
        return True
    return any(
        state.attrs[name].history.has_changes() for name in ("visited_at", "branch_id", "branch")
    )


def _branch_of(session: Session, visit: Any) -> Branch | None:
    """The branch ``visit`` is at once flushed: the one assigned when the relationship was
    set, else the one ``branch_id`` names (a changed id while the old branch is loaded)."""
    from audit.models import Branch

    if inspect(visit).attrs.branch.history.has_changes() or visit.branch_id is None:
        return visit.branch
    return session.get(Branch, visit.branch_id)


def change_zone(branch: Branch, name: str) -> bool:
    """Put ``branch`` in the zone called ``name`` (canonical: see :func:`normalise_zone`).

    When an existing branch changes zone, its visits' local days are worked out again and
    the rollups of every month a visit leaves or joins (its month rows and day rows) are
    recomputed, in the caller's transaction: a report read after the commit, or before it
    in the same transaction, counts each visit in its new local day and month. Returns
    whether the zone changed.
    """
    from audit.models import Visit

    if branch.timezone == name:
        return False
    branch.timezone = name
    if branch.id is None:
        return True  # a new branch: no visits yet
    db.session.flush()
    where = zone(name)
    visits = Visit.__table__
    connection = db.session.connection()
    moved: list[dict[str, Any]] = []
    keys: set[tuple[int, int, str]] = set()
    found = connection.execute(
        select(visits.c.id, visits.c.scorecard_id, visits.c.visited_at, visits.c.local_day).where(
            visits.c.branch_id == branch.id, visits.c.visited_at.is_not(None)
        )
    )
    for visit_id, scorecard_id, visited_at, old_day in found:
        day = local_day(visited_at, where)
        if day != old_day:
            moved.append({"visit": visit_id, "day": day})
            keys.update((branch.id, scorecard_id, d[:7]) for d in (old_day, day) if d)
    if not moved:
        return True
    # On the connection, not through the session: the rows are refreshed just below, and
    # the session's rollup hooks would rebuild every rollup for an UPDATE of many rows.
    connection.execute(
        update(visits).where(visits.c.id == bindparam("visit")).values(local_day=bindparam("day")),
        moved,
    )
    refresh_rollups(connection, keys)
    ids = {row["visit"] for row in moved}
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Visit) and inspect(obj).dict.get("id") in ids:
            db.session.expire(obj, ["local_day"])
    return True


def register_local_day_hooks() -> None:
    """Keep ``visits.local_day`` on every session's flushes (the app factory calls this
    before the rollups' hooks; calling it again changes nothing)."""
    if not event.contains(Session, "before_flush", set_local_days):
        event.listen(Session, "before_flush", set_local_days)


def zone_for(where: Branch | ZoneInfo | str | None) -> ZoneInfo:
    """The zone a time is shown in: a branch's, a zone, a zone's name, or (none given)
    the installation's default."""
    if isinstance(where, ZoneInfo):
        return where
    if isinstance(where, str):  # a row's ``timezone`` column; empty: the default
        return zone(where) if where else branch_zone(None)
    return branch_zone(where)


def zone_abbreviation(when: datetime, where: ZoneInfo) -> str:
    """What the clock in ``where`` calls itself at ``when``: "PST", "JST", "CET", "UTC";
    "UTC+04" where the zone has no letters (the tz database writes "+04")."""
    name = when.astimezone(where).tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def branch_today(branch_id: ColumnElement[int], now: datetime | None = None) -> ColumnElement[date]:
    """The date it is now (or at ``now``) at the branch whose id is ``branch_id``, as SQL.

    A CASE over the zones the branches are in (one query finds them; an installation
    has a few), so a single statement judges "today" by each branch's own calendar:
    ``Assignment.window_end < branch_today(Assignment.branch_id)``.
    """
    from audit.models import Branch

    default = literal(today_in(branch_zone(None), now), Date)
    names = db.session.scalars(select(Branch.timezone).distinct()).all()
    if not names:
        return default
    # An alias: a query that joins the branches itself would otherwise correlate them away.
    zone_of = aliased(Branch)
    branch_zone_name = select(zone_of.timezone).where(zone_of.id == branch_id).scalar_subquery()
    return case(
        {name: literal(today_in(zone(name), now), Date) for name in names},
        value=branch_zone_name,
        else_=default,
    )


def visit_day(visit: Visit) -> date:
    """The date ``visit`` happened on its branch's calendar (the day reports count it in):
    its ``local_day``, or worked out when the visit has not been flushed yet."""
    if visit.local_day:
        return date.fromisoformat(visit.local_day)
    return to_local(visit.visited_at, branch_zone(visit.branch)).date()
