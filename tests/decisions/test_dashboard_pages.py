"""The dashboard a page at a time: every sort keeps the rows of the unpaginated order, and the charts stay small."""

from collections import Counter, defaultdict

import pytest
from django.urls import reverse

from alliances.services import bump_figures_version
from decisions import dashboard
from decisions.dashboard import DashboardFilters
from portal.models import Role, User
from reviews import aggregates
from reviews.models import Assignment, Criterion, Review, RubricVersion, Score
from tests.decisions.test_dashboard import SORT_VALUES, build_cycle, page_rows
from tests.factories import stored_figures, submitted_snapshots_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle24(cycle):
    users = build_cycle(cycle, 24)
    return cycle, users["ministry"]


def get(client, cycle, **query):
    response = client.get(reverse("decisions:dashboard", args=[cycle.slug]), query)
    assert response.status_code == 200
    return response


def full_order(cycle, **filters):
    return [
        row.pk
        for row in dashboard.filter_and_sort(dashboard.dashboard_queryset(cycle=cycle), DashboardFilters(**filters))
    ]


SORTS_TO_PAGE = ["alliance", "-alliance", "status", "-status", "median", "-median", "votum", "-votum", "-granted"]


@pytest.mark.parametrize("sort", SORTS_TO_PAGE)
def test_the_pages_together_are_the_unpaginated_order(client, cycle24, monkeypatch, sort):
    cycle, ministry = cycle24
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 5)
    client.force_login(ministry)
    first = get(client, cycle, sort=sort)
    assert first.context["page"].paginator.num_pages == 5 and first.context["count"] == 24
    seen, names, shown = [], [], []
    for number in range(1, 6):
        response = get(client, cycle, sort=sort, seite=number)
        assert response.context["page"].number == number
        seen += [row.pk for row in response.context["rows"]]
        names += [row.alliance.name for row in response.context["rows"]]
        shown += [cells[0].split(" Feld ")[0] for cells in page_rows(response)]
    assert seen == full_order(cycle, sort=sort)
    assert len(set(seen)) == 24
    assert shown == names


@pytest.mark.parametrize("sort", ["status", "-median", "votum", "-granted"])
def test_missing_values_sort_last_and_ties_go_by_alliance_name(client, cycle24, monkeypatch, sort):
    cycle, ministry = cycle24
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 7)
    client.force_login(ministry)
    rows = []
    for number in range(1, 5):
        rows += get(client, cycle, sort=sort, seite=number).context["rows"]
    values = [SORT_VALUES[sort.lstrip("-")](row) for row in rows]
    present = [value for value in values if value is not None]
    assert values == present + [None] * (len(values) - len(present))
    assert present == sorted(present, reverse=sort.startswith("-"))
    assert len(present) < len(values) or sort == "status"
    for before, after in zip(rows, rows[1:], strict=False):
        if SORT_VALUES[sort.lstrip("-")](before) == SORT_VALUES[sort.lstrip("-")](after):
            assert before.alliance.name < after.alliance.name


def test_a_filtered_sort_pages_the_same_rows(client, cycle24, monkeypatch):
    cycle, ministry = cycle24
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 4)
    client.force_login(ministry)
    seen = []
    for number in range(1, 3):
        response = get(client, cycle, state="SN", sort="-median", seite=number)
        seen += [row.pk for row in response.context["rows"]]
        assert "state=SN" in response.content.decode()
    assert response.context["count"] == 6
    assert seen == full_order(cycle, state="SN", sort="-median")


def test_page_links_keep_the_filters_and_sort(client, cycle24, monkeypatch):
    cycle, ministry = cycle24
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 10)
    client.force_login(ministry)
    page = get(client, cycle, status="submitted", sort="-median", seite=2).content.decode()
    assert "Seite 2 von 2" in page
    assert "?status=submitted&amp;sort=-median&amp;seite=1" in page
    assert "20 Bündnisse" in page and "angezeigt: 11 bis 20" in page  # 4 of 24 are drafts


def test_a_cycle_of_24_stays_on_one_page(client, cycle24):
    cycle, ministry = cycle24
    client.force_login(ministry)
    response = get(client, cycle)
    assert len(response.context["rows"]) == 24 and not response.context["page"].has_other_pages()
    page = response.content.decode()
    assert "24 Bündnisse; Punkte gewichtet auf 0–100</caption>" in page
    assert 'aria-label="Seiten"' not in page


@pytest.mark.parametrize(("seite", "number"), [("abc", 1), ("0", 1), ("99", 3)])
def test_an_unusable_page_number_shows_the_first_or_the_last_page(client, cycle24, monkeypatch, seite, number):
    cycle, ministry = cycle24
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 10)
    client.force_login(ministry)
    response = get(client, cycle, seite=seite)
    assert response.context["page"].number == number
    assert len(response.context["rows"]) == (4 if number == 3 else 10)


def test_the_distribution_chart_shows_the_alliances_of_the_page(client, cycle24, monkeypatch):
    cycle, ministry = cycle24
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 5)
    client.force_login(ministry)
    response = get(client, cycle, sort="-median", seite=2)
    lines = response.context["distribution"]["lines"]
    assert [line["alliance"] for line in lines] == [row.alliance.name for row in response.context["rows"]]
    assert all(len(line["dots"]) == 3 for line in lines)
    assert "Bündnisse dieser Seite" in response.content.decode()


def expected_bands(cycle):
    """Per criterion code: the number of alliances with a mean in each band, from `criterion_means`."""
    bands = defaultdict(Counter)
    for item in aggregates.criterion_means(cycle=cycle):
        bands[item["code"]][min(4, int(item["mean_normalised"] // 20))] += 1
    return {code: [counter[band] for band in range(5)] for code, counter in bands.items()}


def test_above_the_limit_the_heat_map_counts_alliances_per_band(client, cycle24, monkeypatch):
    cycle, ministry = cycle24
    client.force_login(ministry)
    assert get(client, cycle).context["heatmap"]["kind"] == "alliances"  # 24 ≤ 50
    monkeypatch.setattr(dashboard, "HEATMAP_ALLIANCES_MAX", 23)
    bump_figures_version(cycle_id=cycle.pk)  # the figures computed with the default limit are left behind
    response = get(client, cycle)
    heatmap = response.context["heatmap"]
    assert heatmap["kind"] == "bands"
    expected = expected_bands(cycle)
    assert [row["code"] for row in heatmap["rows"]] == [f"k{i}" for i in range(1, 9)]
    with_mean = len([n for n in range(24) if n % 5 != 4])  # the drafts have no reviews
    for row in heatmap["rows"]:
        assert row["counts"] == expected[row["code"]]
        assert row["total"] == sum(row["counts"]) == with_mean
    page = response.content.decode()
    assert 'role="img" aria-labelledby="bands-title"' in page and "<title>Anzahl der Bündnisse je Kriterium" in page
    assert 'class="table table-sm bands-table"' in page
    assert f'<td class="text-end">{with_mean}</td></tr>' in page
    assert '<abbr title="Kriterium 1">K1</abbr>' in page


def test_the_bands_follow_the_filters(client, cycle24, monkeypatch):
    cycle, ministry = cycle24
    monkeypatch.setattr(dashboard, "HEATMAP_ALLIANCES_MAX", 3)
    client.force_login(ministry)
    heatmap = get(client, cycle, state="SN").context["heatmap"]
    # Alliances 0, 4, 8, 12, 16, 20 are in Saxony; 4 is a draft without reviews.
    assert heatmap["kind"] == "bands"
    assert {row["total"] for row in heatmap["rows"]} == {5}


def test_a_cycle_of_60_gets_the_bands(client, cycle):
    users = build_cycle(cycle, 60)
    client.force_login(users["ministry"])
    response = get(client, cycle)
    assert response.context["heatmap"]["kind"] == "bands"
    assert all(row["total"] == 48 for row in response.context["heatmap"]["rows"])
    assert get(client, cycle, status="submitted", state="SN").context["heatmap"]["kind"] == "alliances"


def test_the_page_links_of_one_visitor_are_not_cached_for_the_next(client, cycle24, monkeypatch):
    cycle, ministry = cycle24
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 10)
    client.force_login(ministry)
    assert "herkunft=newsletter" in get(client, cycle, sort="-median", seite=2, herkunft="newsletter").content.decode()
    page = get(client, cycle, sort="-median", seite=2).content.decode()
    assert "herkunft=newsletter" not in page and "?sort=-median&amp;seite=1" in page


def test_the_band_counts_on_sqlite(sqlite_connection):
    db = sqlite_connection.alias
    assert sqlite_connection.vendor == "sqlite"
    # 0 → 0 (band 0–20), 2 → 40 (40–60), 5 → 100 (80–100), 4 → 80 (80–100)
    marks = [0, 2, 5, 4]
    cycle, office, snapshots = submitted_snapshots_on(db, [f"s{number}" for number in range(len(marks))])
    rubric = RubricVersion.objects.using(db).create(cycle=cycle, number=1)
    criterion = Criterion.objects.using(db).create(rubric=rubric, code="a", title="A", weight=1, scale_max=5)
    for number, (points, (strategy, snapshot)) in enumerate(zip(marks, snapshots, strict=True)):
        expert = User.objects.using(db).create(email=f"{number}@sqlite.example", role=Role.EXPERT)
        assignment = Assignment.objects.using(db).create(
            strategy=strategy, expert=expert, assigned_by=office, status="cleared", pseudonym="A"
        )
        review = Review.objects.using(db).create(
            assignment=assignment,
            submission=snapshot,
            rubric=rubric,
            status="submitted",
            recommendation="fund",
            submitted_at=cycle.submission_deadline,
        )
        Score.objects.using(db).create(review=review, criterion=criterion, value=points)
    stored_figures(reviews=Review.objects.using(db).filter(rubric=rubric))
    (bands,) = dashboard.criterion_band_counts(cycle=cycle, filters=DashboardFilters())
    assert bands == {"code": "a", "title": "A", "counts": [1, 0, 1, 0, 2]}
