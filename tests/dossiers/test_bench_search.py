"""`bench_search` at a tiny size: the index holds every kind with the documents' pages, a real PDF's pages are
extracted, and the timing returns a row per query and person with hits where the data has them."""

import pytest

from dossiers.benchmarks import data, search
from portal.models import SearchEntry
from portal.search import registry

pytestmark = pytest.mark.django_db

SIZE = 4
PAGES = 3


@pytest.fixture
def indexed():
    cycle = data.build(size=SIZE)
    written = search.index(cycle, pages=PAGES)
    return cycle, written


def test_the_index_holds_every_kind_and_the_pages_of_each_document(indexed):
    cycle, written = indexed
    assert written[search.DOCUMENT_KIND] == SIZE * PAGES
    pages = SearchEntry.objects.filter(kind=search.DOCUMENT_KIND)
    assert sorted(set(pages.values_list("page", flat=True))) == list(range(1, PAGES + 1))
    assert pages.filter(body__contains=search.RARE_TERM).count() == 1  # the first document's, every tenth
    assert written["strategy_section"] == SIZE * 7
    for code, kind in registry.kinds().items():
        if kind.reindex_all is not None:
            assert code in written


def test_a_real_pdf_is_extracted_page_by_page():
    seconds, texts = search.time_extraction(search.real_pdf(pages=PAGES))
    assert len(texts) == PAGES and seconds > 0
    assert all(f"Seite {number}" in text for number, text in enumerate(texts, start=1))
    assert [search.RARE_TERM in text for text in texts] == [False] * (PAGES - 1) + [True]


def test_timing_returns_a_row_per_query_and_person(indexed):
    cycle, _written = indexed
    rows = search.time_queries(cycle, runs=1)
    per_person = len(search.QUERIES) + 1
    assert len(rows) == 2 * per_person
    assert {row.who for row in rows} == {"Projektträger", "Bündnis"}
    by_key = {(row.who, row.name): row for row in rows}
    assert by_key[("Projektträger", "Seltenes Wort")].hits >= 1
    assert by_key[("Projektträger", "Zwei Wörter")].hits > by_key[("Bündnis", "Zwei Wörter")].hits > 0
    # The score filter is the staff's: a manager's query is refused with the German message.
    assert by_key[("Bündnis", "Score")].note.startswith("abgelehnt: ")
    assert not by_key[("Projektträger", "Score")].note
    assert all(row.median_ms > 0 and row.p95_ms >= row.median_ms for row in rows)
    assert all(row.queries > 0 for row in rows if not row.note)  # a refused query asks no database
    assert by_key[("Projektträger", "Seite (htmx)")].note == ""
    assert "Median" in search.table(rows, size=SIZE)
