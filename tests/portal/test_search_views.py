"""The search page: permission per role, results grouped by alliance with escaped snippets and links to the exact
place, German messages for refused queries (never a 500), the htmx partial, the help panel, the CSV of the hits,
the header box for staff, the landing anchors, and a constant number of queries at two data sizes."""

import csv
import io
import re

import pytest
from django.urls import reverse

from alliances.models import SECTION_FIELDS
from portal.search import registry
from portal.search.index import IndexedText, replace_entries
from portal.views import search as search_views
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    EvaluationCycleFactory,
    manager_of,
    role_actors,
)
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, count_queries, matrix_cases, request_as

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "search-results"}
SEARCH = reverse("portal:search")
EXPORT = reverse("portal:search_export")
MEASURES = "Geplante Maßnahmen und Vorhaben"


def index_sections(strategy):
    """Indexes the strategy's sections as the strategy services do when they save it."""
    replace_entries(
        kind="strategy_section",
        object_id=strategy.pk,
        texts=[
            IndexedText(
                body=getattr(strategy, name), part=name, alliance_id=strategy.alliance_id, cycle_id=strategy.cycle_id
            )
            for name in SECTION_FIELDS
        ],
    )
    return strategy


def indexed_strategy(cycle, alliance, **sections):
    return index_sections(CompleteStrategyFactory(cycle=cycle, alliance=alliance, **sections))


def page_text(response):
    return response.content.decode()


def hits_of(response):
    """(group heading, [(link, link text, snippet html)]) per group of the results, in order."""
    groups = []
    for section in re.findall(r'<section class="search-group.*?</section>', page_text(response), re.S):
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S).group(1).strip()
        hits = re.findall(
            r'<a href="([^"]*)" class="fw-semibold">(.*?)</a>.*?<p class="search-snippet[^"]*">(.*?)</p>', section, re.S
        )
        groups.append((heading, [(url, " ".join(text.split()), snippet) for url, text, snippet in hits]))
    return groups


# --- Permission matrix ---------------------------------------------------------------------------------------

# Every signed-in role searches (the kinds' scopes limit what each finds); anonymous visitors sign in first.
MATRIX = [
    ("portal:search", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("portal:search_export", "get", [LOGIN, 200, 200, 200, 200, 200]),
]


@pytest.fixture(scope="module")
def matrix_world(built_once):
    alliance = AllianceFactory(slug="matrix-lausitz", name="Matrix Lausitz")
    cycle = EvaluationCycleFactory(slug="suche-matrix", name="Runde der Suchmatrix")
    # A word no other test of this module uses: the module's data is there in every test.
    strategy = indexed_strategy(cycle, alliance, measures="Ein Geothermielabor in Cottbus.")
    return {"strategy": strategy, "actors": role_actors(manager=manager_of(alliance))}


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_search_permission_matrix(client, matrix_world, name, method, actor, want):
    url = f"{reverse(name)}?q=Geothermie"
    response = request_as(client, matrix_world["actors"][actor], method, url)
    assert_status(response, want, f"{actor} {method.upper()} {url}")


# --- Results -------------------------------------------------------------------------------------------------


@pytest.fixture
def hydrogen(cycle):
    """Two alliances plan hydrogen measures; the Bavarian one says so, and a third alliance plans none."""
    bavaria = AllianceFactory(slug="h2-oberland", name="H2 Oberland", acronym="H2O", states=["BY"])
    lusatia = AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz", acronym="GeLa", states=["BB", "SN"])
    quiet = AllianceFactory(slug="holz-harz", name="Holz im Harz", acronym="HiH", states=["ST"])
    return {
        "bavaria": indexed_strategy(
            cycle,
            bavaria,
            measures="Ein Wasserstoffnetz für das Oberland in Bayern verbindet Elektrolyseure und Tankstellen.",
            vision="Bis 2030 ist Wasserstoff im Oberland alltäglich.",
        ),
        "lusatia": indexed_strategy(
            cycle,
            lusatia,
            measures="Im Vorhaben H2-Klinik versorgt Wasserstoff die Notstromaggregate zweier Krankenhäuser.",
            skilled_workers="Weiterbildung zur Wasserstofffachkraft an der Hochschule.",
        ),
        "quiet": indexed_strategy(cycle, quiet, measures="Holzbau mit regionalen Sägewerken."),
    }


def test_results_are_grouped_by_alliance_with_part_label_snippet_and_link_to_the_section(
    client, programme_office, hydrogen
):
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": "Wasserstoff"})
    assert response.status_code == 200
    groups = hits_of(response)
    headings = [heading for heading, _hits in groups]
    assert len(headings) == 2
    assert any("Gesunde Lausitz" in heading for heading in headings)
    assert any("H2 Oberland" in heading for heading in headings)
    assert not any("Holz im Harz" in heading for heading in headings)
    hits = [hit for _heading, hits in groups for hit in hits]
    assert len(hits) == 4
    measures = [hit for hit in hits if MEASURES in hit[1]]
    assert len(measures) == 2
    assert all(url.endswith("#abschnitt-measures") for url, _text, _snippet in measures)
    assert all("<mark>" in snippet for _url, _text, snippet in hits)
    # The status line counts every hit, by kind, in the live region.
    status = re.search(r'<div id="search-status".*?</div>', page_text(response), re.S).group(0)
    assert 'role="status"' in status and "4 Treffer" in status


def test_the_link_of_a_hit_lands_on_the_section_of_the_strategy_page(client, programme_office, hydrogen):
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": "Wasserstoff feld:massnahmen"})
    [(url, _text, _snippet)] = [
        hit for _heading, hits in hits_of(response) for hit in hits if "Krankenhäuser" in hit[2]
    ]
    path, _sep, fragment = url.partition("#")
    assert fragment == "abschnitt-measures"
    landed = client.get(path, follow=True)
    assert landed.status_code == 200
    assert 'id="abschnitt-measures"' in page_text(landed)
    assert "Notstromaggregate zweier Krankenhäuser" in page_text(landed)


def test_the_journey_query_finds_only_the_non_bavarian_measures(client, programme_office, hydrogen):
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": "Wasserstoff -Bayern feld:massnahmen"})
    groups = hits_of(response)
    assert len(groups) == 1 and "Gesunde Lausitz" in groups[0][0]
    [(url, text, snippet)] = groups[0][1]
    assert MEASURES in text and "Krankenhäuser" in snippet


def test_a_manager_finds_only_texts_of_their_own_alliance(client, hydrogen):
    manager = manager_of(hydrogen["lusatia"].alliance)
    client.force_login(manager)
    groups = hits_of(client.get(SEARCH, {"q": "Wasserstoff"}))
    assert [("Gesunde Lausitz" in heading) for heading, _hits in groups] == [True]
    assert "Oberland" not in str(groups)


def test_a_script_in_a_strategy_text_comes_out_escaped(client, cycle, programme_office):
    alliance = AllianceFactory(slug="skript", name="Skript-Bündnis")
    indexed_strategy(cycle, alliance, measures='Wasserstoff <script>alert("x")</script> & <b>fett</b> im Labor.')
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": "Wasserstoff"})
    text = page_text(response)
    assert "<script>alert" not in text and "<b>fett</b>" not in text
    [(_url, _text, snippet)] = hits_of(response)[0][1]
    # The snippet is text with the hits marked: no other markup, whatever the source held.
    assert "<mark>Wasserstoff</mark>" in snippet
    assert "<" not in re.sub(r"</?mark>", "", snippet)
    assert "fett" in snippet and "&amp;" in snippet


def test_a_page_with_no_hits_says_so(client, programme_office, hydrogen):
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": "Tiefseebergbau"})
    assert response.status_code == 200
    assert "Keine Treffer." in page_text(response)
    assert hits_of(response) == []


def test_an_empty_query_shows_the_form_and_the_help_without_results(client, programme_office):
    client.force_login(programme_office)
    response = client.get(SEARCH)
    assert response.status_code == 200
    text = page_text(response)
    assert '<label class="form-label" for="search-q">Suchanfrage</label>' in text
    assert 'id="search-help"' in text and "Geben Sie einen oder mehrere Suchbegriffe ein." in text


# --- Refused queries -----------------------------------------------------------------------------------------

HOSTILE = [
    '"Wasserstoff',
    "-Wasserstoff",
    "feld:",
    "unbekannt:wert",
    "score>abc",
    "x" * 10_000,
    "'; DROP TABLE portal_searchentry; --",
    ":::",
    "\x00",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_a_refused_query_shows_its_german_message_on_the_page(client, programme_office, hydrogen, query):
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    text = page_text(response)
    if "search-error" in text:
        alert = re.search(r'<div class="alert alert-danger" role="alert" id="search-error">(.*?)</div>', text, re.S)
        assert "Die Suchanfrage ist nicht gültig." in alert.group(1)
        message = re.findall(r"<p[^>]*>(.*?)</p>", alert.group(1), re.S)[1].strip()
        assert len(message) > 10
        assert "Die Suchanfrage konnte nicht ausgeführt werden." in text
    else:  # punctuation only reaches the database as words, never as syntax
        assert "Treffer" in text


def test_the_htmx_partial_of_a_refused_query_answers_422_with_the_alert(client, programme_office):
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": '"offen'}, headers=HTMX)
    assert response.status_code == 422
    text = page_text(response)
    assert 'role="alert"' in text and "<html" not in text
    assert 'id="search-status" hx-swap-oob="innerHTML"' in text


def test_the_csv_of_a_refused_or_empty_query_leads_back_to_the_page(client, programme_office):
    client.force_login(programme_office)
    response = client.get(EXPORT, {"q": '"offen'})
    assert response.status_code == 302 and response["Location"] == f"{SEARCH}?q=%22offen"
    assert client.get(EXPORT)["Location"] == SEARCH


# --- htmx ----------------------------------------------------------------------------------------------------


def test_htmx_gets_only_the_results_and_the_status_for_the_live_region(client, programme_office, hydrogen):
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": "Wasserstoff"}, headers=HTMX)
    assert response.status_code == 200
    text = page_text(response)
    assert "<html" not in text and 'id="search-form"' not in text
    assert 'id="search-status" hx-swap-oob="innerHTML"' in text and "4 Treffer" in text
    assert text.lstrip().startswith("<title>Suche: Wasserstoff · WIR!-Strategieportal</title>")
    assert len(hits_of(response)) == 2
    assert "HX-Request" in response["Vary"]


def test_without_javascript_the_same_address_renders_the_whole_page(client, programme_office, hydrogen):
    client.force_login(programme_office)
    response = client.get(SEARCH, {"q": "Wasserstoff"})
    text = page_text(response)
    assert "<html" in text and 'id="search-form"' in text
    form = re.search(r'<form method="get" role="search" action="([^"]*)" id="search-form"(.*?)>', text, re.S)
    assert form.group(1) == SEARCH
    assert 'hx-get="/search/"' in form.group(2) and 'hx-push-url="true"' in form.group(2)
    assert "delay:300ms" in form.group(2)
    assert 'value="Wasserstoff"' in text
    assert "HX-Request" in response["Vary"]


# --- Help ------------------------------------------------------------------------------------------------------


def test_the_help_panel_lists_the_syntax_and_every_registered_filter(client, programme_office, hydrogen):
    client.force_login(programme_office)
    text = page_text(client.get(SEARCH))
    help_panel = re.search(r'<details class="search-help.*?</details>', text, re.S).group(0)
    for example in ('"duale Studiengänge"', "-Bayern", "feld:massnahmen", "score&gt;60"):
        assert example in help_panel
    keys = [key for key, _providers in registry.canonical_filters()]
    assert keys, "no filter is registered"
    for key in keys:
        assert f'data-filter="{key}"' in help_panel


def test_the_help_panel_shows_some_values_of_a_long_list_and_counts_the_rest(monkeypatch):
    state = registry.snapshot()
    try:
        registry.register_filter(
            registry.SearchFilter(
                key="testwert",
                help="nur zum Test",
                values=lambda: [(f"w{n}", f"Wert {n}") for n in range(30)],
            )
        )
        row = next(row for row in search_views.help_filters() if row["key"] == "testwert")
    finally:
        registry.restore(state)
    assert len(row["values"]) == search_views.HELP_VALUES and row["more_values"] == 30 - search_views.HELP_VALUES


# --- Pagination --------------------------------------------------------------------------------------------


@pytest.fixture
def many_hits(cycle):
    """25 alliances that all mention the Kreislaufwirtschaft in their measures."""
    for number in range(25):
        alliance = AllianceFactory(slug=f"kreis-{number:02d}", name=f"Kreislauf {number:02d}")
        indexed_strategy(cycle, alliance, measures=f"Kreislaufwirtschaft im Landkreis {number}.")


def test_pages_of_results_use_the_shared_pagination(client, programme_office, many_hits):
    client.force_login(programme_office)
    first = client.get(SEARCH, {"q": "Kreislaufwirtschaft"})
    assert sum(len(hits) for _heading, hits in hits_of(first)) == search_views.HITS_PER_PAGE
    assert "Seite 1 von 2" in page_text(first) and "seite=2" in page_text(first)
    second = client.get(SEARCH, {"q": "Kreislaufwirtschaft", "seite": "2"})
    assert sum(len(hits) for _heading, hits in hits_of(second)) == 25 - search_views.HITS_PER_PAGE
    # Beyond the last page: the last page; no number: the first.
    assert client.get(SEARCH, {"q": "Kreislaufwirtschaft", "seite": "99"}).context["page"].number == 2
    assert client.get(SEARCH, {"q": "Kreislaufwirtschaft", "seite": "zwei"}).context["page"].number == 1
    assert "25 Treffer" in page_text(second)


# --- CSV -----------------------------------------------------------------------------------------------------


def csv_rows(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="suche_')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_csv_lists_the_hits_with_alliance_kind_part_page_rank_plain_snippet_and_link(
    client, programme_office, hydrogen
):
    client.force_login(programme_office)
    rows = csv_rows(client.get(EXPORT, {"q": "Wasserstoff feld:massnahmen"}))
    assert rows[0] == ["Bündnis", "Art", "Abschnitt/Teil", "Seite", "Rang", "Ausschnitt", "Link"]
    body = rows[1:]
    assert len(body) == 2
    lusatia = next(row for row in body if "Gesunde Lausitz" in row[0])
    assert lusatia[2] == MEASURES and lusatia[3] == ""
    assert "<mark>" not in lusatia[5] and "Krankenhäuser" in lusatia[5]
    assert lusatia[6].startswith("http") and lusatia[6].endswith("#abschnitt-measures")
    assert re.fullmatch(r"\d+,\d{4}", lusatia[4])


def test_the_csv_neutralises_formulas_in_the_snippets(client, cycle, programme_office):
    alliance = AllianceFactory(slug="formel", name="Formel-Bündnis")
    indexed_strategy(cycle, alliance, measures="=HYPERLINK(Wasserstoff)")
    client.force_login(programme_office)
    [_header, row] = csv_rows(client.get(EXPORT, {"q": "Wasserstoff"}))
    assert not row[5].startswith("=")


def test_the_csv_is_capped_and_says_so(client, programme_office, many_hits, monkeypatch):
    monkeypatch.setattr(search_views, "CSV_MAX_HITS", 10)
    client.force_login(programme_office)
    rows = csv_rows(client.get(EXPORT, {"q": "Kreislaufwirtschaft"}))
    assert len(rows) == 1 + 10 + 1
    assert rows[-1] == ["Die Datei enthält die ersten 10 von 25 Treffern."]


def test_the_page_links_the_csv_of_the_same_query(client, programme_office, hydrogen):
    client.force_login(programme_office)
    text = page_text(client.get(SEARCH, {"q": "Wasserstoff -Bayern", "seite": "1"}))
    assert f'href="{EXPORT}?q=Wasserstoff+-Bayern"' in text


# --- Header ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "box"),
    [("manager", False), ("expert", False), ("programme_office", True), ("ministry", True), ("admin", False)],
)
def test_the_header_box_is_for_staff_and_everyone_else_gets_a_link(client, actors, actor, box):
    client.force_login(actors[actor])
    text = page_text(client.get(reverse("notification_preferences")))
    assert ('id="header-search-q"' in text) is box
    assert ('<a class="header-search-link" href="/search/">Suche</a>' in text) is not box
    if box:
        assert '<label class="visually-hidden" for="header-search-q">Portal durchsuchen</label>' in text


# --- Anchors -------------------------------------------------------------------------------------------------


def test_the_strategy_page_has_an_anchor_per_section_for_readers_and_for_editors(client, programme_office, strategy):
    path = reverse("alliances:strategy", args=[strategy.cycle.slug, strategy.alliance.slug])
    client.force_login(programme_office)
    reading = page_text(client.get(path))
    client.force_login(manager_of(strategy.alliance))
    editing = page_text(client.get(path))
    for name in SECTION_FIELDS:
        assert f'<h2 class="h5" id="abschnitt-{name}" tabindex="-1">' in reading
        # The editing form keeps crispy forms' markup; the page's script lands "#abschnitt-<field>" on its field.
        assert f'<div id="div_id_{name}" class="mb-3">' in editing


# --- Query counts ------------------------------------------------------------------------------------------


def build_alliances(cycle, count, start=0):
    for number in range(start, start + count):
        alliance = AllianceFactory(slug=f"bund-{number:03d}", name=f"Bündnis {number:03d}")
        indexed_strategy(cycle, alliance, measures=f"Wasserstoff und Fachkräftesicherung im Vorhaben {number}.")


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_search_keeps_its_query_count_at_3_and_30_alliances(client, cycle, programme_office, headers):
    client.force_login(programme_office)
    counts = []
    for count, start in ((3, 0), (27, 3)):
        build_alliances(cycle, count, start)
        client.defaults.update({f"HTTP_{key.upper().replace('-', '_')}": value for key, value in headers.items()})
        queries, response = count_queries(client, SEARCH, {"q": "Wasserstoff feld:massnahmen"})
        counts.append(queries)
        assert response.context["results"].total == start + count
    assert counts[0] == counts[1]


def test_the_csv_keeps_its_query_count_at_3_and_30_alliances(client, cycle, programme_office):
    client.force_login(programme_office)
    counts = []
    for count, start in ((3, 0), (27, 3)):
        build_alliances(cycle, count, start)
        queries, response = count_queries(client, EXPORT, {"q": "Wasserstoff"})
        counts.append(queries)
        assert len(csv_rows(response)) == 1 + start + count
    assert counts[0] == counts[1]
