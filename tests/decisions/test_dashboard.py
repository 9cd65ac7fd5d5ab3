"""The ministry dashboard: rows, sorting, filters, budget panel, charts, query count and exports."""

import time
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from alliances.models import (
    Alliance,
    BudgetCategory,
    BudgetLine,
    EvaluationCycle,
    FederalState,
    Strategy,
    StrategyStatus,
    Submission,
)
from decisions.dashboard import PAGE_SIZE, SORTS
from decisions.models import DecisionStatus, FundingDecision
from portal.models import Role, User
from reviews.models import Assignment, Criterion, PanelVotum, Review, RubricVersion, Score
from tests.factories import give_totp, stored_figures

pytestmark = pytest.mark.django_db

CRITERIA = 8
REVIEWS = 3
WEIGHTS = [15, 15, 15, 15, 10, 10, 10, 10]
STATE_CODES = ["SN", "BB", "BY", "TH"]


def points_for(number, reviewer, criterion):
    """Deterministic points 0–5 that spread the alliances' medians and make some reviewers disagree."""
    return (number * 7 + reviewer * (number % 4 + 1) + criterion * 3) % 6


def build_cycle(cycle, size):
    """`size` alliances, every fifth still a draft; the others submitted with 3 reviews × 8 criteria.

    Built with bulk_create for speed. Returns the programme office and ministry users.
    """
    office = User.objects.create(email="pt@ptj.example", full_name="Petra Träger", role=Role.PROGRAMME_OFFICE)
    bmbf1 = User.objects.create(email="bmbf1@bmbf.example", full_name="Bea Eins", role=Role.MINISTRY)
    bmbf2 = User.objects.create(email="bmbf2@bmbf.example", full_name="Ben Zwei", role=Role.MINISTRY)
    for staff in (office, bmbf1, bmbf2):
        give_totp(staff)  # staff must have a second factor to use the portal
    experts = User.objects.bulk_create(
        User(email=f"gutachter{n}@uni.example", full_name=f"Gutachter {n}", role=Role.EXPERT)
        for n in range(REVIEWS * 4)
    )
    rubric = RubricVersion.objects.create(cycle=cycle, number=1)
    criteria = Criterion.objects.bulk_create(
        Criterion(rubric=rubric, position=i, code=f"k{i + 1}", title=f"Kriterium {i + 1}", weight=weight)
        for i, weight in enumerate(WEIGHTS)
    )
    alliances = Alliance.objects.bulk_create(
        Alliance(slug=f"b-{n:03d}", name=f"Bündnis {n:03d}", innovation_field=f"Feld {n % 5}") for n in range(size)
    )
    states = {state.code: state for state in FederalState.objects.filter(code__in=STATE_CODES)}
    Alliance.states.through.objects.bulk_create(
        Alliance.states.through(alliance=alliance, federalstate=states[STATE_CODES[n % len(STATE_CODES)]])
        for n, alliance in enumerate(alliances)
    )
    strategies = Strategy.objects.bulk_create(
        Strategy(
            cycle=cycle, alliance=alliance, status=StrategyStatus.DRAFT if n % 5 == 4 else StrategyStatus.SUBMITTED
        )
        for n, alliance in enumerate(alliances)
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            strategy=strategy,
            year=cycle.first_funding_year,
            category=BudgetCategory.PERSONNEL,
            amount=Decimal("400000") + n * Decimal("1234.56"),
        )
        for n, strategy in enumerate(strategies)
    )
    submitted = [(n, s) for n, s in enumerate(strategies) if s.status == StrategyStatus.SUBMITTED]
    now = timezone.now()
    submissions = Submission.objects.bulk_create(
        Submission(
            strategy=s,
            number=1,
            submitted_at=now,
            submitted_by=office,
            sections={},
            budget=[],
            documents=[],
            fingerprint="0" * 64,
        )
        for _n, s in submitted
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            strategy=s, expert=experts[(n + r) % len(experts)], assigned_by=office, status="cleared", pseudonym="ABC"[r]
        )
        for n, s in submitted
        for r in range(REVIEWS)
    )
    recommendations = ["fund", "conditions", "reject"]
    reviews = Review.objects.bulk_create(
        Review(
            assignment=assignments[i * REVIEWS + r],
            submission=submission,
            rubric=rubric,
            status="submitted",
            recommendation=recommendations[(n + r) % 3],
            submitted_at=now,
        )
        for i, ((n, _s), submission) in enumerate(zip(submitted, submissions, strict=True))
        for r in range(REVIEWS)
    )
    Score.objects.bulk_create(
        Score(review=reviews[i * REVIEWS + r], criterion=criterion, value=points_for(n, r, c))
        for i, (n, _s) in enumerate(submitted)
        for r in range(REVIEWS)
        for c, criterion in enumerate(criteria)
    )
    stored_figures(reviews=Review.objects.filter(assignment__strategy__cycle=cycle))
    PanelVotum.objects.bulk_create(
        PanelVotum(
            strategy=s,
            recommendation=recommendations[n % 3],
            proposed_amount=Decimal("300000"),
            summary="Votum",
            written_by=office,
        )
        for n, s in submitted
        if n % 2 == 0
    )
    FundingDecision.objects.bulk_create(
        FundingDecision(
            strategy=s,
            outcome="approved",
            granted_amount=Decimal("250000") + n,
            funding_start=date(2025, 4, 1),
            funding_end=date(2028, 3, 31),
            rationale="Gut.",
            proposed_by=bmbf1,
            status=DecisionStatus.CONFIRMED if n % 4 == 0 else DecisionStatus.PROPOSED,
            confirmed_by=bmbf2 if n % 4 == 0 else None,
        )
        for n, s in submitted
        if n % 2 == 0
    )
    return {"office": office, "ministry": bmbf1}


@pytest.fixture
def small(cycle):
    return build_cycle(cycle, 10)


def dashboard_url(cycle, name="dashboard", **query):
    url = reverse(f"decisions:{name}", args=[cycle.slug])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


class TableRows(HTMLParser):
    """The text of each cell of the dashboard table body, row by row."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.in_body, self.in_table = [], None, False, False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "dashboard-table" in (dict(attrs).get("class") or ""):
            self.in_table = True
        elif self.in_table and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.in_body and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tbody":
            self.in_body = self.in_table = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page_rows(response):
    parser = TableRows()
    parser.feed(response.content.decode())
    return parser.rows


def german_number(text):
    return None if text in ("—", "") else Decimal(text.replace(".", "").replace(",", "."))


# --- Page, roles, sorting, filters ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["office", "ministry"])
def test_dashboard_renders_for_ministry_and_programme_office(client, cycle, small, role):
    client.force_login(small[role])
    response = client.get(dashboard_url(cycle))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 10
    page = response.content.decode()
    assert "Bündnis 000" in page and "Budget der Runde" in page
    assert ("Alle bestätigten Entscheidungen freigeben" in page) == (role == "ministry")


def test_current_dashboard_redirects_to_the_cycle(client, cycle, small):
    client.force_login(small["ministry"])
    response = client.get(reverse("decisions:current_dashboard"))
    assert response.status_code == 302
    assert response["Location"] == dashboard_url(cycle)


@pytest.mark.parametrize("role", [Role.EXPERT, Role.ALLIANCE_MANAGER])
@pytest.mark.parametrize("name", ["dashboard", "export_csv", "export_xlsx"])
def test_other_roles_may_not_see_the_dashboard_or_its_exports(client, cycle, role, name):
    client.force_login(User.objects.create(email="x@example.org", role=role))
    assert client.get(dashboard_url(cycle, name)).status_code == 403


def test_an_unknown_cycle_answers_404(client, cycle, small):
    client.force_login(small["ministry"])
    assert client.get(reverse("decisions:dashboard", args=["gibt-es-nicht"])).status_code == 404


SORT_VALUES = {
    "alliance": lambda row: row.alliance.name,
    "status": lambda row: row.status,
    "reviews": lambda row: row.review_count,
    "mean": lambda row: row.score_mean,
    "median": lambda row: row.score_median,
    "spread": lambda row: row.score_spread,
    "requested": lambda row: row.budget_total,
    "votum": lambda row: row.votum_recommendation or None,
    "decision": lambda row: row.decision_status,
    "granted": lambda row: row.decision_amount,
}


def test_every_sort_key_has_a_check():
    assert set(SORT_VALUES) == set(SORTS)


@pytest.mark.parametrize("key", sorted(SORTS))
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_sorting_by_every_column(client, cycle, small, key, descending):
    client.force_login(small["ministry"])
    response = client.get(dashboard_url(cycle, sort=("-" if descending else "") + key))
    values = [SORT_VALUES[key](row) for row in response.context["rows"]]
    present = [value for value in values if value is not None]
    assert values == present + [None] * (len(values) - len(present)), "missing values sort last"
    assert present == sorted(present, reverse=descending)
    assert len(set(present)) > 1, f"the data must make sorting by {key} observable"
    page = response.content.decode()
    assert ("absteigend sortiert" if descending else "aufsteigend sortiert") in page


def test_sorting_by_median_matches_the_table_on_the_page(client, cycle, small):
    client.force_login(small["ministry"])
    rows = page_rows(client.get(dashboard_url(cycle, sort="-median")))
    medians = [german_number(row[5]) for row in rows]
    present = [m for m in medians if m is not None]
    assert present == sorted(present, reverse=True) and len(present) == 8


def test_filters_by_state_status_and_votum_recommendation(client, cycle, small):
    client.force_login(small["ministry"])
    by_state = client.get(dashboard_url(cycle, state="BB")).context["rows"]
    assert by_state and all(row.alliance.state_names == ("Brandenburg",) for row in by_state)
    assert len(by_state) == 3  # alliances 1, 5, 9

    drafts = client.get(dashboard_url(cycle, status="draft")).context["rows"]
    assert [row.alliance.name for row in drafts] == ["Bündnis 004", "Bündnis 009"]

    funded = client.get(dashboard_url(cycle, recommendation="fund")).context["rows"]
    assert funded and all(row.votum_recommendation == "fund" for row in funded)
    assert len(funded) == len([n for n in range(10) if n % 5 != 4 and n % 2 == 0 and n % 3 == 0])

    combined = client.get(dashboard_url(cycle, state="SN", status="submitted", sort="-median")).context["rows"]
    assert [row.alliance.name for row in combined] == sorted(
        (row.alliance.name for row in combined),
        key=lambda name: -float(next(r for r in combined if r.alliance.name == name).score_median),
    )
    assert {row.alliance.name for row in combined} == {"Bündnis 000", "Bündnis 008"}


def test_unknown_filter_values_are_ignored_or_match_nothing(client, cycle, small):
    client.force_login(small["ministry"])
    assert len(client.get(dashboard_url(cycle, status="quatsch", recommendation="x", sort="x")).context["rows"]) == 10
    assert client.get(dashboard_url(cycle, state="XX")).context["rows"] == []


def test_row_numbers_are_the_aggregates_of_the_reviews(client, cycle, small):
    client.force_login(small["ministry"])
    rows = {row.alliance.name: row for row in client.get(dashboard_url(cycle)).context["rows"]}
    row = rows["Bündnis 001"]
    scores = sorted(
        sum(w * points_for(1, r, c) * 20 for c, w in enumerate(WEIGHTS)) / sum(WEIGHTS) for r in range(REVIEWS)
    )
    assert row.review_count == 3 and row.reviews_expected == 3
    assert float(row.score_median) == pytest.approx(scores[1])
    assert float(row.score_spread) == pytest.approx(scores[2] - scores[0])
    assert (row.count_fund, row.count_conditions, row.count_reject) == (1, 1, 1)
    draft = rows["Bündnis 004"]
    assert draft.review_count == 0 and draft.score_median is None and draft.disagreement is False


def test_budget_panel_shows_the_whole_cycle_whatever_the_filter(client, cycle, small):
    client.force_login(small["ministry"])
    submitted = [n for n in range(10) if n % 5 != 4]
    requested = sum(Decimal("400000") + n * Decimal("1234.56") for n in submitted)
    proposed = sum(Decimal("250000") + n for n in submitted if n % 2 == 0 and n % 4 != 0)
    confirmed = sum(Decimal("250000") + n for n in submitted if n % 4 == 0)
    for query in ({}, {"state": "BY"}):
        response = client.get(dashboard_url(cycle, **query))
        budget = response.context["budget"]
        assert (budget["requested"], budget["proposed"], budget["confirmed"]) == (requested, proposed, confirmed)
        assert budget["remaining"] == cycle.budget - confirmed
        assert budget["over_budget"] is False
    page = response.content.decode()
    assert "120.000.000,00 EUR" in page
    assert f"{confirmed:,.2f} EUR".replace(",", "X").replace(".", ",").replace("X", ".") in page


def test_charts_are_svg_with_tables_of_the_same_numbers(client, cycle, small):
    client.force_login(small["ministry"])
    response = client.get(dashboard_url(cycle))
    page = response.content.decode()
    assert page.count('<svg class="chart-svg"') == 2
    assert 'role="img" aria-labelledby="distribution-title"' in page
    assert 'role="img" aria-labelledby="heatmap-title"' in page
    assert page.count("Daten der Grafik als Tabelle") == 2
    distribution = response.context["distribution"]
    rows = {row.alliance.name: row for row in response.context["rows"]}
    line = next(line for line in distribution["lines"] if line["alliance"] == "Bündnis 001")
    assert len(line["dots"]) == 3 and [dot["label"] for dot in line["dots"]] == ["A", "B", "C"]
    assert line["median"] == Decimal(str(rows["Bündnis 001"].score_median)).quantize(Decimal("0.1"))
    assert f'<td class="text-end">{str(line["median"]).replace(".", ",")}</td>' in page
    heatmap = response.context["heatmap"]
    assert [c["code"] for c in heatmap["criteria"]] == [f"k{i}" for i in range(1, CRITERIA + 1)]
    cells = next(r for r in heatmap["rows"] if r["alliance"] == "Bündnis 001")["cells"]
    assert cells[0]["value"] == Decimal(sum(points_for(1, r, 0) * 20 for r in range(REVIEWS)) / 3).quantize(
        Decimal("0.1")
    )
    draft_cells = next(r for r in heatmap["rows"] if r["alliance"] == "Bündnis 004")["cells"]
    assert all(cell["value"] is None for cell in draft_cells)
    assert '<abbr title="Kriterium 1">K1</abbr>' in page


# --- Query count ------------------------------------------------------------------------------------------

# session, user, cycle, federal states for the filter, latest cycle report and archive dossier (panel tags):
# a warm page reads nothing else, above all no strategy.
WARM_DASHBOARD_QUERIES = 6
# plus the count of matching alliances, the page's rows (statistics as subqueries), their federal states
# (prefetch), the page's score points, the heat map (means or bands), budget requested / proposed / confirmed
COLD_DASHBOARD_QUERIES = WARM_DASHBOARD_QUERIES + 8


def bump(cycle):
    EvaluationCycle.objects.filter(pk=cycle.pk).update(figures_version=F("figures_version") + 1)


@pytest.mark.parametrize("size", [24, 240])
def test_dashboard_query_count_is_the_same_at_24_and_240_alliances(client, cycle, django_assert_num_queries, size):
    users = build_cycle(cycle, size)
    assert Score.objects.count() == len([n for n in range(size) if n % 5 != 4]) * REVIEWS * CRITERIA
    client.force_login(users["ministry"])
    url = dashboard_url(cycle, sort="-median")
    client.get(url)  # the session and the template loaders warmed outside the count
    bump(cycle)
    with django_assert_num_queries(COLD_DASHBOARD_QUERIES):
        cold = client.get(url)
    with django_assert_num_queries(WARM_DASHBOARD_QUERIES) as warm_queries:
        warm = client.get(url)
    assert not any("alliances_strategy" in query["sql"] for query in warm_queries.captured_queries)
    assert cold.status_code == warm.status_code == 200
    assert len(cold.context["rows"]) == min(size, PAGE_SIZE)
    assert cold.context["count"] == size
    assert page_rows(warm) == page_rows(cold) and len(page_rows(cold)) == min(size, PAGE_SIZE)
    timings = {}
    for name, before in (("cold", bump), ("warm", lambda cycle: None)):
        timings[name] = []
        for _ in range(3):
            before(cycle)
            started = time.perf_counter()
            client.get(url)
            timings[name].append(time.perf_counter() - started)
    print(
        f"\ndashboard at {size} alliances: {COLD_DASHBOARD_QUERIES} / {WARM_DASHBOARD_QUERIES} queries cold / warm, "
        + "; ".join(f"{name} {', '.join(f'{t * 1000:.0f}' for t in ts)} ms" for name, ts in timings.items())
    )
