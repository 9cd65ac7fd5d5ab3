"""Print-grade dossiers: sections flow, rows keep their justification, criteria carry their names, German plurals
and hyphenation. Rendered for real and read back from the PDF."""

import re

import pytest
from django.template.loader import render_to_string
from pypdf import PdfReader

from decisions import charts
from dossiers import services
from dossiers.benchmarks.print_layout import BLANK_SHARE, layout_figures, text_coverage, word_boxes
from dossiers.models import DossierKind, DossierStatus
from reviews.models import Score
from tests.factories import (
    AllianceFactory,
    ready_dossier,
    strategy_with_spread_reviews,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db

CRITERION_CODES = [
    "bilanz",
    "verankerung",
    "innovation",
    "struktureffekte",
    "management",
    "verstetigung",
    "fachkraefte",
    "planung",
]


def render(kind, strategy):
    dossier = services.request_dossier(kind=kind, cycle=strategy.cycle, strategy=strategy)
    dossier = services.render_dossier(dossier_id=dossier.pk)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    return dossier


def page_texts(path):
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


@pytest.fixture
def reviewed(cycle):
    """Three reviews whose justifications are long enough to fill pages; each starts and ends with a marker."""
    strategy = strategy_with_spread_reviews(cycle)
    for score in Score.objects.filter(review__assignment__strategy=strategy).select_related("criterion"):
        marker = f"{score.review.assignment.pseudonym}{score.criterion.position}"
        body = " ".join(["Die Strategie begründet ihre Ziele nachvollziehbar und mit belastbaren Zahlen."] * 6)
        score.justification = f"Anfang{marker} {body} Ende{marker}"
        score.save(update_fields=["justification"])
    return strategy


def test_sections_of_the_strategy_flow_and_only_the_big_parts_start_a_page(reviewed):
    pages = page_texts(render(DossierKind.EVALUATION, reviewed).file.path)
    # Several strategy sections share a page instead of one mostly blank page each.
    first_section = next(i for i, text in enumerate(pages) if text.startswith("Profil des Bündnisses"))
    assert "Zusammenfassung" in pages[first_section] and "Vision und Ziele" in pages[first_section]
    # The big parts start their own page.
    for part in ("Bewertung im Überblick", "Gutachten Gutachter/in A", "Votum der Jury"):
        assert any(text.startswith(part) for text in pages), part
    # The decision follows the Votum on the same page.
    votum = next(text for text in pages if text.startswith("Votum der Jury"))
    assert "Förderentscheidung" in votum


def test_a_score_row_never_splits_from_its_justification_and_the_table_header_repeats(reviewed):
    pages = page_texts(render(DossierKind.EVALUATION, reviewed).file.path)
    scores = Score.objects.filter(review__assignment__strategy=reviewed).select_related(
        "criterion", "review__assignment"
    )
    markers = [f"{score.review.assignment.pseudonym}{score.criterion.position}" for score in scores]
    assert len(markers) == 24
    review_pages = set()
    for marker in markers:
        start = [i for i, text in enumerate(pages) if re.search(rf"Anfang{marker}\b", text)]
        end = [i for i, text in enumerate(pages) if re.search(rf"Ende{marker}\b", text)]
        assert len(start) == 1 and start == end, (marker, start, end)
        review_pages.add(start[0])
    assert len(review_pages) > 3  # the reviews span several pages, so rows meet page ends
    for index in review_pages:
        assert "Kriterium (Gewicht) Punkte Begründung" in pages[index], pages[index]


def test_charts_and_their_tables_name_the_criteria_in_full_never_by_internal_code(reviewed):
    text = " ".join(page_texts(render(DossierKind.EVALUATION, reviewed).file.path))
    for code in CRITERION_CODES:
        assert not re.search(rf"\b{code}\b", text), code
    assert "K1: Bisherige Entwicklung und Zielerreichung" in text
    assert "K8: Qualität der Planung für die zweite Umsetzungsphase" in text
    assert "…" not in text


def test_chart_labels_break_between_words_and_shorten_only_after_a_whole_word():
    lines = charts.label_lines("Landvorteil – WIR!-Bündnis Innovationen auf dem und fürs Land", centre_y=50)
    assert [line["text"] for line in lines] == ["Landvorteil – WIR!-Bündnis", "Innovationen auf dem und …"]
    assert [line["y"] for line in lines] == [48.5, 59.5]
    assert [line["text"] for line in charts.label_lines("Bio-Z", centre_y=50)] == ["Bio-Z"]
    name = "Digital Health Factory Ruhr mit einem sehr langen Namen und noch mehr"
    for line in charts.label_lines(name, centre_y=0):
        words = line["text"].removesuffix(" …").split()
        assert all(word in name.split() for word in words), line


def test_the_dashboard_heat_map_labels_criteria_by_short_label_with_their_names(reviewed):
    from decisions import dashboard

    row = dashboard.row_for(strategy=reviewed)
    heatmap = charts.criterion_heatmap(
        rows=[row], means=dashboard.criterion_means(cycle=reviewed.cycle, strategy=reviewed)
    )
    html = render_to_string("decisions/partials/chart_heatmap.html", {"heatmap": heatmap})
    assert '<abbr title="Bisherige Entwicklung und Zielerreichung">K1</abbr>: Bisherige Entwicklung' in html
    assert "bila" not in html.lower().replace("bilanz", "")  # no cut label
    assert "K1: Bisherige Entwicklung und Zielerreichung." in heatmap["text"]


def test_one_uploaded_page_is_announced_in_the_singular(cycle):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"), pages=1)
    text = " ".join(page_texts(render(DossierKind.STRATEGY, strategy).file.path))
    assert "1 Seite folgt. Sie ist unverändert" in text
    assert "Seiten folgen" not in text


def test_the_download_button_counts_pages_in_german(cycle):
    dossier = ready_dossier(
        kind=DossierKind.STRATEGY, cycle=cycle, strategy=submitted_strategy(cycle, AllianceFactory())[0]
    )
    dossier.page_count = 1
    assert "Strategie-Dossier herunterladen (1 Seite)" in render_to_string(
        "dossiers/partials/status.html", {"dossier": dossier}
    )
    dossier.page_count = 2
    assert "Strategie-Dossier herunterladen (2 Seiten)" in render_to_string(
        "dossiers/partials/status.html", {"dossier": dossier}
    )


def test_long_german_words_are_hyphenated(cycle):
    long_text = " ".join(["Donaudampfschifffahrtsgesellschaftskapitänsmützen Innovationsförderungsprogrammlinie"] * 30)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(), summary=long_text)
    reader = PdfReader(render(DossierKind.STRATEGY, strategy).file.path)
    assert reader.trailer["/Root"]["/Lang"] == "de"
    text = "\n".join(page.extract_text() for page in reader.pages)
    # WeasyPrint marks a hyphenation break with U+2010; pyphen's German patterns choose where.
    assert re.search(r"\w‐\n", text), text[:2000]


def test_the_layout_benchmark_counts_blank_pages_from_word_boxes(reviewed):
    dossier = render(DossierKind.EVALUATION, reviewed)
    pages = word_boxes(dossier.file.path)
    figures = layout_figures("Bewertungs-Dossier", dossier.file.path)
    assert figures.pages == len(pages) == dossier.page_count
    coverages = [text_coverage(page) for page in pages]
    assert figures.blank_pages == sum(1 for share in coverages if share < BLANK_SHARE)
    # The cover is sparse by design; a page of review rows is dense.
    assert coverages[0] < BLANK_SHARE
    assert max(coverages) > 0.5
