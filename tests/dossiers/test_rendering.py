"""Dossiers rendered for real with WeasyPrint and checked with pypdf and qpdf."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from alliances import services as alliance_services
from alliances.models import DocumentKind
from dossiers import services
from dossiers.models import DossierKind, DossierStatus
from tests.factories import AllianceFactory, CompleteStrategyFactory, manager_of, pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db


def outline_titles(reader):
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def qpdf_check(path):
    if shutil.which("qpdf") is None:
        pytest.fail("qpdf is missing (make test installs it).")
    result = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def submitted(cycle):
    alliance = AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz", states=["BB", "SN"])
    strategy = CompleteStrategyFactory(
        cycle=cycle, alliance=alliance, summary="<script>alert(1)</script> url(http://evil.example/x.png) & Co."
    )
    manager = manager_of(alliance)
    alliance_services.add_strategy_document(
        strategy=strategy, user=manager, kind=DocumentKind.MAIN, uploaded_file=pdf_upload("Strategie.pdf", pages=3)
    )
    alliance_services.add_strategy_document(
        strategy=strategy,
        user=manager,
        kind=DocumentKind.LETTER_OF_SUPPORT,
        uploaded_file=pdf_upload("Brief Landrat.pdf", pages=2),
    )
    alliance_services.submit_strategy(strategy=strategy, user=manager)
    strategy.refresh_from_db()
    return strategy


def render(strategy):
    dossier = services.request_dossier(kind=DossierKind.STRATEGY, cycle=strategy.cycle, strategy=strategy)
    return services.render_dossier(dossier_id=dossier.pk)


def test_strategy_dossier_has_pages_outline_metadata_and_appended_documents(submitted):
    dossier = render(submitted)
    assert dossier.status == DossierStatus.READY
    reader = PdfReader(dossier.file.path)
    assert dossier.page_count == len(reader.pages)
    assert reader.metadata.title == "Erweiterte WIR!-Strategie: Gesunde Lausitz"
    assert reader.metadata.author == "WIR! Strategy Portal"
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    titles = outline_titles(reader)
    for expected in (
        "Profil des Bündnisses",
        "Zusammenfassung",
        "Finanzplan",
        "Anlage 1: Strategie.pdf",
        "Anlage 2: Brief Landrat.pdf",
    ):
        assert expected in titles
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Gesunde Lausitz" in text
    assert "Vertraulich" in text
    assert f"Seite 1 von {len(reader.pages)}" in text
    assert "500.000,00" in text
    qpdf_check(dossier.file.path)


def test_appended_documents_fill_their_reserved_pages(submitted):
    dossier = render(submitted)
    reader = PdfReader(dossier.file.path)
    divider = next(i for i, page in enumerate(reader.pages) if "3 Seiten folgen" in page.extract_text())
    # The divider, then the upload's three pages, then the next divider.
    assert "Anlage 2: Brief Landrat.pdf" in reader.pages[divider + 4].extract_text()
    assert f"Seite {divider + 2} von" in reader.pages[divider + 1].extract_text()


def test_user_text_is_rendered_as_text(submitted):
    reader = PdfReader(render(submitted).file.path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "<script>alert(1)</script>" in text
    assert "url(http://evil.example/x.png)" in text


def test_an_upload_that_cannot_be_read_becomes_a_note_page(submitted):
    document = submitted.documents.get(kind=DocumentKind.LETTER_OF_SUPPORT)
    with Path(document.file.path).open("wb") as broken:
        broken.write(b"%PDF-1.7 truncated")
    dossier = render(submitted)
    assert dossier.status == DossierStatus.READY
    text = "\n".join(page.extract_text() for page in PdfReader(dossier.file.path).pages)
    assert "konnte nicht eingefügt werden" in text
    qpdf_check(dossier.file.path)


def test_an_unchanged_strategy_reuses_the_ready_dossier(submitted):
    first = render(submitted)
    again = services.request_dossier(kind=DossierKind.STRATEGY, cycle=submitted.cycle, strategy=submitted)
    assert again.pk == first.pk


def test_a_resubmission_asks_for_a_fresh_dossier(submitted, programme_office):
    first = render(submitted)
    alliance_services.reopen_submission(strategy=submitted, user=programme_office, reason="Bitte Anlage ergänzen")
    submitted.refresh_from_db()
    manager = submitted.alliance.memberships.first().user
    alliance_services.add_strategy_document(
        strategy=submitted, user=manager, kind=DocumentKind.ANNEX, uploaded_file=pdf_upload("Nachtrag.pdf")
    )
    alliance_services.submit_strategy(strategy=submitted, user=manager)
    fresh = services.request_dossier(kind=DossierKind.STRATEGY, cycle=submitted.cycle, strategy=submitted)
    assert fresh.pk != first.pk
    assert fresh.fingerprint != first.fingerprint


def test_a_very_long_strategy_renders(cycle):
    alliance = AllianceFactory()
    long_text = ("Die Strategie beschreibt Maßnahmen zur Fachkräftesicherung in der Region. " * 12 + "\n\n") * 60
    strategy = CompleteStrategyFactory(
        cycle=cycle,
        alliance=alliance,
        measures=long_text[:30000],
        vision=long_text[:20000],
        continuation=long_text[:20000],
        skilled_workers=long_text[:20000],
    )
    manager = manager_of(alliance)
    alliance_services.add_strategy_document(
        strategy=strategy, user=manager, kind=DocumentKind.MAIN, uploaded_file=pdf_upload(content=pdf_bytes(120))
    )
    alliance_services.submit_strategy(strategy=strategy, user=manager)
    dossier = render(strategy)
    assert dossier.status == DossierStatus.READY
    assert dossier.page_count >= 150
    reader = PdfReader(io.BytesIO(dossier.file.read()))
    assert len(reader.pages) == dossier.page_count
