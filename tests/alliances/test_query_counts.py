"""List and detail pages keep a fixed number of queries, whatever the data size."""

import pytest
from django.urls import reverse

from alliances import services
from alliances.models import DocumentKind, Strategy
from alliances.views.cycle import OVERVIEW_PER_PAGE
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    StrategyFactory,
    checked_document,
    manager_of,
    pdf_upload,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def build_cycle(cycle, count):
    for number in range(count):
        alliance = AllianceFactory(
            slug=f"b-{count}-{number}", name=f"Bündnis {number:03d}", states=["SN", "BB"] if number % 2 else ["BY"]
        )
        if number % 3 == 0:
            strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
            manager = manager_of(alliance)
            checked_document(strategy, manager, DocumentKind.MAIN, pdf_upload())
            if number % 6 == 0:
                services.submit_strategy(strategy=strategy, user=manager)
        else:
            StrategyFactory(cycle=cycle, alliance=alliance)


# session, user, cycle, the page's count and strategies with checklist annotations, federal states (prefetch),
# filter choices
OVERVIEW_QUERIES = 7
# plus the validation of the chosen federal state
FILTERED_OVERVIEW_QUERIES = 8


@pytest.mark.parametrize("size", [24, 240])
def test_overview_query_count_is_the_same_at_24_and_240_alliances(client, cycle, programme_office, size):
    build_cycle(cycle, size)
    client.force_login(programme_office)
    queries, response = count_queries(client, reverse("alliances:overview", args=[cycle.slug]))
    assert len(response.context["rows"]) == min(size, OVERVIEW_PER_PAGE)
    assert response.context["page"].paginator.count == size
    assert queries == OVERVIEW_QUERIES


@pytest.mark.parametrize("size", [24, 240])
def test_filtered_and_sorted_overview_keeps_its_query_count(client, cycle, ministry, size):
    build_cycle(cycle, size)
    client.force_login(ministry)
    url = reverse("alliances:overview", args=[cycle.slug]) + "?state=SN&status=draft&sort=-missing"
    queries, response = count_queries(client, url)
    rows = response.context["rows"]
    assert rows and all(row["strategy"].status == "draft" for row in rows)
    missing = [len(row["missing"]) for row in rows]
    assert missing == sorted(missing, reverse=True)
    assert queries == FILTERED_OVERVIEW_QUERIES


# The draft's documents and its refused uploads (shown with their reason) come from one query.
STRATEGY_PAGE_QUERIES = 7


@pytest.mark.parametrize("documents", [1, 10])
def test_strategy_page_query_count_does_not_grow_with_documents(client, cycle, alliance, manager, documents):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    for number in range(documents):
        checked_document(
            strategy,
            manager,
            DocumentKind.MAIN if number == 0 else DocumentKind.ANNEX,
            pdf_upload(f"Anlage {number}.pdf"),
        )
    client.force_login(manager)
    queries, response = count_queries(client, reverse("alliances:strategy", args=[cycle.slug, alliance.slug]))
    assert len(response.context["documents"]) == documents
    assert queries == STRATEGY_PAGE_QUERIES


def test_overview_shows_missing_items_computed_in_sql(client, cycle, programme_office):
    build_cycle(cycle, 6)
    client.force_login(programme_office)
    _queries, response = count_queries(client, reverse("alliances:overview", args=[cycle.slug]))
    by_name = {row["strategy"].alliance.name: row for row in response.context["rows"]}
    assert by_name["Bündnis 000"]["missing"] == []
    assert "Strategiedokument (PDF)" in by_name["Bündnis 001"]["missing"]
    assert len(by_name["Bündnis 001"]["missing"]) == 9
    for row in response.context["rows"]:
        strategy = row["strategy"]
        assert row["missing"] == [str(item) for item in strategy.__class__.objects.get(pk=strategy.pk).missing_items()]


def overview_rows_page_by_page(client, url, params):
    rows, number = [], 1
    while True:
        _queries, response = count_queries(client, url, {**params, "seite": number})
        rows += response.context["rows"]
        if not response.context["page"].has_next():
            return rows
        number += 1


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({}, lambda strategy: ()),
        ({"sort": "status"}, lambda strategy: (strategy.status,)),
        ({"sort": "-missing"}, lambda strategy: (-len(strategy.missing_items()),)),
        ({"sort": "-missing", "state": "SN"}, lambda strategy: (-len(strategy.missing_items()),)),
    ],
    ids=["name", "status", "missing-descending", "state-and-missing"],
)
def test_overview_pages_together_hold_every_row_in_a_stable_order(client, cycle, ministry, params, key):
    """Alliances two by two with one name, and sorts with many ties: the name, then the pk decide."""
    build_cycle(cycle, 104)
    Strategy.objects.filter(alliance__name="Bündnis 011").update(alliance=AllianceFactory(name="Bündnis 010"))
    client.force_login(ministry)
    rows = overview_rows_page_by_page(client, reverse("alliances:overview", args=[cycle.slug]), params)
    strategies = Strategy.objects.filter(cycle=cycle).select_related("alliance")
    if "state" in params:
        strategies = strategies.filter(alliance__states__code=params["state"])
    expected = sorted(strategies, key=lambda strategy: (*key(strategy), strategy.alliance.name, strategy.pk))
    assert [row["strategy"].pk for row in rows] == [strategy.pk for strategy in expected]
    assert len(rows) > OVERVIEW_PER_PAGE
