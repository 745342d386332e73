"""Random, seeded report data, and an independent reading of it from the visits export.

:func:`build` makes regions, branches and staff, publishes two versions of
the standard branch-visit scorecard (the second changes targets, a title
and a question) plus a second scorecard (:func:`tests.builders.publish_report_cards`),
and imports random visits through
:func:`audit.visits.imports.import_file`, as a customer would.

:class:`Reference` recomputes every report figure in plain Python from
``export_json`` (the ``flask visits export --format json`` output): no SQL,
sums in a different order, standard deviations by ``statistics.stdev``,
Wilson intervals written out again, ranks by sorting.
"""

from __future__ import annotations

import json
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update

from audit.extensions import db
from audit.models import Region, Visit
from audit.reporting.filters import ReportFilter
from audit.reporting.stats import t_quantile
from audit.scorecards.definition import ScorecardDefinition
from audit.scorecards.scoring import NA, VisitScore, nps, score_visit
from audit.tasks import wait_for_tasks
from audit.visits.export import VisitFilter, export_json
from audit.visits.imports import import_file
from tests.builders import BRANCH_VISIT, make_branch, make_region, make_staff, publish_report_cards

CARD = BRANCH_VISIT
OTHER_CARD = "rules-card"
FIRST_DAY = date(2025, 10, 1)
LAST_DAY = date(2026, 6, 30)
V2_FROM = date(2026, 2, 1)  # visits from this day are made against version 2


@dataclass
class Org:
    region_ids: list[int]
    branch_region: dict[str, int]  # branch code -> region id
    branch_ids: dict[str, int]  # code -> id
    staff_ids: dict[str, int]  # staff code -> id
    staff_branch: dict[str, str]  # staff code -> branch code
    definitions: dict[int, ScorecardDefinition] = field(default_factory=dict)


def build_org(rng: random.Random, regions: int, branches: int) -> Org:
    """Regions, branches with two staff each, and the published scorecards."""
    region_rows = [make_region() for _ in range(regions)]
    org = Org([r.id for r in region_rows], {}, {}, {}, {})
    add_branches(rng, org, branches)
    org.definitions.update(publish_report_cards())
    db.session.commit()
    return org


def add_branches(rng: random.Random, org: Org, count: int, staff_per_branch: int = 2) -> None:
    regions = [db.session.get(Region, region_id) for region_id in org.region_ids]
    first = len(org.branch_ids)
    for i in range(first, first + count):
        region = regions[i % len(regions)] if i < len(regions) else rng.choice(regions)
        branch = make_branch(region)
        org.branch_region[branch.code] = region.id
        org.branch_ids[branch.code] = branch.id
        for _ in range(staff_per_branch):
            member = make_staff(branch)
            org.staff_ids[member.code] = member.id
            org.staff_branch[member.code] = branch.code
    db.session.commit()


def _answers(rng: random.Random, definition: ScorecardDefinition) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in definition.questions():
        if question.allow_na and rng.random() < 0.15:
            answers[question.key] = "na"
        elif question.type == "yes_no":
            p_yes = 0.9 if question.critical else rng.choice((0.6, 0.8, 0.95))
            answers[question.key] = "yes" if rng.random() < p_yes else "no"
        elif question.type == "scale":
            answers[question.key] = rng.randint(question.min, question.max)
        elif question.type == "choice":
            answers[question.key] = rng.choice(question.options).label
        elif question.type == "number":
            answers[question.key] = rng.randint(0, 8)
        elif question.type == "nps":
            if rng.random() < 0.9:
                answers[question.key] = rng.randint(0, 10)
        else:
            answers[question.key] = "Summary of the visit"
    return answers


def _rules_answers(rng: random.Random) -> dict[str, Any]:
    return {
        "greeted": rng.choice(("yes", "yes", "no")),
        "empathy": rng.randint(1, 5),
        "outcome": rng.choice(("Fully", "Partly", "Not at all")),
        "follow_up": rng.choice(("yes", "no")),
        "wait": rng.randint(0, 8),
        "recommend": rng.randint(0, 10),
        "summary": "Fine",
    }


def _visit_time(rng: random.Random, first: date, last: date) -> datetime:
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        seconds=rng.randrange(86400)
    )


def generate_visits(
    rng: random.Random,
    org: Org,
    visits: int,
    *,
    prefix: str = "",
    first: date = FIRST_DAY,
    last: date = LAST_DAY,
) -> None:
    """Import ``visits`` random visits (plus a few of another scorecard) and exclude some."""
    codes = sorted(org.branch_ids)
    # Uneven weights: some branches get few visits, so the minimum-visits rule bites.
    weights = [rng.choice((0.2, 1, 1, 2, 3)) for _ in codes]
    items = []
    for i in range(visits):
        code = rng.choices(codes, weights)[0]
        at = _visit_time(rng, first, last)
        version = 2 if at.date() >= V2_FROM else 1
        staff = [s for s, b in org.staff_branch.items() if b == code]
        answers = _answers(rng, org.definitions[version])
        items.append(
            {
                "external_id": f"{prefix}V{i}",
                "branch": code,
                "scorecard": CARD,
                "version": version,
                "visited_at": at.isoformat(),
                "status": rng.choices(("approved", "published", "submitted"), (6, 3, 1))[0],
                "staff": rng.sample(staff, rng.choice((0, 1, 1, 1, 2))),
                "answers": answers,
                "comments": {key: "Noted" for key in answers},
            }
        )
    for i in range(max(2, visits // 10)):
        items.append(
            {
                "external_id": f"{prefix}R{i}",
                "branch": rng.choice(codes),
                "scorecard": OTHER_CARD,
                "visited_at": _visit_time(rng, first, last).isoformat(),
                "answers": _rules_answers(rng),
                "comments": {"follow_up": "Noted"},
            }
        )
    import_file(json.dumps(items).encode(), "visits.json")
    excluded = [item["external_id"] for item in items if rng.random() < 0.06]
    db.session.execute(update(Visit).where(Visit.external_id.in_(excluded)).values(excluded=True))
    db.session.commit()
    wait_for_tasks()  # the import's trust signals: settled before anything is measured


def build(
    seed: int, *, regions: int = 3, branches: int = 6, visits: int = 90
) -> tuple[Org, Reference]:
    rng = random.Random(seed)
    org = build_org(rng, regions, branches)
    generate_visits(rng, org, visits)
    return org, Reference.from_export(org)


# --------------------------------------------------------------------------- reference


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    if n == 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@dataclass
class Expected:
    n: int
    mean: float | None
    interval: tuple[float, float] | None
    passed: int
    critical: int
    pass_interval: tuple[float, float] | None


def expected_figure(values: list[float], passes: list[bool], critical: int = 0) -> Expected:
    n = len(values)
    interval = None
    if n >= 2:
        half = t_quantile(0.975, n - 1) * statistics.stdev(values) / math.sqrt(n)
        interval = (statistics.fmean(values) - half, statistics.fmean(values) + half)
    return Expected(
        n=n,
        mean=statistics.fmean(values) if values else None,
        interval=interval,
        passed=sum(passes),
        critical=critical,
        pass_interval=wilson(sum(passes), len(passes)),
    )


@dataclass
class Reference:
    org: Org
    records: list[dict[str, Any]]

    @classmethod
    def from_export(cls, org: Org) -> Reference:
        records = json.loads(export_json(VisitFilter()))
        return cls(org, records)

    # --- selection ---

    def visits(self, flt: ReportFilter, *, staff: bool = True) -> list[dict[str, Any]]:
        chosen = []
        for r in self.records:
            if r["status"] not in ("approved", "published") or r["excluded"]:
                continue
            if r["percent"] is None:
                continue
            if flt.scorecard and r["scorecard"] != flt.scorecard:
                continue
            day = datetime.fromisoformat(r["visited_at"]).astimezone(UTC).date()
            if flt.date_from and day < flt.date_from:
                continue
            if flt.date_to and day > flt.date_to:
                continue
            region = self.org.branch_region[r["branch"]]
            if flt.region_id is not None and region != flt.region_id:
                continue
            if flt.scope_region_ids is not None and region not in flt.scope_region_ids:
                continue
            if flt.branch_id is not None and self.org.branch_ids[r["branch"]] != flt.branch_id:
                continue
            if staff and flt.staff_id is not None:
                if flt.staff_id not in {self.org.staff_ids[c] for c in r["staff"]}:
                    continue
            chosen.append(r)
        return chosen

    def target(self, record: dict[str, Any]) -> float:
        if record["scorecard"] == OTHER_CARD:
            return 85
        return self.org.definitions[record["version"]].target

    def figure(self, flt: ReportFilter) -> Expected:
        return self.figure_of(self.visits(flt))

    def figure_of(self, records: Iterable[dict[str, Any]]) -> Expected:
        records = list(records)
        values = [r["percent"] for r in records]
        passes = [r["percent"] >= self.target(r) for r in records]
        return expected_figure(values, passes, sum(r["critical_failed"] for r in records))

    # --- sections and questions (branch-visit only) ---

    def sections(self, flt: ReportFilter) -> dict[str, tuple[Expected, int]]:
        """Section key -> (figure with passed = met target, judged)."""
        values: dict[str, list[float]] = defaultdict(list)
        met: dict[str, list[bool]] = defaultdict(list)
        critical: dict[str, int] = defaultdict(int)
        for r in self.visits(flt):
            definition = self.org.definitions[r["version"]]
            targets = {s.key: s.target for s in definition.sections}
            scored = self.score(r).sections
            for key, percent in r["sections"].items():
                values.setdefault(key, [])
                critical[key] += scored[key].critical_failed
                if percent is None:
                    continue
                values[key].append(percent)
                if targets[key] is not None:
                    met[key].append(percent >= targets[key])
        return {
            k: (expected_figure(v, met[k], critical[k]), len(met[k])) for k, v in values.items()
        }

    def score(self, record: dict[str, Any]) -> VisitScore:
        definition = self.org.definitions[record["version"]]
        values = {k: NA if v == "na" else v for k, v in record["answers"].items()}
        return score_visit(definition, values)

    def answer_scores(self, record: dict[str, Any]) -> dict[str, Any]:
        return self.score(record).answers

    def questions(self, flt: ReportFilter) -> dict[str, tuple[int, int]]:
        """Question key -> (scored answers, full-point answers)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in self.visits(flt):
            for key, score in self.answer_scores(r).items():
                if score.possible > 0 and not score.hidden:
                    counts[key][0] += 1
                    counts[key][1] += score.earned >= score.possible
        return {k: (n, passed) for k, (n, passed) in counts.items()}

    def nps(self, flt: ReportFilter) -> int | None:
        return nps(
            r["answers"]["recommend"]
            for r in self.visits(flt)
            if isinstance(r["answers"].get("recommend"), int)
        )

    # --- leagues ---

    def branch_league(self, flt: ReportFilter, minimum: int) -> dict[int, int | None]:
        """Branch id -> rank (None when unranked), over the branches in region and scope."""
        peers = ReportFilter(
            flt.date_from, flt.date_to, flt.scorecard, flt.region_id, None, None,
            flt.scope_region_ids,
        )  # fmt: skip
        by_branch: dict[int, list[float]] = defaultdict(list)
        for r in self.visits(peers):
            by_branch[self.org.branch_ids[r["branch"]]].append(r["percent"])
        listed = {
            self.org.branch_ids[code]
            for code, region in self.org.branch_region.items()
            if (flt.region_id is None or region == flt.region_id)
            and (flt.scope_region_ids is None or region in flt.scope_region_ids)
        }
        return ranks({b: by_branch.get(b, []) for b in listed}, minimum)

    def staff_league(self, flt: ReportFilter, minimum: int) -> dict[int, int | None]:
        """Staff id -> rank, over the staff whose branch is in the filter and scope."""
        peers = replace(flt, staff_id=None)
        by_staff: dict[int, list[float]] = defaultdict(list)
        for r in self.visits(peers):
            for code in r["staff"]:
                by_staff[self.org.staff_ids[code]].append(r["percent"])
        listed = set()
        for code, staff_id in self.org.staff_ids.items():
            branch = self.org.staff_branch[code]
            region = self.org.branch_region[branch]
            if flt.branch_id is not None and self.org.branch_ids[branch] != flt.branch_id:
                continue
            if flt.region_id is not None and region != flt.region_id:
                continue
            if flt.scope_region_ids is not None and region not in flt.scope_region_ids:
                continue
            listed.add(staff_id)
        return ranks({s: by_staff.get(s, []) for s in listed}, minimum)

    def trend(self, flt: ReportFilter) -> dict[str, Expected]:
        by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.visits(flt):
            by_month[
                datetime.fromisoformat(r["visited_at"]).astimezone(UTC).strftime("%Y-%m")
            ].append(r)
        return {month: self.figure_of(records) for month, records in by_month.items()}

    def heatmap(self, flt: ReportFilter) -> dict[tuple[int, str], list[float]]:
        cells: dict[tuple[int, str], list[float]] = defaultdict(list)
        for r in self.visits(flt):
            for key, percent in r["sections"].items():
                if percent is not None:
                    cells[(self.org.branch_ids[r["branch"]], key)].append(percent)
        return dict(cells)

    def recurring(self, flt: ReportFilter, threshold: int) -> dict[tuple[int, str], int]:
        failed: dict[tuple[int, str], int] = defaultdict(int)
        for r in self.visits(flt):
            for key, score in self.answer_scores(r).items():
                if score.possible > 0 and not score.hidden and score.earned < score.possible:
                    failed[(self.org.branch_ids[r["branch"]], key)] += 1
        return {k: v for k, v in failed.items() if v >= threshold}


def ranks(values: dict[int, list[float]], minimum: int) -> dict[int, int | None]:
    """Standard competition ranks ("1, 2, 2, 4") of units with at least ``minimum`` values."""
    means = {unit: round(statistics.fmean(v), 6) for unit, v in values.items() if len(v) >= minimum}
    result: dict[int, int | None] = {unit: None for unit in values}
    for unit, mean in means.items():
        result[unit] = 1 + sum(other > mean for other in means.values())
    return result
