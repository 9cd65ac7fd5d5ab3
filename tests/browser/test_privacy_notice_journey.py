"""Journey: a visitor who has not signed in follows the link on the sign-in page to the privacy notice, by keyboard,
and reads who is responsible and how long each kind of data is kept."""

import re

import pytest
from playwright.sync_api import expect

from portal.privacy.models import RetentionRule
from tests.browser.conftest import assert_page_sound

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_a_visitor_reaches_the_privacy_notice_from_sign_in_by_keyboard(page, live_server, settings, retention_schedule):
    settings.PRIVACY_CONTROLLER_EMAIL = "datenschutz-kontakt@bmftr.example"
    page.goto(f"{live_server.url}/accounts/login/")
    link = page.get_by_role("link", name=re.compile("Datenschutzerklärung")).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/datenschutz/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenschutzerklärung")
    expect(page.get_by_role("link", name="datenschutz-kontakt@bmftr.example")).to_be_visible()
    schedule = page.get_by_role("table")
    outbox = RetentionRule.objects.get(code="outbox")
    expect(schedule.get_by_role("row", name=re.compile(re.escape(outbox.label)))).to_contain_text(
        f"{outbox.period} Tage ab Erfassung, dann löschen"
    )
    expect(schedule.get_by_role("row")).to_have_count(RetentionRule.objects.count() + 1)
    assert_page_sound(page)
