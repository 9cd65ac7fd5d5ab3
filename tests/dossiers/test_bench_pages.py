"""`bench_pages`: the data builder at a tiny size builds consistent data whose stored scores follow the
aggregate definition, the timing returns one row per page, and a session written for the load test opens the
pages it is meant for. No load test runs here."""

import pytest
from django.conf import settings
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from alliances.models import BudgetLine, Strategy, StrategyStatus, Submission
from decisions.models import FundingDecision
from dossiers.benchmarks import data, load, pages
from portal.models import Role, User
from reviews.models import (
    Assignment,
    AssignmentStatus,
    JuryRole,
    JurySession,
    PanelVotum,
    PitchSlotStatus,
    Review,
    ReviewStatus,
    Score,
)
from reviews.services.jury_plan import propose_jury_plan

pytestmark = pytest.mark.django_db

SIZE = 8


@pytest.fixture
def cycle():
    return data.build(size=SIZE)


def defined_score(review):
    """The weighted 0–100 score as reviews/aggregates.py defines it, computed here from the stored points."""
    weights = points = 0.0
    for score in review.scores.select_related("criterion"):
        if score.not_applicable or score.value is None:
            continue
        criterion = score.criterion
        weights += criterion.weight
        points += (
            criterion.weight * (score.value - criterion.scale_min) * 100 / (criterion.scale_max - criterion.scale_min)
        )
    return points / weights if weights else None


def load_version(response):
    import re

    return re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)


def test_builder_makes_one_consistent_cycle_per_size(cycle):
    strategies = Strategy.objects.filter(cycle=cycle)
    assert strategies.count() == SIZE
    assert Submission.objects.filter(strategy__cycle=cycle).count() == SIZE
    assert BudgetLine.objects.filter(strategy__cycle=cycle).count() == SIZE * len(cycle.years) * 6
    assert all(all(value for _name, _label, value in s.sections()) for s in strategies)
    # Every eighth strategy is reopened for the managers of the load test; the rest stay submitted.
    assert strategies.filter(status=StrategyStatus.REOPENED).count() == 1
    per_strategy = (
        Review.objects.filter(assignment__strategy__cycle=cycle, status=ReviewStatus.SUBMITTED)
        .values("assignment__strategy")
        .annotate(n=Count("pk"))
    )
    assert sorted(row["n"] for row in per_strategy) == [3] * SIZE
    assert Review.objects.filter(assignment__strategy__cycle=cycle, status=ReviewStatus.DRAFT).count() == 1
    criteria = cycle.rubric_versions.get().criteria.count()
    submitted = Review.objects.filter(assignment__strategy__cycle=cycle, status=ReviewStatus.SUBMITTED)
    assert Score.objects.filter(review__in=submitted).count() == 3 * SIZE * criteria
    # Besides the reviewers, only jurors who declared a conflict (see the jury test below).
    assert set(Assignment.objects.filter(strategy__cycle=cycle).values_list("status", flat=True)) == {
        AssignmentStatus.CLEARED,
        AssignmentStatus.CONFLICTED,
    }
    assert PanelVotum.objects.filter(strategy__cycle=cycle).count() == SIZE // 2
    assert FundingDecision.objects.filter(strategy__cycle=cycle).count() == (SIZE + 2) // 3
    assert data.build(size=SIZE) == cycle  # a second build reuses the cycle


def test_stored_scores_equal_the_aggregate_definition(cycle):
    reviews = Review.objects.filter(assignment__strategy__cycle=cycle, status=ReviewStatus.SUBMITTED)
    stored = dict(reviews.values_list("pk", "weighted_score"))
    assert len(stored) == 3 * SIZE
    for review in reviews:
        assert stored[review.pk] == pytest.approx(defined_score(review), abs=1e-9)


def test_jury_sessions_leave_the_planner_work_to_place_explain_and_flag(cycle):
    session = JurySession.objects.get(cycle=cycle)  # 144 slots hold 1.2 times the 7 submitted strategies
    assert sorted(session.members.values_list("role", flat=True)) == [JuryRole.JUROR] * 5 + [JuryRole.OBSERVER]
    assert session.slots.count() == 144
    submitted = Strategy.objects.filter(cycle=cycle, status=StrategyStatus.SUBMITTED).count()
    assert session.slots.filter(status=PitchSlotStatus.TAKEN).count() == (submitted + 1) // 2
    assert Assignment.objects.filter(strategy__cycle=cycle, status=AssignmentStatus.CONFLICTED).count() == 2
    proposal = propose_jury_plan(cycle=cycle)
    # Of the three still to place, one is conflicted with a juror of the only session; one pitch is flagged.
    assert (len(proposal.rows), len(proposal.unplaced), len(proposal.flagged)) == (2, 1, 1)


def test_timing_returns_a_row_per_page_with_the_expected_answer(cycle):
    rows = pages.time_pages(cycle, size=SIZE, runs=1)
    assert [row.page for row in rows] == [
        "Ministeriums-Dashboard",
        "Zuweisungsmatrix",
        "Export CSV",
        "Export XLSX",
        "Übersicht Projektträger",
        "Begutachtungsstand",
        "Strategieseite (Bündnis)",
        "Entwurf speichern (Bündnis)",
        "Jury-Planer (Vorschau)",
        "Ablaufplan einer Jurysitzung",
        "Jurysitzung (Jurymodus)",
    ]
    assert all(row.size == SIZE and row.queries > 0 and row.median_ms > 0 for row in rows)
    assert not [row for row in rows if row.note.startswith("HTTP")]
    assert all(row.bytes > 0 for row in rows if row.page != "Entwurf speichern (Bündnis)")
    assert "Median" in pages.table(rows)


def test_exports_above_the_streaming_limit_are_timed_as_the_worker_writes_them(cycle, settings):
    settings.EXPORT_STREAM_MAX_ROWS = SIZE - 1
    rows = {row.page: row for row in pages.time_pages(cycle, size=SIZE, runs=1, only=["Export"])}
    assert list(rows) == ["Export CSV (Worker)", "Export CSV", "Export XLSX (Worker)", "Export XLSX"]
    assert rows["Export CSV"].note == rows["Export XLSX"].note == "Weiterleitung zur Vorbereitung im Worker"
    for name in ("Export CSV (Worker)", "Export XLSX (Worker)"):
        assert rows[name].note.startswith(f"{SIZE} Zeilen")
        assert rows[name].bytes > 0 and rows[name].target_ms == pages.WORKER_TARGET_MS


def test_sessions_of_the_load_test_open_the_pages_of_their_people(cycle):
    plan = load.plan(cycle, dashboard_cycle=cycle, managers=1, experts=1, staff=4)
    manager, expert, reader = plan["managers"][0], plan["experts"][0], plan["staff"][0]
    for session, path in [
        (manager["session"], manager["page"]),
        (expert["session"], expert["review"]),
        *((reader["session"], path) for _name, path in reader["paths"]),
        (plan["dashboard"][0]["session"], plan["dashboard"][0]["path"]),
    ]:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        assert client.get(path, secure=True).status_code == 200, path
    # The expert's draft, as the locustfile posts it with the version the page shows, is saved.
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = expert["session"]
    version = load_version(client.get(expert["review"], secure=True))
    response = client.post(expert["review"], expert["fields"] | {"version": version}, secure=True)
    assert response.status_code == 302
    assert User.objects.filter(role=Role.MINISTRY).count() == 2
    assert reverse("account_login") == plan["login"]
