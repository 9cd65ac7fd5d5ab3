"""Journey: an alliance's manager sees the pitch slot with the video link and the slides deadline, uploads the
pitch slides, sees them checked, and names a day on which the alliance cannot pitch."""

from datetime import date

import pytest
from playwright.sync_api import expect

from reviews.models import AllianceBlockedDate, PitchSlides
from tests.browser.conftest import assert_page_sound, login
from tests.factories import SubmittedStrategyFactory, berlin, jury_session, pdf_bytes, pitched

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_a_manager_sees_the_slot_and_uploads_slides(page, live_server, cycle, alliance, manager, tmp_path):
    strategy = SubmittedStrategyFactory(cycle=cycle, alliance=alliance)
    session = jury_session(
        cycle, starts_at=berlin(2030, 11, 12, 9), hours=2, title="Jury Ost", video_url="https://konferenz.example/ost"
    )
    pitched(session, strategy)
    slides_path = tmp_path / "Pitch Gesunde Lausitz.pdf"
    slides_path.write_bytes(pdf_bytes(pages=3))

    login(page, live_server, manager.email)
    page.goto(f"/cycles/{cycle.slug}/alliances/{alliance.slug}/pitch/")
    main = page.locator("main")
    expect(main).to_contain_text("Dienstag, 12. November 2030, 09:00–09:30 Uhr")
    expect(main.get_by_role("link", name="https://konferenz.example/ost")).to_be_visible()
    slides = main.locator("#pitch-slides")
    expect(slides).to_contain_text("Frist für die Folien: 09.11.2030, 09:00 Uhr.")
    expect(slides).to_contain_text("Noch keine Folien hochgeladen.")
    assert_page_sound(page)

    slides.get_by_label("Pitch-Folien (PDF)").set_input_files(str(slides_path))
    slides.get_by_role("button", name="Folien hochladen").click()
    expect(page.locator("#messages")).to_contain_text("Ihre Pitch-Folien sind hochgeladen und werden jetzt geprüft.")
    # The check runs after the upload's commit; the page shows its outcome once reloaded.
    page.reload()
    slides = page.locator("#pitch-slides")
    expect(slides).to_contain_text("Pitch Gesunde Lausitz.pdf")
    expect(slides).to_contain_text("geprüft")
    expect(slides).to_contain_text("3 Seiten")
    expect(slides.get_by_role("link", name="Folien herunterladen (Pitch Gesunde Lausitz.pdf)")).to_be_visible()
    assert PitchSlides.objects.get().is_checked
    assert_page_sound(page)

    blocked = page.locator("#blocked-dates")
    blocked.get_by_label("Tage, an denen Ihr Bündnis nicht pitchen kann").fill("14.11.2030")
    blocked.get_by_role("button", name="Gesperrte Tage speichern").click()
    expect(page.locator("#blocked-dates")).to_contain_text("Donnerstag, 14. November 2030")
    assert list(AllianceBlockedDate.objects.values_list("date", flat=True)) == [date(2030, 11, 14)]
    assert_page_sound(page)
