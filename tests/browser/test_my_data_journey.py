"""Journey: an alliance manager opens "Meine Daten" from the header, reads what is stored about them, downloads the
JSON and has a worker print the PDF; an admin has the record of processing activities printed for the data
protection officer."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_page_sound, login, submit_login_form
from tests.factories import AllianceFactory, UserFactory, manager_of, submitted_strategy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def printed(page, kind):
    """Asks for the dossier of `kind` with its panel's button, waits for the worker and downloads it."""
    page.get_by_role("button", name=re.compile(f"{re.escape(kind)} .* erstellen")).click()
    ready = page.get_by_role("link", name=re.compile(r"herunterladen \(\d+ Seiten?\)"))
    expect(ready).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        ready.click()
    return download.value


def test_a_manager_downloads_their_data_as_json_and_as_a_pdf(page, live_server, cycle, celery_worker):
    alliance = AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz")
    manager = manager_of(alliance, email="mara.manager@example.org")
    submitted_strategy(cycle, alliance, manager=manager)
    login(page, live_server, manager.email)

    page.get_by_role("link", name="Meine Daten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Daten")
    overview = page.get_by_role("table")
    expect(overview.get_by_role("row", name=re.compile("Einreichungen"))).to_be_visible()
    assert_page_sound(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Alle Daten als JSON herunterladen").click()
    data = json.loads(download.value.path().read_text())
    assert data["person"]["email"] == "mara.manager@example.org"
    assert "alliances.AllianceMembership" in {category["model"] for category in data["categories"]}

    download = printed(page, "Auskunft über die gespeicherten Daten")
    assert download.suggested_filename.startswith("meine-daten_")
    assert download.path().read_bytes().startswith(b"%PDF-")
    assert_page_sound(page)


def test_an_admin_has_the_record_of_processing_activities_printed(page, live_server, celery_worker):
    admin_user = UserFactory(role="admin", email="admin.datenschutz@example.org", is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/my-data/")
    submit_login_form(page, admin_user.email)
    page.get_by_role("link", name="Verarbeitungsverzeichnis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verzeichnis von Verarbeitungstätigkeiten")
    download = printed(page, "Verzeichnis von Verarbeitungstätigkeiten")
    assert download.suggested_filename.startswith("verarbeitungsverzeichnis_")
    assert_page_sound(page)
