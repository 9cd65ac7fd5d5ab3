"""Every dossier kind passes the PDF/UA-1 checker in tests/pdf_ua.py (veraPDF has no package here): tags, /Lang,
title, outline, figures with alternative text, uploads drawn in as artifacts, PDF 1.7."""

import io
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest

from alliances.models import DocumentKind
from decisions import services as decision_services
from dossiers import contents, rendering
from dossiers.models import Dossier, DossierKind
from tests import pdf_ua
from tests.factories import (
    decision_content,
    ministry_user,
    strategy_with_spread_reviews,
)

pytestmark = pytest.mark.django_db


def built(kind, cycle, strategy=None):
    template, context = contents.template_and_context(Dossier(kind=kind, cycle=cycle, strategy=strategy))
    return rendering.build_pdf(html=rendering.render_html(template, context), uploads=context.get("uploads", []))


def figure_alts(content):
    with pikepdf.open(io.BytesIO(content)) as pdf:
        alts, pending = [], list(pdf.Root.StructTreeRoot.K)
        while pending:
            element = pending.pop()
            if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
                continue
            if element.S == "/Figure":
                alts.append(str(element.Alt))
            kids = element.get("/K")
            pending.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
        return alts


@pytest.fixture
def reviewed(cycle):
    """Gesunde Lausitz with three reviews (80, 76, 40) and its one-page main document."""
    return strategy_with_spread_reviews(cycle)


def test_the_strategy_dossier_with_uploads_passes_the_pdf_ua_check(reviewed):
    result = built(DossierKind.STRATEGY, reviewed.cycle, reviewed)
    assert result.content.startswith(b"%PDF-1.7")
    assert result.warnings == []
    assert pdf_ua.check(result.content) == []


def test_the_evaluation_dossier_passes_and_its_charts_state_their_numbers(reviewed):
    result = built(DossierKind.EVALUATION, reviewed.cycle, reviewed)
    assert pdf_ua.check(result.content) == []
    distribution, heatmap = sorted(figure_alts(result.content), key=lambda alt: "Median" not in alt)
    assert "Gesunde Lausitz: A: 80,0; B: 76,0; C: 40,0; Median 76,0." in distribution
    assert "K1: Bisherige Entwicklung und Zielerreichung." in heatmap
    assert "Gesunde Lausitz: K1: 60,0;" in heatmap
    assert "bilanz" not in heatmap


def test_the_cycle_report_passes_the_pdf_ua_check(reviewed):
    result = built(DossierKind.CYCLE_REPORT, reviewed.cycle)
    assert pdf_ua.check(result.content) == []
    assert len(figure_alts(result.content)) == 2


def test_the_decision_letter_passes_the_pdf_ua_check(reviewed):
    proposer, confirmer = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    decision = decision_services.propose_decision(
        strategy=reviewed, user=proposer, **decision_content(granted_amount=Decimal("450000"))
    )
    decision = decision_services.confirm_decision(decision=decision, user=confirmer)
    decision_services.release_decision(decision=decision, user=proposer)
    assert pdf_ua.check(built(DossierKind.DECISION_LETTER, reviewed.cycle, reviewed).content) == []


@pytest.mark.parametrize("broken", [b"kein PDF", "zero-mediabox"])
def test_a_strategy_whose_annex_is_broken_still_passes_with_its_placeholder(cycle, reviewed, broken):
    document = reviewed.documents.get(kind=DocumentKind.MAIN)
    if broken == "zero-mediabox":
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.pages[0].MediaBox = pikepdf.Array([0, 0, 0, 0])
        buffer = io.BytesIO()
        pdf.save(buffer)
        broken = buffer.getvalue()
    Path(document.file.path).write_bytes(broken)
    result = built(DossierKind.EVALUATION, cycle, reviewed)
    assert result.warnings == [
        "Anlage „strategie.pdf“ konnte nicht eingebunden werden; die Originaldatei ist im Portal abrufbar."
    ]
    assert pdf_ua.check(result.content) == []


def test_the_checker_finds_untagged_content_and_a_missing_language(reviewed):
    template, context = contents.template_and_context(
        Dossier(kind=DossierKind.STRATEGY, cycle=reviewed.cycle, strategy=reviewed)
    )
    html = rendering.render_html(template, context).replace('<html lang="de">', "<html>")
    # WeasyPrint's own output: running heads tagged outside the tree, no upload drawn in, no language.
    raw = rendering.html_to_pdf(html).write_pdf(pdf_variant="pdf/ua-1")
    clauses = {violation.clause for violation in pdf_ua.check(raw)}
    assert {"ISO 14289-1 7.1", "ISO 14289-1 7.2"} <= clauses
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        page = pdf.pages[0]
        page.contents_add(pikepdf.Stream(pdf, b"q 0 0 10 10 re f Q"))
        assert any("neither tagged nor an artifact" in v.message for v in pdf_ua.check(pdf))
