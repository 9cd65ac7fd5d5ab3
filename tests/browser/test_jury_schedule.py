"""The programme office plans a jury session in Chromium: the planner's preview applied, a pitch dragged onto another
slot, and one moved with the keyboard only (the focus lands back on the moved row, the result is announced)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from reviews.models import PitchSlot
from tests.browser.conftest import assert_page_sound, login
from tests.factories import AllianceFactory, ExpertProfileFactory, SubmittedStrategyFactory, berlin, jury_session

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

START = berlin(2030, 11, 12, 9)


def pitch_of(name):
    return PitchSlot.objects.get(status="taken", strategy__alliance__name=name)


def test_the_office_applies_the_planner_drags_a_pitch_and_moves_another_by_keyboard(
    page, live_server, cycle, programme_office
):
    jurors = [ExpertProfileFactory(user__full_name=name).user for name in ("Anna Vorsitz", "Bernd Jury")]
    # 09:00, 09:35, 10:10, 10:45, 11:20: the planner fills the first two, three stay open.
    jury_session(cycle, starts_at=START, hours=3, jurors=jurors, title="Jury Ost", now=START - timedelta(days=30))
    for name in ("Alpha", "Beta"):
        SubmittedStrategyFactory(cycle=cycle, alliance=AllianceFactory(name=name))
    login(page, live_server, programme_office.email)

    page.goto(f"/cycles/{cycle.slug}/jury/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jurysitzungen")
    assert_page_sound(page)
    page.get_by_role("link", name="Automatisch einplanen (Vorschau)").click()
    main = page.locator("main")
    expect(main.get_by_role("rowheader", name="Alpha")).to_be_visible()
    expect(main.get_by_role("rowheader", name="Beta")).to_be_visible()
    assert_page_sound(page)
    assert not PitchSlot.objects.filter(status="taken").exists()  # a preview stores nothing
    page.get_by_role("button", name="Alle 2 Pitches übernehmen").click()
    expect(page.locator("#messages")).to_contain_text("2 Pitches sind eingeplant")
    assert sorted(PitchSlot.objects.filter(status="taken").values_list("strategy__alliance__name", flat=True)) == [
        "Alpha",
        "Beta",
    ]

    page.get_by_role("link", name="Ablaufplan Jury Ost").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ablaufplan · Jury Ost")
    assert_page_sound(page)
    alpha = pitch_of("Alpha")
    alpha_row = page.locator(f"#slot-{alpha.uid}")
    free_row = page.locator("tr[data-drop-slot]", has=page.get_by_role("rowheader", name="10:10–10:40"))
    free_row.scroll_into_view_if_needed()  # the shared forms above the table push it down; both rows in view
    alpha_row.locator("th").drag_to(free_row.locator("th"))
    expect(page.locator("#messages")).to_contain_text("Der Pitch von Alpha ist auf 12.11.2030 10:10 Uhr")
    expect(page.locator(f"#slot-{alpha.uid}")).to_contain_text("10:10–10:40")
    expect(page.locator(f"#slot-{alpha.uid}")).to_be_focused()
    assert pitch_of("Alpha").starts_at == berlin(2030, 11, 12, 10, 10)

    beta = pitch_of("Beta")
    assert beta.starts_at == berlin(2030, 11, 12, 9, 35)
    # The keyboard only: the row's link "Verschieben …" chooses Beta in the shared move form and focuses its
    # select "Verschieben nach" (the first choice is the freed 09:00); ArrowDown, Tab, Enter.
    page.get_by_role("link", name="Verschieben … (Beta)").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#move-target")).to_be_focused()
    expect(page.locator("#move-pitch")).to_have_value(str(beta.uid))
    page.keyboard.press("ArrowDown")
    expect(page.locator("#move-target")).to_have_value(str(PitchSlot.objects.get(status="open", starts_at=START).uid))
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Verschieben", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Der Pitch von Beta ist auf 12.11.2030 09:00 Uhr")
    expect(page.locator(f"#slot-{beta.uid}")).to_be_focused()
    expect(page.locator(f"#slot-{beta.uid}")).to_contain_text("09:00–09:30")
    assert pitch_of("Beta").starts_at == berlin(2030, 11, 12, 9)
    assert pitch_of("Beta").sequence == 1
    assert_page_sound(page)
