"""The cycle report's ranking, computed from the dashboard's rows: ranks, the tie rule, the unranked and the sums."""

from decimal import Decimal

import pytest
from pypdf import PdfReader

from alliances.models import BudgetCategory, BudgetLine
from decisions import dashboard
from decisions import services as decision_services
from dossiers import ranking
from dossiers.benchmarks.print_layout import word_boxes
from tests.dossiers.test_cycle_report import render_report
from tests.factories import (
    AllianceFactory,
    AssignmentFactory,
    StrategyFactory,
    decision_content,
    ministry_user,
    programme_rubric,
    scored_strategy,
)

pytestmark = pytest.mark.django_db

# Weighted medians 80, 60, 60, 40 (all criteria 4, 3, 3, 2 of 5); the names sort differently from the ranking.
RANKED = [("Zukunft Erzgebirge", 4), ("Altmark Digital", 3), ("Moorland Energie", 3), ("Bördeland", 2)]


@pytest.fixture
def tied_cycle(cycle):
    rubric = programme_rubric(cycle)
    strategies = {}
    for name, points in RANKED:
        strategies[name] = scored_strategy(cycle, AllianceFactory(name=name), rubric=rubric, points=points)
    # Best of all by its one review, but two more reviews are expected: no rank.
    unfinished = scored_strategy(cycle, AllianceFactory(name="Harzer Wandel"), rubric=rubric, points=5)
    AssignmentFactory(strategy=unfinished)
    AssignmentFactory(strategy=unfinished)
    StrategyFactory(cycle=cycle, alliance=AllianceFactory(name="Elbtal Neu"))  # a draft: no reviews, no request
    proposer, confirmer = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    confirmed = decision_services.propose_decision(
        strategy=strategies["Altmark Digital"], user=proposer, **decision_content(granted_amount=Decimal("450000"))
    )
    decision_services.confirm_decision(decision=confirmed, user=confirmer)
    decision_services.propose_decision(
        strategy=unfinished, user=proposer, **decision_content(granted_amount=Decimal("300000"))
    )
    return cycle


def report_rows(cycle):
    return dashboard.rows_for(cycle=cycle, filters=dashboard.DashboardFilters(sort="-median"))


def test_ties_share_a_rank_and_the_next_rank_is_skipped(tied_cycle):
    result = ranking.rank_rows(report_rows(tied_cycle))
    assert [(entry.rank, entry.row.alliance.name) for entry in result.ranked] == [
        (1, "Zukunft Erzgebirge"),
        (2, "Altmark Digital"),
        (2, "Moorland Energie"),
        (4, "Bördeland"),
    ]
    assert [entry.shared for entry in result.ranked] == [False, True, True, False]
    assert result.has_ties


def test_medians_that_print_alike_share_a_rank(tied_cycle):
    rows = report_rows(tied_cycle)
    altmark = next(row for row in rows if row.alliance.name == "Altmark Digital")
    # 60.04 prints as 60,0 like 60.0: the reader sees a tie, so it is one.
    altmark.score_median = 60.04
    result = ranking.rank_rows(rows)
    assert [entry.rank for entry in result.ranked] == [1, 2, 2, 4]
    altmark.score_median = 60.06
    assert [entry.rank for entry in ranking.rank_rows(rows).ranked] == [1, 2, 3, 4]


def test_strategies_without_all_expected_reviews_get_no_rank_and_are_listed_apart(tied_cycle):
    result = ranking.rank_rows(report_rows(tied_cycle))
    assert "Harzer Wandel" not in [entry.row.alliance.name for entry in result.ranked]
    incomplete = {entry.row.alliance.name: entry for entry in result.incomplete}
    assert set(incomplete) == {"Harzer Wandel", "Elbtal Neu"}
    harz = incomplete["Harzer Wandel"]
    assert harz.rank is None and (harz.row.review_count, harz.row.reviews_expected) == (1, 3)
    assert incomplete["Elbtal Neu"].requested is None  # a draft requests nothing yet


def test_the_sums_add_up_to_the_dashboards_budget_figures(tied_cycle):
    rows = report_rows(tied_cycle)
    result = ranking.rank_rows(rows)
    panel = dashboard.budget_panel(cycle=tied_cycle, rows=rows)
    assert result.totals.requested == panel["requested"] == Decimal("2500000")
    assert result.totals.granted == panel["confirmed"] == Decimal("450000")
    assert result.ranked_totals.requested + result.incomplete_totals.requested == result.totals.requested
    assert result.ranked_totals.granted + result.incomplete_totals.granted == result.totals.granted
    # A proposal is not granted: the unfinished strategy's proposed 300,000 is in the panel's "proposed" only.
    assert result.incomplete_totals.granted == Decimal("0") and panel["proposed"] == Decimal("300000")
    # The same sums as the dashboard's own rows.
    assert result.totals.requested == sum(row.budget_total for row in rows if row.status != "draft")


# --- The printed report ------------------------------------------------------------------------------------

MM = 72 / 25.4
RIGHT_MARGIN, LEFT_MARGIN = 18 * MM, 18 * MM
# Half a point for rounding in the word boxes.
TOLERANCE = 0.5


def landscape_text(path):
    """The text of the landscape pages (the ranking, the sums and the budget), line breaks folded into spaces."""
    pages = [page for page in PdfReader(path).pages if float(page.mediabox.width) > float(page.mediabox.height)]
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_the_printed_ranking_shows_shared_ranks_the_tie_rule_and_the_unranked_apart(tied_cycle):
    overview = landscape_text(render_report(tied_cycle).file.path)
    ranked, unranked = overview.split("Unvollständig begutachtet", 1)
    assert "nach dem Median der gewichteten Punkte (0–100), absteigend" in ranked
    for rank, name, median in [
        (1, "Zukunft Erzgebirge", "80,0"),
        (2, "Altmark Digital", "60,0"),
        (2, "Moorland Energie", "60,0"),
        (4, "Bördeland", "40,0"),
    ]:
        assert f"{rank} {name} 1 von 1 {median}" in ranked, ranked
    assert "Gleicher Median" in ranked and "die folgenden Ränge werden übersprungen" in ranked
    assert "Harzer Wandel" not in ranked and "Elbtal Neu" not in ranked
    assert "Eingereicht Harzer Wandel 1 von 3 100,0" in unranked, unranked
    assert "Entwurf Elbtal Neu 0 von 0" in unranked, unranked
    # The sums: ranked 2,000,000 requested and 450,000 granted; all together as the budget panel says.
    assert "Summe 2.000.000,00 450.000,00" in ranked, ranked
    assert "Summe 500.000,00 0,00" in unranked, unranked
    assert "Summe 2.500.000,00 450.000,00" in unranked, unranked
    assert "beantragt 2.500.000,00 EUR" in unranked and "bestätigt 450.000,00 EUR" in unranked, unranked


def test_no_word_of_the_report_runs_off_the_page(tied_cycle):
    strategy = scored_strategy(
        tied_cycle,
        AllianceFactory(
            name="Landvorteil – WIR!-Bündnis Innovationen auf dem und fürs Land in Nordwestmecklenburg",
            acronym="Landvorteil",
        ),
        rubric=programme_rubric(tied_cycle),
        points=1,
    )
    for year in tied_cycle.years:
        for category in BudgetCategory.values:
            BudgetLine.objects.get_or_create(
                strategy=strategy, year=year, category=category, defaults={"amount": Decimal("9999999.99")}
            )
    dossier = render_report(tied_cycle)
    pages = word_boxes(dossier.file.path)
    assert any(page.width > page.height for page in pages)  # the ranking's landscape page
    assert "Nordwestmecklenburg" in " ".join(word.text for page in pages for word in page.words)
    for number, page in enumerate(pages, start=1):
        for word in page.words:
            assert word.x_min >= LEFT_MARGIN - TOLERANCE, (number, word)
            assert word.x_max <= page.width - RIGHT_MARGIN + TOLERANCE, (number, word)
