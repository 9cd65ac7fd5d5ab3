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


def test_cycle_report_has_cover_overview_budget_and_one_page_per_alliance(report_cycle):
    dossier = render_report(report_cycle)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    reader = PdfReader(dossier.file.path)
    pages = [folded_text(page) for page in reader.pages]
    assert dossier.page_count == len(pages)
    # cover, overview with ranking, budget, the two charts, then one page per alliance
    assert len(pages) == 4 + len(RANKING), pages
    assert "Bericht: Zwischenbegutachtung 2024" in pages[0]
    assert "Übersicht und Rangfolge" in pages[1]
    assert pages[2].startswith("Budget der Runde")
    assert pages[3].startswith("Punkte im Vergleich")
    for page, name in zip(pages[4:], RANKING, strict=True):
        assert page.startswith(f"{name} Region"), page
        assert "Median / Mittel / Spannweite" in page


def test_cycle_report_lists_alliances_in_ranking_order_with_medians(report_cycle):
    reader = PdfReader(render_report(report_cycle).file.path)
    overview = folded_text(reader.pages[1])
    positions = [overview.index(name) for name in RANKING]
    assert positions == sorted(positions), overview
    for rank, (name, median) in enumerate(zip(RANKING, ["80,0", "60,0", "40,0"], strict=True), start=1):
        assert f"{rank} {name} 1 {median}" in overview, overview


def test_cycle_report_shows_the_budget_figures(report_cycle):
    reader = PdfReader(render_report(report_cycle).file.path)
    budget = folded_text(reader.pages[2])
    assert "verfügbar 120.000.000,00 EUR" in budget
    assert "beantragt 1.500.000,00 EUR" in budget
    assert "vorgeschlagen (offen) 250.000,00 EUR" in budget
    assert "bestätigt 400.000,00 EUR" in budget
    assert "noch frei 119.600.000,00 EUR" in budget
    overview = folded_text(reader.pages[1])
    # Requested and granted of the confirmed alliance, in its row.
    confirmed_row = overview[overview.index("Zukunft Erzgebirge") : overview.index("Moorland Energie")]
    assert "500.000,00" in confirmed_row and "400.000,00" in confirmed_row


def test_cycle_report_metadata_outline_and_structure(report_cycle):
    dossier = render_report(report_cycle)
    reader = PdfReader(dossier.file.path)
    assert reader.metadata.title == "Bericht: Zwischenbegutachtung 2024"
    assert reader.metadata.author == "WIR! Strategy Portal"
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


def test_an_alliance_that_never_submitted_is_listed_last_with_its_status(report_cycle):
    StrategyFactory(cycle=report_cycle, alliance=AllianceFactory(name="Harzland"))
    reader = PdfReader(render_report(report_cycle).file.path)
    pages = [folded_text(page) for page in reader.pages]
    alliance_pages = [page.split(" Region ")[0] for page in pages if " Region Lausitz Innovationsfeld" in page]
    assert alliance_pages == [*RANKING, "Harzland"]
    overview = folded_text(reader.pages[1])
    # No rank without a median: the row starts with a dash.
    assert "3 Altmark Digital 1 40,0 40,0 – 500.000,00 – – Harzland 0 – –" in overview, overview
    assert overview.index("Altmark Digital") < overview.index("Harzland")
    last = folded_text(reader.pages[-1])
    assert "Harzland" in last and "Einreichung Entwurf" in last, last


def test_a_new_assignment_or_a_renamed_alliance_asks_for_a_fresh_report(report_cycle):
    first = render_report(report_cycle)
    assert services.request_dossier(kind=DossierKind.CYCLE_REPORT, cycle=report_cycle).pk == first.pk
    AssignmentFactory(strategy=Strategy.objects.get(alliance__name="Altmark Digital"))
    after_assignment = services.request_dossier(kind=DossierKind.CYCLE_REPORT, cycle=report_cycle)
    assert after_assignment.fingerprint != first.fingerprint
    Alliance.objects.filter(name="Moorland Energie").update(name="Moorland Energie Nord")
    after_rename = services.request_dossier(kind=DossierKind.CYCLE_REPORT, cycle=report_cycle)
    assert after_rename.fingerprint not in (first.fingerprint, after_assignment.fingerprint)
