"""Journey: at 1280 px a ministry user sees every column of the dashboard; scrolled sideways on a narrower screen,
the alliance column stays in view."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_page_sound, login
from tests.factories import AllianceFactory, ministry_user, submitted_strategy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def box(page, name):
    return page.get_by_role("columnheader", name=name).bounding_box()


def test_the_dashboard_fits_1280_px_and_keeps_the_alliance_column_when_scrolled(page, live_server, cycle):
    for slug in ("gesunde-lausitz", "h2-oberland"):
        submitted_strategy(cycle, AllianceFactory(slug=slug, name=f"Bündnis {slug}"))
    bmbf = ministry_user("breite@bmbf.example")
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server, bmbf.email)
    page.goto(f"{live_server.url}/cycles/{cycle.slug}/dashboard/")
    expect(page.get_by_role("columnheader", name="Bewilligt (EUR)")).to_be_visible()
    assert box(page, "Bewilligt (EUR)")["x"] + box(page, "Bewilligt (EUR)")["width"] <= 1280
    assert_page_sound(page)

    page.set_viewport_size({"width": 900, "height": 800})
    page.locator(".table-responsive").first.evaluate("(wrapper) => { wrapper.scrollLeft = wrapper.scrollWidth; }")
    alliance = box(page, "Bündnis")
    assert alliance["x"] >= 0 and alliance["x"] < 40  # still at the left edge, not scrolled away
    assert box(page, "Bewilligt (EUR)")["x"] + box(page, "Bewilligt (EUR)")["width"] <= 900
