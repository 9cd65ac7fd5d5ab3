"""The evaluation dossier reads its numbers from reviews.aggregates, like the dashboard."""

import pytest
from pypdf import PdfReader

from dossiers import contents, services
from dossiers.models import DossierKind, DossierStatus
from tests.dossiers.test_rendering import qpdf_check
from tests.factories import (
    strategy_with_spread_reviews,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(cycle):
    """A strategy with three submitted reviews whose weighted scores spread 40 points (80, 76, 40)."""
    return strategy_with_spread_reviews(cycle)


def test_evaluation_context_carries_the_aggregated_numbers(reviewed):
    context = contents.evaluation_context(reviewed)
    stats = context["stats"]
    assert stats.review_count == 3 and context["expected"] == 3
    assert stats.score_median == pytest.approx(76.0)
    assert stats.score_mean == pytest.approx(196 / 3)
    assert (stats.count_fund, stats.count_conditions, stats.count_reject) == (1, 1, 1)
    assert stats.disagreement is True  # spread 40 > 25
    assert [dot["score"] for dot in context["distribution"]["lines"][0]["dots"]] == [80, 76, 40]
    assert len(context["heatmap"]["criteria"]) == 8
    assert [len(review.score_rows) for review in context["reviews"]] == [8, 8, 8]


def test_evaluation_dossier_pdf_shows_alliance_criteria_and_median(reviewed):
    dossier = services.request_dossier(kind=DossierKind.EVALUATION, cycle=reviewed.cycle, strategy=reviewed)
    dossier = services.render_dossier(dossier_id=dossier.pk)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    reader = PdfReader(dossier.file.path)
    assert reader.metadata.title == "Bewertungs-Dossier: Gesunde Lausitz"
    # Table cells wrap, so words are compared with their line breaks folded into spaces.
    text = " ".join("\n".join(page.extract_text() for page in reader.pages).split())
    assert "Gesunde Lausitz" in text
    assert "Bewertung im Überblick" in text
    assert "Bisherige Entwicklung und Zielerreichung" in text
    assert "Qualität der Planung für die zweite Umsetzungsphase" in text
    assert "Median 76,0" in text
    assert "Spannweite (min.–max.) 40,0–80,0" in text
    assert "Gutachter/in B" in text and "Begründung B" in text
    qpdf_check(dossier.file.path)
