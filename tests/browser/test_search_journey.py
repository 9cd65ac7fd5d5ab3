"""Journey: the programme office searches from the header box, refines the query on the search page and sees the
results change live, opens a hit and lands on the Maßnahmen section of the strategy page."""

import re

import pytest
from playwright.sync_api import expect

from alliances.models import SECTION_FIELDS
from portal.search.index import IndexedText, replace_entries
from tests.browser.conftest import assert_page_sound, login
from tests.factories import AllianceFactory, CompleteStrategyFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

MEASURES = "Geplante Maßnahmen und Vorhaben"


def indexed_strategy(cycle, alliance, **sections):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance, **sections)
    replace_entries(
        kind="strategy_section",
        object_id=strategy.pk,
        texts=[
            IndexedText(body=getattr(strategy, name), part=name, alliance_id=alliance.pk, cycle_id=cycle.pk)
            for name in SECTION_FIELDS
        ],
    )
    return strategy


@pytest.fixture
def hydrogen(cycle):
    """A Bavarian and a Lusatian alliance plan hydrogen measures; the Lusatian one also trains for hydrogen."""
    bavaria = AllianceFactory(slug="h2-oberland", name="H2 Oberland", acronym="H2O", states=["BY"])
    lusatia = AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz", acronym="GeLa", states=["BB", "SN"])
    indexed_strategy(
        cycle,
        bavaria,
        measures="Ein Wasserstoffnetz für das Oberland in Bayern verbindet Elektrolyseure und Tankstellen.",
    )
    indexed_strategy(
        cycle,
        lusatia,
        # A long text before the measures, so that landing on the section has to scroll.
        vision="Die Lausitz wird Gesundheitsregion. " * 200,
        measures="Im Vorhaben H2-Klinik versorgt Wasserstoff die Notstromaggregate zweier Krankenhäuser.",
        skilled_workers="Weiterbildung zur Wasserstofffachkraft an der Hochschule.",
    )


def test_the_programme_office_searches_live_and_lands_on_the_measures_section(
    page, live_server, hydrogen, programme_office
):
    login(page, live_server, programme_office.email)

    # The header box sends the query to the search page.
    header_box = page.get_by_role("searchbox", name="Portal durchsuchen")
    header_box.fill("Wasserstoff")
    header_box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=Wasserstoff$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Suche")
    expect(page.locator("#search-status")).to_contain_text("3 Treffer")
    expect(page.locator(".search-group")).to_have_count(2)
    assert_page_sound(page)

    # Typing on the page refines the results live: no page load, the address follows the query.
    page.evaluate("window.stillTheSamePage = true")
    box = page.get_by_role("searchbox", name="Suchanfrage")
    expect(box).to_have_value("Wasserstoff")
    box.fill("Wasserstoff -Bayern feld:massnahmen")
    expect(page.locator("#search-status")).to_contain_text("1 Treffer")
    groups = page.locator(".search-group")
    expect(groups).to_have_count(1)
    expect(groups.get_by_role("heading")).to_contain_text("Gesunde Lausitz")
    hit = page.locator(".search-hit")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text(MEASURES)
    expect(hit.locator("mark").first).to_have_text(re.compile(r"^wasserstoff$", re.IGNORECASE))
    expect(page).to_have_url(re.compile(r"/search/\?q=Wasserstoff(\+|%20)-Bayern(\+|%20)feld(%3A|:)massnahmen$"))
    expect(page).to_have_title("Suche: Wasserstoff -Bayern feld:massnahmen · WIR!-Strategieportal")
    assert page.evaluate("window.stillTheSamePage") is True
    assert_page_sound(page)

    # The hit opens the strategy page at the Maßnahmen section, its heading focused and in view.
    hit.get_by_role("link").click()
    page.wait_for_url(re.compile(r"#abschnitt-measures$"))
    heading = page.get_by_role("heading", name=MEASURES, exact=True)
    expect(heading).to_be_focused()
    expect(heading).to_be_in_viewport()
    expect(page.get_by_role("region", name=MEASURES)).to_contain_text("Notstromaggregate zweier Krankenhäuser")
    assert_page_sound(page)


def test_a_refused_query_shows_its_message_live_and_in_an_alert(page, live_server, hydrogen, programme_office):
    login(page, live_server, programme_office.email)
    page.goto(f"{live_server.url}/search/")
    page.get_by_role("searchbox", name="Suchanfrage").fill('"Wasserstoff')
    expect(page.get_by_role("alert")).to_contain_text("Die Suchanfrage ist nicht gültig.")
    expect(page.locator("#search-status")).to_contain_text("Die Suchanfrage konnte nicht ausgeführt werden.")
    # The help panel opens and lists the filters.
    page.get_by_text("Hilfe: So suchen Sie").click()
    expect(page.locator("#search-help table")).to_be_visible()
    expect(page.locator('#search-help [data-filter="feld"]')).to_be_visible()
    assert_page_sound(page)
