"""The reporting rollups (month and day tables) stay equal to a full rebuild through every
service, and reports read from them give the figures the direct queries give.

A seeded random sequence of real operations (import, approve, return, exclude,
include, publish, edit an answer in review, appeal and amend, rescore, move a
visit to another month or branch, delete one) runs on the reporting dataset;
after each step the rollup tables must equal what :func:`rebuild_rollups`
computes from the visits, and at the end every reporting function must return
the same with the rollups as through :func:`direct_queries`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, update

from audit.appeals.service import AppealError, amend, raise_appeal
from audit.extensions import db
from audit.models import (
    QuestionDayStats,
    QuestionMonthStats,
    Role,
    SectionDayStats,
    SectionMonthStats,
    Visit,
    VisitDayStats,
    VisitMonthStats,
    VisitStatus,
)
from audit.reporting import (
    ReportFilter,
    appeal_figures,
    branch_league,
    critical_fails,
    figure,
    figures,
    monthly_trend,
    most_failed_questions,
    nps,
    overview,
    question_results,
    rollups,
    section_heatmap,
    section_results,
    summary,
)
from audit.reporting.regions import region_figures
from audit.reporting.rollups import (
    direct_queries,
    month_split,
    reads_rollups,
    rebuild_rollups,
    rollup_parts,
)
from audit.reporting.sql import period_conditions
from audit.review import service as review
from audit.review.service import ReviewError
from audit.scorecards.store import definition_of
from audit.visits.imports import import_file
from audit.visits.scores import rescore_visits
from tests.builders import make_user
from tests.reporting.dataset import CARD, _answers, _visit_time, build
from tests.statements import recorded_statements

TABLES = (
    VisitMonthStats,
    SectionMonthStats,
    QuestionMonthStats,
    VisitDayStats,
    SectionDayStats,
    QuestionDayStats,
)


def _close(a: Any, b: Any, path: str = "") -> None:
    """Equal, floats to 1e-9 relative (sums in another order), recursively; a rounded
    difference to its last shown digit."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            _close(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, float) and isinstance(b, float | int) and path.endswith(".difference"):
        # A difference is that of the two figures as shown, each rounded to 0.1: a mean
        # summed in another order may sit either side of a .x5 and round the other way.
        assert math.isclose(a, b, abs_tol=0.1 + 1e-9), (path, a, b)
    elif isinstance(a, float) and isinstance(b, float | int):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (path, a, b)
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), (path, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (path, a, b)
        for key in a:
            _close(a[key], b[key], f"{path}[{key!r}]")
    else:
        assert a == b, (path, a, b)


def rollup_rows() -> dict[str, dict[tuple, tuple]]:
    rows: dict[str, dict[tuple, tuple]] = {}
    for model in TABLES:
        table = model.__table__
        key = [c for c in table.columns if c.primary_key]
        rest = [c for c in table.columns if not c.primary_key]
        rows[table.name] = {
            tuple(r[: len(key)]): tuple(r[len(key) :])
            for r in db.session.execute(select(*key, *rest))
        }
    return rows


def assert_rollups_match_a_rebuild() -> None:
    kept = rollup_rows()
    rebuild_rollups()
    rebuilt = rollup_rows()
    for name in rebuilt:
        assert kept[name].keys() == rebuilt[name].keys(), (
            name,
            sorted(kept[name].keys() - rebuilt[name].keys()),
            sorted(rebuilt[name].keys() - kept[name].keys()),
        )
        _close(kept[name], rebuilt[name], name)


# --------------------------------------------------------------------------- operations


class Ops:
    def __init__(self, rng: random.Random, org: Any) -> None:
        self.rng = rng
        self.org = org
        self.manager = make_user(Role.MANAGER, name="Rolf Reviewer")
        self.appellant = make_user(Role.MANAGER, name="Ada Appellant")
        self.shopper = make_user(Role.SHOPPER, email="rollup-shopper@example.org")
        db.session.commit()
        self.imported = 0

    def visits(self, *statuses: VisitStatus) -> list[Visit]:
        query = select(Visit).order_by(Visit.id)
        if statuses:
            query = query.where(Visit.status.in_(statuses))
        return list(db.session.scalars(query))

    def pick(self, *statuses: VisitStatus) -> Visit | None:
        found = self.visits(*statuses)
        return self.rng.choice(found) if found else None

    def import_some(self) -> None:
        items = []
        for _ in range(self.rng.randint(1, 4)):
            self.imported += 1
            at = _visit_time(self.rng, date(2026, 2, 1), date(2026, 6, 30))
            items.append(
                {
                    "external_id": f"OPS{self.imported}",
                    "branch": self.rng.choice(sorted(self.org.branch_ids)),
                    "scorecard": CARD,
                    "version": 2,
                    "visited_at": at.isoformat(),
                    "status": self.rng.choice(("submitted", "approved", "published")),
                    "shopper": self.shopper.email,
                    "answers": _answers(self.rng, self.org.definitions[2]),
                    "comments": {q.key: "Noted" for q in self.org.definitions[2].questions()},
                }
            )
        import_file(json.dumps(items).encode(), "more.json")

    def approve(self) -> None:
        if visit := self.pick(VisitStatus.SUBMITTED):
            review.approve(visit, self.manager)

    def return_one(self) -> None:
        if visit := self.pick(VisitStatus.SUBMITTED):
            review.return_to_shopper(visit, self.manager, "Please add the receipt.")

    def exclude_or_include(self) -> None:
        visit = self.pick(VisitStatus.APPROVED, VisitStatus.PUBLISHED, VisitStatus.SUBMITTED)
        if visit is None:
            return
        if visit.excluded:
            review.include(visit, self.manager, "Counted again after checking.")
        else:
            review.exclude(visit, self.manager, "Shopper known to the branch.")

    def publish(self) -> None:
        if visit := self.pick(VisitStatus.APPROVED):
            review.publish(visit, self.manager)

    def _other_value(self, visit: Visit) -> tuple[str, str] | None:
        definition = definition_of(visit.version)
        keys = [q.key for q in definition.questions() if q.type == "yes_no" and q.scored]
        answer = visit.answer(self.rng.choice(keys)) if keys else None
        if answer is None or answer.hidden or answer.is_na:
            return None
        return answer.question_key, "no" if answer.value_text == "yes" else "yes"

    def edit_answer(self) -> None:
        visit = self.pick(VisitStatus.SUBMITTED, VisitStatus.APPROVED)
        if visit is not None and (change := self._other_value(visit)):
            review.edit_answer(visit, change[0], change[1], "Noted", self.manager, "Receipt")

    def appeal_and_amend(self) -> None:
        visit = self.pick(VisitStatus.PUBLISHED)
        if visit is None or visit.excluded or not (change := self._other_value(visit)):
            return
        appeal = raise_appeal(visit, change[0], self.appellant, "The receipt shows otherwise.")
        db.session.commit()
        amend(appeal, self.manager, change[1], "Noted", "Receipt checked.")

    def rescore(self) -> None:
        rescore_visits()

    def move(self) -> None:
        """Another month and branch for one visit (old and new keys both change)."""
        if visit := self.pick(VisitStatus.APPROVED, VisitStatus.PUBLISHED):
            visit.visited_at = visit.visited_at - timedelta(days=self.rng.randint(20, 70))
            visit.branch_id = self.rng.choice(sorted(self.org.branch_ids.values()))

    def delete(self) -> None:
        if visit := self.pick(VisitStatus.APPROVED, VisitStatus.PUBLISHED):
            db.session.delete(visit)

    def run(self, steps: int) -> list[str]:
        done = []
        operations = [
            self.import_some,
            self.approve,
            self.approve,
            self.return_one,
            self.exclude_or_include,
            self.publish,
            self.edit_answer,
            self.edit_answer,
            self.appeal_and_amend,
            self.rescore,
            self.move,
            self.delete,
        ]
        for step in range(steps):
            operation = self.rng.choice(operations)
            try:
                operation()
                db.session.commit()
                done.append(operation.__name__)
            except (ReviewError, AppealError):
                db.session.rollback()
            if step % 4 == 3:
                assert_rollups_match_a_rebuild()
                db.session.rollback()
        return done


# --------------------------------------------------------------------------- tests


MONTHS = [
    (date(2026, 4, 1), date(2026, 6, 30)),
    (date(2026, 1, 1), date(2026, 3, 31)),
    (date(2026, 5, 1), date(2026, 5, 31)),
    (None, None),
    (date(2025, 12, 1), None),
]


def _filters(rng: random.Random, org: Any) -> list[ReportFilter]:
    filters = []
    for _ in range(6):
        period = rng.choice(MONTHS)
        scope = None
        if rng.random() < 0.4:
            scope = frozenset(rng.sample(org.region_ids, rng.randint(1, len(org.region_ids) - 1)))
        visible = [c for c, r in org.branch_region.items() if scope is None or r in scope]
        fields: dict[str, Any] = {}
        kind = rng.choice(["company", "region", "branch"])
        if kind == "region":
            fields["region_id"] = rng.choice(sorted(scope or org.region_ids))
        elif kind == "branch":
            fields["branch_id"] = org.branch_ids[rng.choice(visible)]
        card = rng.choice((CARD, CARD, None))
        filters.append(ReportFilter(*period, scorecard=card, scope_region_ids=scope, **fields))
    return filters


def _reports(flt: ReportFilter) -> list[Any]:
    return [
        summary(flt),
        figures([flt, flt.company()]),
        monthly_trend(flt),
        branch_league(flt),
        region_figures(flt),
        section_results(flt),
        section_heatmap(flt),
        question_results(flt),
        most_failed_questions(flt, 5),
        nps(flt),
        critical_fails(flt, 5),
        appeal_figures(flt),
        overview(flt),
    ]


@pytest.mark.parametrize("seed", [3, 17])
def test_rollups_follow_every_operation_and_reports_match_the_direct_path(ctx, seed):
    rng = random.Random(seed)
    org, _ = build(seed, regions=3, branches=5, visits=50)
    assert_rollups_match_a_rebuild()  # import, and exclusions by a Core UPDATE
    db.session.rollback()

    done = Ops(rng, org).run(36)
    assert {"approve", "publish", "edit_answer", "import_some"} <= set(done)
    assert_rollups_match_a_rebuild()
    db.session.rollback()

    for flt in _filters(rng, org):
        assert reads_rollups(flt)
        with_rollups = _reports(flt)
        with direct_queries():
            assert not reads_rollups(flt)
            direct = _reports(flt)
        _close(with_rollups, direct)


#: Periods of days around whole months: "the last 12 months" ending on a given day.
DAYS = [
    (date(2025, 10, 7), date(2026, 6, 6)),
    (date(2026, 1, 15), date(2026, 4, 30)),
    (date(2026, 3, 1), date(2026, 5, 20)),
    (date(2026, 2, 14), None),
    (None, date(2026, 4, 9)),
]


def test_periods_of_days_read_whole_months_and_the_days_at_their_ends_from_the_rollups(ctx):
    rng = random.Random(11)
    org, _ = build(11, regions=3, branches=5, visits=80)
    for flt in _filters(rng, org):
        for start, end in DAYS:
            days = dataclasses.replace(flt, date_from=start, date_to=end)
            split = month_split(days)
            assert split is not None and not reads_rollups(days)
            assert reads_rollups(split.months) and all(
                not reads_rollups(part) for part in split.days
            )
            assert rollup_parts(days) == (
                (rollups.MONTHS, split.months),
                *((rollups.DAYS, part) for part in split.days),
            )
            with_rollups = _reports(days)
            with direct_queries():
                assert month_split(days) is None
                direct = _reports(days)
            _close(with_rollups, direct)
    # A period inside one month has no whole month: it reads the day tables alone.
    inside = ReportFilter(date(2026, 3, 2), date(2026, 3, 30))
    assert month_split(inside) is None
    assert rollup_parts(inside) == ((rollups.DAYS, inside),)
    split = month_split(ReportFilter(date(2025, 12, 7), date(2026, 12, 6)))
    assert split is not None
    assert (split.months.date_from, split.months.date_to) == (date(2026, 1, 1), date(2026, 11, 30))
    assert [(d.date_from, d.date_to) for d in split.days] == [
        (date(2025, 12, 7), date(2025, 12, 31)),
        (date(2026, 12, 1), date(2026, 12, 6)),
    ]


def test_a_report_read_before_the_commit_already_counts_the_change(ctx):
    build(5, regions=2, branches=3, visits=20)
    manager = make_user(Role.MANAGER)
    db.session.commit()
    visit = db.session.scalars(
        select(Visit).where(Visit.status == VisitStatus.APPROVED, Visit.excluded.is_(False))
    ).first()
    flt = ReportFilter(scorecard=None, branch_id=visit.branch_id)
    before = summary(flt).figure.n
    review.exclude(visit, manager, "Shopper known to the branch.")  # Core UPDATE + event
    assert summary(flt).figure.n == before - 1
    with direct_queries():
        assert summary(flt).figure.n == before - 1
    db.session.rollback()
    assert summary(flt).figure.n == before
    assert_rollups_match_a_rebuild()


def test_only_whole_months_without_a_staff_member_read_the_month_rollups_alone():
    assert reads_rollups(ReportFilter())
    assert reads_rollups(ReportFilter(date(2026, 2, 1), date(2026, 2, 28), branch_id=1))
    assert reads_rollups(ReportFilter(date(2026, 2, 1), None, region_id=1))
    assert not reads_rollups(ReportFilter(date(2026, 2, 2), date(2026, 2, 28)))
    assert not reads_rollups(ReportFilter(date(2026, 2, 1), date(2026, 2, 27)))
    assert not reads_rollups(ReportFilter(staff_id=1))
    assert rollup_parts(ReportFilter(staff_id=1)) is None
    assert rollup_parts(ReportFilter(date(2026, 2, 2), date(2026, 2, 28), staff_id=1)) is None
    with direct_queries():
        assert not reads_rollups(ReportFilter())
        assert rollup_parts(ReportFilter(date(2026, 2, 2), date(2026, 2, 28))) is None


#: Instants at the edges of days and months, and where they count (UTC calendar days).
EDGES = [
    datetime(2026, 3, 14, 23, 59, 59, 999999, tzinfo=UTC),  # the day before the period
    datetime(2026, 3, 15, 0, 0, tzinfo=UTC),  # its first instant
    datetime(2026, 3, 15, 1, 30, tzinfo=timezone(timedelta(hours=2))),  # 14 March in UTC
    datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC),  # the last instant of a partial month
    datetime(2026, 4, 1, 0, 0, tzinfo=UTC),  # the first of a whole month
    datetime(2026, 5, 20, 23, 59, 59, 999999, tzinfo=UTC),  # the period's last instant
    datetime(2026, 5, 21, 0, 0, tzinfo=UTC),  # the day after
    datetime(2026, 5, 20, 23, 30, tzinfo=timezone(timedelta(hours=-1))),  # 21 May in UTC
]

EDGE_PERIODS = [
    (date(2026, 3, 15), date(2026, 5, 20)),  # days, whole April, days
    (date(2026, 3, 15), date(2026, 3, 31)),  # days up to a month's end
    (date(2026, 4, 1), date(2026, 5, 20)),  # a whole month, then days
    (date(2026, 3, 15), date(2026, 3, 15)),  # one day
    (date(2026, 5, 21), date(2026, 5, 21)),
    (date(2026, 3, 14), date(2026, 3, 14)),
    (date(2026, 3, 15), None),
    (None, date(2026, 5, 20)),
]


def test_day_rollups_count_each_visit_on_its_utc_day_at_the_edges_of_a_period(ctx):
    """Visits at the first and last instants of a period's days (and in other time zones)
    count on their UTC day in the day tables, exactly as the direct queries count them."""
    org, _ = build(23, regions=2, branches=4, visits=60)
    moved = db.session.scalars(
        select(Visit)
        .where(
            Visit.status.in_((VisitStatus.APPROVED, VisitStatus.PUBLISHED)),
            Visit.excluded.is_(False),
            Visit.percent.is_not(None),
            Visit.scorecard.has(slug=CARD),
        )
        .order_by(Visit.id)
        .limit(len(EDGES))
    ).all()
    assert len(moved) == len(EDGES)
    for visit, at in zip(moved, EDGES, strict=True):
        visit.visited_at = at
    db.session.commit()  # the hooks refresh the months and days left and entered
    assert_rollups_match_a_rebuild()
    db.session.rollback()

    branch = moved[1].branch_id
    for start, end in EDGE_PERIODS:
        for fields in ({}, {"branch_id": branch}, {"region_id": org.region_ids[0]}):
            flt = ReportFilter(start, end, scorecard=CARD, **fields)
            parts = rollup_parts(flt)
            assert parts is not None and any(grain is rollups.DAYS for grain, _ in parts), flt
            with_rollups = _reports(flt)
            with direct_queries():
                direct = _reports(flt)
            _close(with_rollups, direct)

    # The edge visits alone: each period counts exactly those on its days (a UTC branch's).
    def edge_visits(start: date, end: date) -> int:
        return sum(1 for at in EDGES if start <= at.astimezone(UTC).date() <= end)

    ids = [visit.id for visit in moved]
    for start, end in EDGE_PERIODS[:6]:
        counted = db.session.scalar(
            select(func.count())
            .select_from(Visit)
            .where(Visit.id.in_(ids), *period_conditions(start, end))
        )
        assert counted == edge_visits(start, end), (start, end)
    assert edge_visits(date(2026, 3, 15), date(2026, 3, 15)) == 1
    assert edge_visits(date(2026, 3, 14), date(2026, 3, 14)) == 2
    assert edge_visits(date(2026, 5, 21), date(2026, 5, 21)) == 2

    # The figures really come from the day tables: change their rows, the figures follow.
    one_day = ReportFilter(date(2026, 3, 15), date(2026, 3, 15), scorecard=CARD)
    before = figure(one_day).n
    db.session.execute(update(VisitDayStats).values(n=VisitDayStats.n + 1000))
    assert figure(one_day).n == before + 1000
    db.session.rollback()


def test_the_cli_rebuilds_rollups_after_data_loaded_behind_the_app(app, runner):
    with app.app_context():
        build(9, regions=2, branches=3, visits=15)
        expected = rollup_rows()
        assert expected["visit_month_stats"]
        for model in TABLES:
            db.session.execute(model.__table__.delete())
        db.session.commit()
        assert not any(rollup_rows().values())
    result = runner.invoke(args=["report", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rebuilt = rollup_rows()
        for name in expected:
            _close(rebuilt[name], expected[name], name)


def test_a_visit_moved_to_another_month_leaves_its_old_month(ctx):
    org, _ = build(11, regions=2, branches=3, visits=20)
    visit = db.session.scalars(
        select(Visit).where(
            Visit.status.in_((VisitStatus.APPROVED, VisitStatus.PUBLISHED)),
            Visit.excluded.is_(False),
            Visit.scorecard.has(slug=CARD),
        )
    ).first()
    old = visit.visited_at.astimezone(UTC)
    first = date(old.year, old.month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    old_month = ReportFilter(first, last, scorecard=CARD, branch_id=visit.branch_id)
    new_month = ReportFilter(date(2024, 1, 1), date(2024, 1, 31), scorecard=CARD)
    assert reads_rollups(old_month)
    n_before = figure(old_month).n
    visit.visited_at = datetime(2024, 1, 15, 12, tzinfo=UTC)
    db.session.commit()
    assert figure(old_month).n == n_before - 1
    assert figure(new_month).n == 1
    assert_rollups_match_a_rebuild()


def test_bulk_statements_through_the_session_keep_them_exact(ctx):
    build(13, regions=2, branches=3, visits=20)
    reportable = db.session.scalars(
        select(Visit.id).where(Visit.status == VisitStatus.APPROVED, Visit.excluded.is_(False))
    ).all()
    # An ORM bulk UPDATE by primary key (a list of rows), and a Core UPDATE by criteria.
    db.session.execute(update(Visit), [{"id": i, "excluded": True} for i in reportable[:3]])
    db.session.commit()
    assert_rollups_match_a_rebuild()
    db.session.execute(
        update(Visit).where(Visit.id.in_(reportable[3:6])).values(status=VisitStatus.RETURNED)
    )
    db.session.commit()
    assert_rollups_match_a_rebuild()


def _a_draft() -> Visit:
    visit_id = db.session.scalars(
        select(Visit.id).where(Visit.status == VisitStatus.APPROVED, Visit.excluded.is_(False))
    ).first()
    db.session.execute(
        update(Visit).where(Visit.id == visit_id).values(status=VisitStatus.DRAFT, percent=None)
    )
    db.session.commit()
    visit = db.session.get(Visit, visit_id)
    assert visit.status is VisitStatus.DRAFT  # the session's copy, read in this transaction
    return visit


def test_a_drafts_changes_ask_nothing_of_the_rollups(ctx):
    """A draft counts nowhere before or after its change, as the session's copy shows:
    a shopper's saves send no rollup query (the load benchmark's commonest write)."""
    build(19, regions=2, branches=3, visits=20)
    visit = _a_draft()

    def save() -> None:
        visit.staff_description = "Tall, green apron"
        visit.answers[0].comment = "Greeted at the door"
        db.session.commit()

    with recorded_statements(db.engine) as statements:
        save()
    assert any("UPDATE visits" in s for s in statements)
    rollup_tables = [model.__tablename__ for model in TABLES]
    assert not [s for s in statements if "DISTINCT visits.branch_id" in s]
    assert not [s for s in statements if any(t in s for t in rollup_tables)]
    assert_rollups_match_a_rebuild()


def test_a_visit_a_core_update_approved_is_counted_though_its_copy_says_draft(ctx):
    """A Core UPDATE that leaves the session's copy as it was (no synchronisation) makes
    the copy untrustworthy: the rollups ask the row, and count the visit."""
    build(23, regions=2, branches=3, visits=20)
    visit = _a_draft()
    db.session.execute(
        update(Visit)
        .where(Visit.id == visit.id)
        .values(status=VisitStatus.APPROVED, percent=87.5)
        .execution_options(synchronize_session=False)
    )
    assert inspect(visit).dict["status"] is VisitStatus.DRAFT  # the copy did not follow
    visit.staff_description = "Changed after the approval"
    db.session.commit()
    assert_rollups_match_a_rebuild()
