"""The cycle report for the ministry, rendered for real and read back with pypdf and qpdf."""

from decimal import Decimal

import pytest
from pypdf import PdfReader

from alliances.models import Alliance, Strategy
from decisions import services as decision_services
from dossiers import contents, services
from dossiers.models import DossierKind, DossierStatus
from tests.dossiers.test_rendering import outline_titles, qpdf_check
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

# Alphabetical order differs from the ranking by median (all 4 → 80, all 3 → 60, all 2 → 40).
RANKING = ["Zukunft Erzgebirge", "Moorland Energie", "Altmark Digital"]


@pytest.fixture
def report_cycle(cycle):
    rubric = programme_rubric(cycle)
    strategies = {}
    for name, points in (("Altmark Digital", 2), ("Zukunft Erzgebirge", 4), ("Moorland Energie", 3)):
        alliance = AllianceFactory(name=name, slug=name.lower().replace(" ", "-"))
        strategies[name] = scored_strategy(cycle, alliance, rubric=rubric, points=points)
    proposer, confirmer = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    decision = decision_services.propose_decision(
        strategy=strategies["Zukunft Erzgebirge"], user=proposer, **decision_content(granted_amount=Decimal("400000"))
    )
    decision_services.confirm_decision(decision=decision, user=confirmer)
    decision_services.propose_decision(
        strategy=strategies["Moorland Energie"], user=confirmer, **decision_content(granted_amount=Decimal("250000"))
    )
    return cycle


def render_report(cycle):
    dossier = services.request_dossier(kind=DossierKind.CYCLE_REPORT, cycle=cycle)
    return services.render_dossier(dossier_id=dossier.pk)


def folded_text(page):
    return " ".join(page.extract_text().split())


def test_cycle_report_context_ranks_by_median_and_sums_the_budget(report_cycle):
    context = contents.cycle_report_context(report_cycle)
    assert [row.alliance.name for row in context["rows"]] == RANKING
    budget = context["budget"]
    assert budget["requested"] == Decimal("1500000")
    assert budget["confirmed"] == Decimal("400000")
    assert budget["proposed"] == Decimal("250000")
    assert budget["remaining"] == Decimal("119600000")


def test_cycle_report_has_cover_landscape_overview_charts_and_the_alliances_in_ranking_order(report_cycle):
    dossier = render_report(report_cycle)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    reader = PdfReader(dossier.file.path)
    pages = [folded_text(page) for page in reader.pages]
    assert dossier.page_count == len(pages)
    assert "Bericht: Zwischenbegutachtung 2024" in pages[0]
    # The ranking and the budget share one landscape page; the rest is portrait.
    assert pages[1].startswith("Übersicht und Rangfolge")
    assert "Budget der Runde" in pages[1]
    assert [float(page.mediabox.width) > float(page.mediabox.height) for page in reader.pages[:3]] == [
        False,
        True,
        False,
    ]
    assert pages[2].startswith("Punkte im Vergleich")
    details = " ".join(pages[3:])
    assert details.startswith("Bündnisse im Einzelnen")
    # The alliances flow, several to a page, in the ranking's order.
    assert len(pages) < 3 + len(RANKING), pages
    positions = [details.index(f"{name} Rang {rank} Region") for rank, name in enumerate(RANKING, start=1)]
    assert positions == sorted(positions), details
    assert details.count("Median / Mittel / Spannweite") == len(RANKING)


def test_cycle_report_lists_alliances_in_ranking_order_with_medians(report_cycle):
    reader = PdfReader(render_report(report_cycle).file.path)
    overview = folded_text(reader.pages[1])
    assert "nach dem Median der gewichteten Punkte (0–100), absteigend" in overview
    positions = [overview.index(name) for name in RANKING]
    assert positions == sorted(positions), overview
    for rank, (name, median) in enumerate(zip(RANKING, ["80,0", "60,0", "40,0"], strict=True), start=1):
        assert f"{rank} {name} 1 von 1 {median}" in overview, overview


def test_cycle_report_shows_the_budget_figures(report_cycle):
    reader = PdfReader(render_report(report_cycle).file.path)
    overview = folded_text(reader.pages[1])
    budget = overview[overview.index("Budget der Runde") :]
    assert "verfügbar 120.000.000,00 EUR" in budget
    assert "beantragt 1.500.000,00 EUR" in budget
    assert "vorgeschlagen (offen) 250.000,00 EUR" in budget
    assert "bestätigt 400.000,00 EUR" in budget
    assert "noch frei 119.600.000,00 EUR" in budget
    # Requested and granted of the confirmed alliance, in its row; a proposal is not granted yet.
    confirmed_row = overview[overview.index("Zukunft Erzgebirge") : overview.index("Moorland Energie")]
    assert "500.000,00 400.000,00" in confirmed_row, confirmed_row
    proposed_row = overview[overview.index("Moorland Energie") : overview.index("Altmark Digital")]
    assert "vorgeschlagen 500.000,00 –" in proposed_row, proposed_row
    assert "Summe 1.500.000,00 400.000,00" in overview, overview


def test_cycle_report_metadata_outline_and_structure(report_cycle):
    dossier = render_report(report_cycle)
    reader = PdfReader(dossier.file.path)
    assert reader.metadata.title == "Bericht: Zwischenbegutachtung 2024"
    assert reader.metadata.author == "WIR!-Strategieportal"
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    titles = outline_titles(reader)
    for expected in [
        "Bericht: Zwischenbegutachtung 2024",
        "Übersicht und Rangfolge",
        "Budget der Runde",
        "Punkte im Vergleich",
        *RANKING,
    ]:
        assert expected in titles, titles
    assert [title for title in titles if title in RANKING] == RANKING
    qpdf_check(dossier.file.path)


def test_an_alliance_that_never_submitted_is_listed_apart_without_rank(report_cycle):
    StrategyFactory(cycle=report_cycle, alliance=AllianceFactory(name="Harzland"))
    reader = PdfReader(render_report(report_cycle).file.path)
    overview = folded_text(reader.pages[1])
    incomplete = overview[overview.index("Unvollständig begutachtet") :]
    assert "Entwurf Harzland 0 von 0 – – – – – –" in incomplete, incomplete
    assert "Harzland" not in overview[: overview.index("Unvollständig begutachtet")]
    last = folded_text(reader.pages[-1])
    assert "Harzland Rang ohne Rang (unvollständig begutachtet)" in last, last
    assert "Einreichung Entwurf" in last and "Beantragt nichts (nicht eingereicht)" in last, last


def test_a_new_assignment_or_a_renamed_alliance_asks_for_a_fresh_report(report_cycle):
    first = render_report(report_cycle)
    assert services.request_dossier(kind=DossierKind.CYCLE_REPORT, cycle=report_cycle).pk == first.pk
    AssignmentFactory(strategy=Strategy.objects.get(alliance__name="Altmark Digital"))
    after_assignment = services.request_dossier(kind=DossierKind.CYCLE_REPORT, cycle=report_cycle)
    assert after_assignment.fingerprint != first.fingerprint
    Alliance.objects.filter(name="Moorland Energie").update(name="Moorland Energie Nord")
    after_rename = services.request_dossier(kind=DossierKind.CYCLE_REPORT, cycle=report_cycle)
    assert after_rename.fingerprint not in (first.fingerprint, after_assignment.fingerprint)
