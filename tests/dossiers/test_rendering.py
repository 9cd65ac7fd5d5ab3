"""Dossiers rendered for real with WeasyPrint, uploads drawn in with pikepdf, checked with pypdf and qpdf."""

import io
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from alliances import services as alliance_services
from alliances.models import DocumentKind
from dossiers import contents, rendering, services
from dossiers.models import Dossier, DossierKind, DossierStatus
from tests import pdf_ua
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    checked_document,
    manager_of,
    pdf_bytes,
    pdf_upload,
)

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
    """qpdf's structural check (qpdf --check), through pikepdf."""
    with pikepdf.open(path) as pdf:
        problems = pdf.check_pdf_syntax()
    assert problems == [], problems


@pytest.fixture
def submitted(cycle):
    alliance = AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz", states=["BB", "SN"])
    strategy = CompleteStrategyFactory(
        cycle=cycle, alliance=alliance, summary="<script>alert(1)</script> url(http://evil.example/x.png) & Co."
    )
    manager = manager_of(alliance)
    checked_document(strategy, manager, DocumentKind.MAIN, pdf_upload("Strategie.pdf", pages=3))
    checked_document(strategy, manager, DocumentKind.LETTER_OF_SUPPORT, pdf_upload("Brief Landrat.pdf", pages=2))
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
    assert reader.metadata.author == "WIR!-Strategieportal"
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


def test_an_upload_that_cannot_be_read_becomes_a_placeholder_page(submitted):
    document = submitted.documents.get(kind=DocumentKind.LETTER_OF_SUPPORT)
    with Path(document.file.path).open("wb") as broken:
        broken.write(b"%PDF-1.7 truncated")
    dossier = render(submitted)
    assert dossier.status == DossierStatus.READY
    text = "\n".join(page.extract_text() for page in PdfReader(dossier.file.path).pages)
    assert "Anlage „Brief Landrat.pdf“ konnte nicht eingebunden werden" in text
    qpdf_check(dossier.file.path)


# --- build_pdf, one upload at a time ----------------------------------------------------------------------------


def strategy_html(strategy):
    """The strategy dossier's HTML and uploads, as render_dossier prepares them."""
    template, context = contents.template_and_context(
        Dossier(kind=DossierKind.STRATEGY, cycle=strategy.cycle, strategy=strategy)
    )
    return rendering.render_html(template, context), context["uploads"]


def overwrite(strategy, kind, content):
    with Path(strategy.documents.get(kind=kind).file.path).open("wb") as handle:
        handle.write(content)


def zero_mediabox_pdf():
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].MediaBox = pikepdf.Array([0, 0, 0, 0])
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def text_of(content):
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def drawn_in(page):
    """Whether an upload page is drawn on `page`, as an artifact."""
    page.contents_coalesce()
    return b"/Artifact BMC" in page.obj.Contents.read_bytes()


PLACEHOLDER = "Anlage „Brief Landrat.pdf“ konnte nicht eingebunden werden; die Originaldatei ist im Portal abrufbar."


def test_built_pdf_says_pdf_1_7_and_draws_each_upload_page_as_an_artifact(submitted):
    html, uploads = strategy_html(submitted)
    built = rendering.build_pdf(html=html, uploads=uploads)
    assert built.content.startswith(b"%PDF-1.7")
    assert built.warnings == []
    with pikepdf.open(io.BytesIO(built.content)) as pdf:
        assert len(pdf.pages) == built.page_count
        assert sum(drawn_in(page) for page in pdf.pages) == 5  # 3 pages of Strategie.pdf, 2 of Brief Landrat.pdf
    assert pdf_ua.check(built.content) == []


def test_the_heading_of_an_upload_names_its_page_range(submitted):
    html, uploads = strategy_html(submitted)
    built = rendering.build_pdf(html=html, uploads=uploads)
    reader = PdfReader(io.BytesIO(built.content))
    heading = next(i for i, page in enumerate(reader.pages) if "Anlage 1: Strategie.pdf, Seiten" in page.extract_text())
    first, last = heading + 2, heading + 4
    assert f"Anlage 1: Strategie.pdf, Seiten {first}–{last}" in reader.pages[heading].extract_text()
    assert f"Anlage 2: Brief Landrat.pdf, Seiten {last + 2}–{last + 3}" in text_of(built.content)


def test_an_upload_broken_before_rendering_gets_the_placeholder_in_the_html(submitted):
    overwrite(submitted, DocumentKind.LETTER_OF_SUPPORT, b"kein PDF, nur Text")
    html, uploads = strategy_html(submitted)
    assert uploads[1].error and uploads[1].pages == 0
    built = rendering.build_pdf(html=html, uploads=uploads)
    assert built.warnings == [PLACEHOLDER]
    text = text_of(built.content)
    assert PLACEHOLDER in text and "Anlage 1: Strategie.pdf, Seiten" in text and "Finanzplan" in text
    assert pdf_ua.check(built.content) == []


def test_an_upload_broken_after_the_html_reserved_its_pages_becomes_a_placeholder(submitted):
    html, uploads = strategy_html(submitted)
    reserved = rendering.build_pdf(html=html, uploads=uploads).page_count
    overwrite(submitted, DocumentKind.LETTER_OF_SUPPORT, zero_mediabox_pdf())
    built = rendering.build_pdf(html=html, uploads=uploads)
    assert built.warnings == [PLACEHOLDER]
    # The two reserved pages give way to the placeholder on the heading page; the page range is gone.
    assert built.page_count == reserved - 2
    text = text_of(built.content)
    assert PLACEHOLDER in text and "Anlage 2: Brief Landrat.pdf, Seiten" not in text
    assert "Anlage 1: Strategie.pdf, Seiten" in text
    assert pdf_ua.check(built.content) == []


def test_an_upload_that_fails_while_its_pages_are_placed_renders_the_dossier_again_with_its_placeholder(
    submitted, monkeypatch
):
    html, uploads = strategy_html(submitted)
    draw = rendering._draw_upload
    letter = uploads[1]

    def fails_for_the_letter(output, forms, page_indexes):
        if len(forms) == letter.pages:
            raise RuntimeError("placing failed")
        return draw(output, forms, page_indexes)

    monkeypatch.setattr(rendering, "_draw_upload", fails_for_the_letter)
    built = rendering.build_pdf(html=html, uploads=uploads)
    assert built.warnings == [PLACEHOLDER]
    assert PLACEHOLDER in text_of(built.content)
    with pikepdf.open(io.BytesIO(built.content)) as pdf:
        assert sum(drawn_in(page) for page in pdf.pages) == 3
    assert pdf_ua.check(built.content) == []


def test_an_upload_past_the_page_limit_becomes_a_placeholder(submitted, settings):
    settings.UPLOAD_MAX_PAGES = 2
    html, uploads = strategy_html(submitted)
    built = rendering.build_pdf(html=html, uploads=uploads)
    assert built.warnings == [
        "Anlage „Strategie.pdf“ konnte nicht eingebunden werden; die Originaldatei ist im Portal abrufbar."
    ]
    assert "Anlage 2: Brief Landrat.pdf, Seiten" in text_of(built.content)


def test_an_upload_past_its_time_bound_becomes_a_placeholder(submitted, monkeypatch):
    html, uploads = strategy_html(submitted)
    monkeypatch.setattr(rendering, "UPLOAD_SECONDS", -1)
    built = rendering.build_pdf(html=html, uploads=uploads)
    assert len(built.warnings) == 2
    assert pdf_ua.check(built.content) == []


def test_an_encrypted_upload_becomes_a_placeholder(submitted):
    overwrite(submitted, DocumentKind.LETTER_OF_SUPPORT, pdf_bytes(2, password="geheim"))
    html, uploads = strategy_html(submitted)
    built = rendering.build_pdf(html=html, uploads=uploads)
    assert built.warnings == [PLACEHOLDER]


def test_a_tagged_upload_loses_its_own_tags_when_drawn_in_as_an_artifact(submitted):
    tagged = rendering.html_to_pdf(
        '<html lang="de"><head><title>Brief</title></head><body><h1>Brief</h1><p>Sehr geehrte Damen und Herren</p>'
        '<p style="page-break-before: always">Zweite Seite</p></body></html>'
    ).write_pdf(pdf_variant="pdf/ua-1")
    overwrite(submitted, DocumentKind.LETTER_OF_SUPPORT, tagged)
    html, uploads = strategy_html(submitted)
    built = rendering.build_pdf(html=html, uploads=uploads)
    assert built.warnings == []
    # Tagged content inside an artifact would be a violation of 7.1.
    assert pdf_ua.check(built.content) == []


def test_an_unchanged_strategy_reuses_the_ready_dossier(submitted):
    first = render(submitted)
    again = services.request_dossier(kind=DossierKind.STRATEGY, cycle=submitted.cycle, strategy=submitted)
    assert again.pk == first.pk


def test_a_resubmission_asks_for_a_fresh_dossier(submitted, programme_office):
    first = render(submitted)
    alliance_services.reopen_submission(strategy=submitted, user=programme_office, reason="Bitte Anlage ergänzen")
    submitted.refresh_from_db()
    manager = submitted.alliance.memberships.first().user
    checked_document(submitted, manager, DocumentKind.ANNEX, pdf_upload("Nachtrag.pdf"))
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
    checked_document(strategy, manager, DocumentKind.MAIN, pdf_upload(content=pdf_bytes(120)))
    alliance_services.submit_strategy(strategy=strategy, user=manager)
    dossier = render(strategy)
    assert dossier.status == DossierStatus.READY
    # The 120 pages of the upload, its divider and more than 20 pages of text, flowing from section to section.
    assert dossier.page_count >= 140
    reader = PdfReader(io.BytesIO(dossier.file.read()))
    assert len(reader.pages) == dossier.page_count
