"""The search engine on PostgreSQL and on SQLite: the same cases, the same answers.

A small corpus of test-only kinds (see conftest) is written once per module through the index, on both databases;
each case runs on both, and some compare the two directly.
"""

import re
import statistics
import time

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from portal.search import engine
from portal.search.index import IndexedText, remove_entries, replace_entries, replace_many
from portal.search.query import QueryError
from tests.portal.search.conftest import SQLITE

BACKENDS = ["default", SQLITE]
pytestmark = [
    pytest.mark.django_db(databases=BACKENDS),
    pytest.mark.usefixtures("search_registry"),
]
backends = pytest.mark.parametrize("db", BACKENDS, ids=["postgresql", "sqlite"])

# kind → {object_id: [(part, page, alliance_id, body)]}
CORPUS = {
    "test_section": {
        1: [
            (
                "summary",
                0,
                1,
                "Das Bündnis H2R baut eine Wasserstoffregion in der Lausitz auf. Grüner Wasserstoff aus Windkraft "
                "versorgt Industrie und Verkehr.",
            ),
            (
                "measures",
                0,
                1,
                "Geplant sind Elektrolyseure, eine Wasserstofftankstelle und Weiterbildung in der Wasserstofftechnik.",
            ),
            (
                "skilled_workers",
                0,
                1,
                "Dem Fachkräftemangel begegnen wir mit der Hochschule Lausitz und dualen Studiengängen.",
            ),
        ],
        2: [
            (
                "summary",
                0,
                2,
                "Das Bündnis sichert Fachkräfte für den Mittelstand; die Förderung der Ausbildung steht vorn.",
            ),
            ("measures", 0, 2, "Unternehmen werden gefördert, wenn sie Auszubildende aus der Region einstellen."),
        ],
        3: [
            ("summary", 0, 3, "Das Grüne Band in Bayern verbindet Naturschutz und Tourismus entlang der Grenze."),
            (
                "measures",
                0,
                3,
                "Grauer Wasserstoff wird nicht eingesetzt; wir setzen auf Wasserstoff aus Biogas in Bayern.",
            ),
        ],
        4: [
            (
                "vision",
                0,
                4,
                "Die Meeresregion nutzt Offshore-Wind für Wasserstoff und bildet Fachkräfte an der Hochschule aus.",
            ),
            ("measures", 0, 4, 'Ein Labor für <b>Meerwasser</b> & <script>alert("x")</script> Entsalzung.'),
        ],
    },
    "test_page": {
        501: [
            ("", 1, 1, "Inhaltsverzeichnis. Einleitung. Maßnahmenplan. Anhang."),
            ("", 2, 1, "Die Elektrolyse erzeugt Wasserstoff aus Windstrom der Lausitz."),
            ("", 3, 1, "Anhang: Kosten der Tankstelle und Zeitplan bis 2030."),
        ],
    },
    "test_faq": {
        900: [("", 0, None, "Wie beantrage ich eine Verlängerung der Frist? Die Förderung endet nicht von selbst.")],
    },
    "test_secret": {
        77: [
            ("note", 0, 1, "Vertraulich: das Wasserstoff-Projekt ist gefährdet, Fachkräfte fehlen, Hochschule zögert.")
        ],
    },
}

# Five entries of the same length that name "Biokunststoff" 3, 2, 2, 1 and 0 times: one ranking on both backends.
RANKED = {
    "test_section": {
        11: [("summary", 0, 1, "Biokunststoff Biokunststoff Biokunststoff alpha beta gamma delta epsilon")],
        12: [("summary", 0, 2, "Biokunststoff Biokunststoff zeta eta theta iota kappa lambda")],
        13: [("summary", 0, 3, "Biokunststoff Biokunststoff my ny xi omikron pi rho")],
        14: [("summary", 0, 4, "Biokunststoff sigma tau ypsilon phi chi psi omega")],
        15: [("summary", 0, 4, "Kunststoff sigma tau ypsilon phi chi psi omega")],
    },
    "test_page": {
        16: [("", 4, 2, "Biokunststoff Biokunststoff zeta eta theta iota kappa lambda")],
    },
}


def write(corpus, using):
    for kind, objects in corpus.items():
        for object_id, rows in objects.items():
            replace_entries(
                kind=kind,
                object_id=object_id,
                texts=[
                    IndexedText(body=body, part=part, page=page, alliance_id=alliance_id, cycle_id=7)
                    for part, page, alliance_id, body in rows
                ],
                using=using,
            )


def erase(corpus, using):
    for kind, objects in corpus.items():
        remove_entries(kind=kind, object_ids=list(objects), using=using)


@pytest.fixture(scope="module", autouse=True)
def corpus(built_once, search_sqlite, django_db_blocker):
    with django_db_blocker.unblock():
        for using in BACKENDS:
            write(CORPUS, using)
            write(RANKED, using)
    yield
    with django_db_blocker.unblock():  # PostgreSQL's rows go with the module's transaction
        erase(CORPUS, SQLITE)
        erase(RANKED, SQLITE)


def found(db, query, **kwargs):
    results = engine.search(user=None, text=query, using=db, **kwargs)
    return results, [(hit.kind, hit.object_id, hit.part, hit.page) for hit in results.hits]


def places(db, query):
    return set(found(db, query)[1])


S = "test_section"
# Hydrogen in Lausitz (alliance 1: sections and the PDF's page 2) and at the sea (alliance 4).
LAUSITZ_H2 = {(S, 1, "summary", 0), (S, 1, "measures", 0), ("test_page", 501, "", 2)}
SEA_H2 = {(S, 4, "vision", 0)}

# (query, the entries it finds: (kind, object_id, part, page))
CASES = [
    # Stemming and prefixes: "Fachkräfte" finds "Fachkräftemangel", "Hochschulen" finds "Hochschule".
    ("Fachkräfte", {(S, 1, "skilled_workers", 0), (S, 2, "summary", 0), (S, 4, "vision", 0)}),
    ("Hochschulen", {(S, 1, "skilled_workers", 0), (S, 4, "vision", 0)}),
    ("fachkräfte HOCHSCHULE", {(S, 1, "skilled_workers", 0), (S, 4, "vision", 0)}),
    # "Förderung" finds "gefördert" (the index holds participles without their ge-).
    ("Förderung", {(S, 2, "summary", 0), (S, 2, "measures", 0), ("test_faq", 900, "", 0)}),
    (
        "Wasserstoff",
        {
            (S, 1, "summary", 0),
            (S, 1, "measures", 0),
            (S, 3, "measures", 0),
            (S, 4, "vision", 0),
            ("test_page", 501, "", 2),
        },
    ),
    # Negation of words and phrases.
    (
        "Wasserstoff -Bayern",
        LAUSITZ_H2 | SEA_H2,
    ),
    ("Wasserstoff -Lausitz -Bayern", {(S, 1, "measures", 0), (S, 4, "vision", 0)}),
    (
        'Wasserstoff -"grauer Wasserstoff"',
        LAUSITZ_H2 | SEA_H2,
    ),
    # Phrases: the words in this order, next to each other.
    ('"grauer Wasserstoff"', {(S, 3, "measures", 0)}),
    ('"Grüner Wasserstoff"', {(S, 1, "summary", 0)}),
    ('"Wasserstoff grauer"', set()),
    ('"Hochschule Lausitz" Fachkräfte', {(S, 1, "skilled_workers", 0)}),
    # PDF pages answer with their page.
    ("Elektrolyse", {(S, 1, "measures", 0), ("test_page", 501, "", 2)}),
    ("Zeitplan 2030", {("test_page", 501, "", 3)}),
    # Filters: registered providers, aliases, several providers of one key, widening and narrowing.
    ("Wasserstoff feld:massnahmen", {(S, 1, "measures", 0), (S, 3, "measures", 0)}),
    ("Wasserstoff abschnitt:Maßnahmen", {(S, 1, "measures", 0), (S, 3, "measures", 0)}),
    ("Wasserstoff land:BY", {(S, 3, "measures", 0)}),
    ("Wasserstoff land:Bayern", {(S, 3, "measures", 0)}),
    ("Wasserstoff land:by land:MV", {(S, 3, "measures", 0), (S, 4, "vision", 0)}),
    ("Wasserstoff -land:BB", {(S, 3, "measures", 0), (S, 4, "vision", 0)}),
    # An excluded state keeps the texts of no alliance (the FAQ).
    ("Förderung -land:BB", {(S, 2, "summary", 0), (S, 2, "measures", 0), ("test_faq", 900, "", 0)}),
    ("Wasserstoff buendnis:H2R", LAUSITZ_H2),
    ("Wasserstoff Bündnis:Meeresregion", {(S, 4, "vision", 0)}),
    ("Wasserstoff buendnis:grün", {(S, 3, "measures", 0)}),
    ("Wasserstoff art:pdf", {("test_page", 501, "", 2)}),
    ("Förderung -art:faq", {(S, 2, "summary", 0), (S, 2, "measures", 0)}),
    ("Wasserstoff feld:massnahmen land:BB", {(S, 1, "measures", 0)}),
    (
        "Wasserstoff score>60",
        LAUSITZ_H2 | SEA_H2,
    ),
    ("Wasserstoff score>60 score<80", LAUSITZ_H2),
    ("Wasserstoff score>=90", {(S, 4, "vision", 0)}),
    (
        "Wasserstoff -score<50",
        LAUSITZ_H2 | SEA_H2,
    ),
    ("Fachkräfte score=55", {(S, 2, "summary", 0)}),
    # Nothing out of scope: the kind nobody may read has the only "Vertraulich" and "gefährdet".
    ("Vertraulich", set()),
    ("gefährdet", set()),
    # A word found nowhere finds nothing, even beside one found everywhere.
    ("Quantencomputer", set()),
    ("Wasserstoff Quantencomputer", set()),
]


@backends
@pytest.mark.parametrize(("query", "want"), CASES, ids=[query for query, _w in CASES])
def test_what_a_query_finds(db, query, want):
    results, hits = found(db, query)
    assert set(hits) == want
    assert len(hits) == len(set(hits)), "no entry twice"
    assert results.total == len(want)
    assert sum(n for _code, _label, n in results.counts_by_kind) == results.total


@backends
def test_stop_words_are_left_out_of_the_query_as_out_of_the_index(db):
    assert places(db, "Wasserstoff und der") == places(db, "Wasserstoff")


@backends
def test_a_filter_value_no_provider_knows_is_refused_with_the_known_values(db):
    with pytest.raises(QueryError) as refused:
        engine.search(user=None, text="Wasserstoff buendnis:Atlantis", using=db)
    message = str(refused.value.message)
    assert "„buendnis:Atlantis“" in message
    assert "H2R, FKS, GRÜN, MEER" in message
    with pytest.raises(QueryError) as refused:
        engine.search(user=None, text="Wasserstoff feld:Finanzen", using=db)
    assert "massnahmen" in str(refused.value.message)


@backends
def test_pdf_pages_link_to_their_page(db):
    results, _hits = found(db, "Elektrolyse art:pdf")
    [hit] = results.hits
    assert (hit.kind, hit.object_id, hit.page, hit.alliance_id, hit.cycle_id) == ("test_page", 501, 2, 1, 7)
    assert hit.url == "/test/test_page/501/#page=2"
    assert hit.kind_label == "PDF-Seite"
    assert "<mark>Elektrolyse</mark>" in hit.snippet


@backends
def test_hits_carry_labels_links_and_marked_snippets(db):
    results, _hits = found(db, "Hochschule Lausitz")
    [hit] = results.hits
    assert hit.part == "skilled_workers"
    assert hit.part_label == "Fachkräfte"
    assert hit.kind_label == "Strategie-Abschnitt"
    assert hit.url == "/test/test_section/1/#skilled_workers"
    assert "<mark>Hochschule</mark> <mark>Lausitz</mark>" in hit.snippet
    assert "Fachkräftemangel" in hit.snippet


@backends
def test_snippets_escape_the_text_and_mark_only_hits(db):
    results, _hits = found(db, "Meerwasser")
    [hit] = results.hits
    snippet = str(hit.snippet)
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet or "script" not in snippet
    assert "<b>" not in snippet
    assert "<mark>Meerwasser</mark>" in snippet
    assert set(re.findall(r"<(/?\w+)", snippet)) <= {"mark", "/mark"}


@backends
def test_a_snippet_shows_the_place_of_the_hit_in_a_long_text(db):
    filler = " ".join(f"Absatz{i} ohne Treffer." for i in range(600))
    write({"test_faq": {901: [("", 0, None, f"{filler} Hier steht endlich der Meeresspiegel. {filler}")]}}, db)
    results, _hits = found(db, "Meeresspiegel")
    [hit] = results.hits
    assert "<mark>Meeresspiegel</mark>" in hit.snippet
    assert hit.snippet.startswith("…")
    assert len(hit.snippet) < 600


@backends
def test_snippets_mark_the_words_the_query_matched(db):
    results, _hits = found(db, "Wasserst Windkraft")
    [hit] = results.hits
    assert "<mark>Windkraft</mark>" in hit.snippet
    assert "<mark>Wasserstoff</mark>" in hit.snippet or "<mark>Wasserstoffregion</mark>" in hit.snippet


@backends
def test_nothing_out_of_scope_in_hits_counts_or_snippets(db):
    results, _hits = found(db, "Fachkräfte Hochschule", limit=100)
    assert {hit.kind for hit in results.hits} <= {"test_section", "test_page", "test_faq"}
    assert "test_secret" not in {code for code, _label, _n in results.counts_by_kind}
    assert not any("gefährdet" in hit.snippet or "Vertraulich" in hit.snippet for hit in results.hits)


@backends
def test_counts_by_kind_follow_the_kinds_order(db):
    results, _hits = found(db, "Wasserstoff")
    assert results.counts_by_kind == [("test_section", "Strategie-Abschnitt", 4), ("test_page", "PDF-Seite", 1)]


@backends
def test_hits_are_grouped_by_alliance_best_group_first(db):
    results, _hits = found(db, "Förderung")
    by_alliance = {group.alliance_id: group for group in results.groups}
    assert set(by_alliance) == {2, None}
    assert by_alliance[2].label == "FKS – Fachkräfte Sachsen"
    assert str(by_alliance[None].label).startswith("Programmweit")
    assert len(by_alliance[2].hits) == 2
    assert results.groups[0].alliance_id == results.hits[0].alliance_id
    assert sorted(id(hit) for group in results.groups for hit in group.hits) == sorted(map(id, results.hits))

    results, _hits = found(db, "Biokunststoff")
    assert [group.alliance_id for group in results.groups] == [1, 2, 3, 4]
    assert [[hit.object_id for hit in group.hits] for group in results.groups] == [[11], [12, 16], [13], [14]]


RANKING = [
    ("test_section", 11),  # three times
    ("test_section", 12),  # twice, tie broken by the kinds' order, then alliance and object
    ("test_section", 13),
    ("test_page", 16),
    ("test_section", 14),  # once
]


@backends
def test_ranking_order_for_a_fixed_corpus(db):
    results, _hits = found(db, "Biokunststoff")
    assert [(hit.kind, hit.object_id) for hit in results.hits] == RANKING
    ranks = [hit.rank for hit in results.hits]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > ranks[1] == ranks[2] == ranks[3] > ranks[4] > 0


@backends
def test_paging_walks_the_same_order(db):
    pages = [found(db, "Biokunststoff", limit=2, offset=offset)[0] for offset in (0, 2, 4)]
    assert [(hit.kind, hit.object_id) for page in pages for hit in page.hits] == RANKING
    assert all(page.total == 5 for page in pages)
    assert found(db, "Biokunststoff", limit=2, offset=10)[0].hits == []


QUERIES_BOTH_BACKENDS_ANSWER_ALIKE = [
    "Wasserstoff",
    "Fachkräfte",
    "Förderung",
    "Hochschule -Meeresregion",
    '"grauer Wasserstoff"',
    "Wasserstoff land:BY land:BB",
    "Biokunststoff",
    "Anhang",
    "Lausitz",
    "Region",
    "ausbildung",
    '"Wasserstoff aus Biogas"',
    '"Förderung der Ausbildung"',
    "Förderung der Ausbildung",
    '"der Förderung"',
]


def test_both_backends_find_the_same_entries_in_the_same_order():
    for query in QUERIES_BOTH_BACKENDS_ANSWER_ALIKE:
        postgres, postgres_hits = found("default", query)
        sqlite, sqlite_hits = found(SQLITE, query)
        assert postgres_hits, query
        assert set(postgres_hits) == set(sqlite_hits), query
        assert postgres.counts_by_kind == sqlite.counts_by_kind, query
        assert postgres.total == sqlite.total, query
    assert found("default", "Biokunststoff")[1] == found(SQLITE, "Biokunststoff")[1]


def test_sqlite_leaves_out_the_stop_words_postgresql_leaves_out():
    from portal.search.sqlite import STOP_WORDS

    others = sorted({word.lower() for word in VOCABULARY} | {"wasserstoff", "lausitz", "grüner", "grauer", "geplant"})
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT w FROM unnest(%s::text[]) w WHERE to_tsvector('german', w) <> ''", [sorted(STOP_WORDS)])
        assert cursor.fetchall() == [], "every stop word of SQLite's list is one of PostgreSQL's"
        cursor.execute("SELECT w FROM unnest(%s::text[]) w WHERE to_tsvector('german', w) = ''", [others])
        assert cursor.fetchall() == [], "and no other word of the corpora is"
    assert not STOP_WORDS & set(others)


def _queries(db, query, extra):
    with CaptureQueriesContext(connections[db]) as queries:
        results = engine.search(user=None, text=query, using=db)
    assert results.total >= extra
    return len(queries)


@backends
def test_the_number_of_queries_does_not_grow_with_the_data(db):
    query = "Wasserstoff feld:massnahmen land:BB"
    few = _queries(db, query, 1)
    write({"test_section": {1000 + i: [("measures", 0, 1, "Wasserstoff aus der Lausitz.")] for i in range(60)}}, db)
    many = _queries(db, query, 60)
    assert few == many
    # The counts, the page, its snippets (the test kinds' alliance labels need no query).
    assert many == 3


@backends
def test_a_query_that_finds_nothing_asks_once(db):
    with CaptureQueriesContext(connections[db]) as queries:
        results = engine.search(user=None, text="Quantencomputer", using=db)
    assert (results.total, results.hits, results.groups, results.counts_by_kind) == (0, [], [], [])
    assert len(queries) == 1


def test_a_search_on_postgresql_takes_milliseconds():
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        engine.search(user=None, text="Wasserstoff -Bayern feld:massnahmen", using="default")
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.1


# --- Programme scale: 240 alliances × (7 strategy sections + a 25-page PDF) on PostgreSQL --------------------------

_VOCABULARY_TEXT = """
Region Bündnis Strategie Innovation Unternehmen Hochschule Forschung Entwicklung Transfer Netzwerk Partner Projekt
Vorhaben Maßnahme Ziel Wirkung Wertschöpfung Fachkräfte Ausbildung Weiterbildung Studium Gründung Start-up Markt
Produkt Verfahren Technologie Digitalisierung Daten Plattform Energie Wind Sonne Biomasse Speicher Netz Mobilität
Verkehr Logistik Hafen Landwirtschaft Lebensmittel Gesundheit Pflege Medizin Kunststoff Holz Bau Wasser Boden Klima
Umwelt Kreislauf Recycling Rohstoff Material Chemie Textil Maschinenbau Elektronik Sensor Software Labor Zentrum
Kommune Landkreis Land Bund Programm Förderung gefördert Finanzierung Budget Kosten Eigenanteil Personal Management
Geschäftsstelle Kommunikation Öffentlichkeit Veranstaltung Workshop Beteiligung Bürger Verwaltung Politik Wandel
Strukturwandel Zukunft Verstetigung Nachhaltigkeit Qualität Evaluation Indikator Meilenstein Zeitplan Risiko Chance
stark schwach neu regional überregional international gemeinsam digital nachhaltig innovativ wirtschaftlich sozial
entwickeln erproben umsetzen stärken sichern gewinnen verbinden aufbauen ausbauen verankern begleiten unterstützen
"""
VOCABULARY = _VOCABULARY_TEXT.split()
TOPICS = ["Wasserstoff", "Elektrolyse", "Batterie", "Biokunststoff", "Tourismus", "Robotik", "Photonik", "Aquakultur"]


def _programme_text(rng, words, topic):
    chosen = rng.choices(VOCABULARY, k=words)
    for _ in range(rng.randint(0, 4)):
        chosen[rng.randrange(words)] = topic
    if rng.random() < 0.3:
        chosen[rng.randrange(words)] = "Bayern"
    if rng.random() < 0.2:
        position = rng.randrange(words - 1)
        chosen[position : position + 2] = ["grüner", "Wasserstoff"]
    return " ".join(chosen) + "."


def build_programme(alliances=240, pages=25, using="default"):
    """Seven sections of about 1,000 words (an extended strategy of some 25 pages) and a PDF of `pages` pages of
    about 380 words per alliance; the topic words and "Bayern" are spread at random, reproducibly."""
    import random

    rng = random.Random(17)
    sections = ["summary", "vision", "innovation_field_development", "measures", "alliance_management"]
    sections += ["skilled_workers", "continuation"]
    by_section, by_page = {}, {}
    for alliance in range(1, alliances + 1):
        topic = TOPICS[alliance % len(TOPICS)]
        by_section[10_000 + alliance] = [
            IndexedText(body=_programme_text(rng, 1000, topic), part=part, alliance_id=alliance, cycle_id=7)
            for part in sections
        ]
        by_page[20_000 + alliance] = [
            IndexedText(body=_programme_text(rng, 380, topic), page=page, alliance_id=alliance, cycle_id=7)
            for page in range(1, pages + 1)
        ]
    start = time.perf_counter()
    replace_many(kind="test_section", texts_by_object=by_section, using=using)
    replace_many(kind="test_page", texts_by_object=by_page, using=using)
    return time.perf_counter() - start


PROGRAMME_QUERIES = [
    "Wasserstoff -Bayern feld:massnahmen",
    "Wasserstoff",
    "Fachkräfte Hochschule",
    '"grüner Wasserstoff" -Bayern',
    "Förderung Verstetigung",
    "Elektrolyse art:pdf",
    "Region",  # in nearly every entry: ranks thousands
    "Photonik land:BY land:SN",
]


def test_a_search_at_programme_scale_answers_within_100_ms_on_postgresql():
    """7,680 entries (240 × 32). Each query's time is the best of five after a warm-up, so that other processes on
    the machine count less; the median over the queries must stay within 100 ms. `-s` prints the figures."""
    from portal.models import SearchEntry

    built = build_programme()
    assert SearchEntry.objects.filter(kind__in=["test_section", "test_page"]).count() >= 240 * 32
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE portal_searchentry")
    report = []
    for query in PROGRAMME_QUERIES:
        engine.search(user=None, text=query)
        timings = []
        for _ in range(5):
            with CaptureQueriesContext(connections["default"]) as queries:
                start = time.perf_counter()
                results = engine.search(user=None, text=query)
                timings.append(time.perf_counter() - start)
        report.append((query, min(timings) * 1000, statistics.median(timings) * 1000, results.total, len(queries)))
    print(f"\nbuilt {240 * 32} entries in {built:.1f} s")
    for query, best, median, total, count in report:
        print(f"best {best:6.1f} ms  median {median:6.1f} ms  {total:5d} hits  {count} queries  {query}")
    assert all(count <= 3 for *_rest, count in report)
    assert statistics.median(best for _q, best, *_rest in report) <= 100, report
