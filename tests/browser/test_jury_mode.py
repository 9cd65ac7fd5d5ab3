"""A jury session in Chromium: the chair starts a pitch, a juror writes a private note that another juror does not
see, a conflicted juror is kept out, the chair closes two pitches and records the results, and the Votum shows the
jury's result."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import Role
from reviews.models import PanelVotum
from tests.browser.conftest import assert_page_sound, login, logout
from tests.browser.jury import open_session, record_result
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    berlin,
    conflicted_juror,
    pitched_session,
    programme_rubric,
    scored_strategy,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TITLE = "Jurysitzung Lausitz und Sachsen"
NOTE = "Klarer Plan, aber die Finanzierung der Reallabore ist offen."


@pytest.fixture
def world(cycle):
    rubric = programme_rubric(cycle)
    lausitz = scored_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"), rubric=rubric, points=4)
    diana = scored_strategy(cycle, AllianceFactory(name="DIANA"), rubric=rubric, points=3)
    chair = ExpertProfileFactory(user__full_name="Clara Vorsitz", user__email="vorsitz@uni.example").user
    juror = ExpertProfileFactory(user__full_name="Jan Juror", user__email="juror@uni.example").user
    conflicted = ExpertProfileFactory(user__full_name="Konrad Befangen", user__email="befangen@uni.example").user
    session = pitched_session(
        cycle,
        [lausitz, diana],
        starts_at=berlin(2030, 11, 12, 9),
        jurors=[chair, juror, conflicted],
        chair=chair,
        title=TITLE,
    )
    conflicted_juror(lausitz, conflicted)
    office = UserFactory(email="pt@ptj.example", role=Role.PROGRAMME_OFFICE, full_name="Petra Träger")
    return {
        "cycle": cycle,
        "session": session,
        "lausitz": lausitz,
        "chair": chair,
        "juror": juror,
        "conflicted": conflicted,
        "office": office,
    }


def test_the_chair_runs_the_session_and_the_jury_s_result_becomes_the_votum(page, live_server, world):
    login(page, live_server, world["chair"].email)
    open_session(page, TITLE)
    page.get_by_role("button", name="Pitch starten Gesunde Lausitz").click()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"noch \d\d:\d\d Pitch"))
    assert_page_sound(page)
    logout(page)

    login(page, live_server, world["juror"].email)
    open_session(page, TITLE)
    page.get_by_label("Ihre Notiz").fill(NOTE)
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.get_by_role("status").filter(has_text="Gespeichert um")).to_be_visible()
    expect(page.get_by_label("Ihre Notiz")).to_have_value(NOTE)  # the polled part never replaces it
    assert_page_sound(page)
    logout(page)

    login(page, live_server, world["conflicted"].email)
    open_session(page, TITLE)
    main = page.locator("main")
    expect(main).to_contain_text("Pitch (Sie sind befangen und nehmen nicht teil)")
    expect(main).not_to_contain_text("Gesunde Lausitz")
    logout(page)

    login(page, live_server, world["chair"].email)
    open_session(page, TITLE)
    page.get_by_role("link", name="Notiz Gesunde Lausitz").click()
    expect(page.locator("main")).not_to_contain_text(NOTE)  # another juror's note stays private while it runs
    page.go_back()
    page.get_by_role("button", name="Pitch abschließen Gesunde Lausitz").click()
    expect(page.locator("#messages")).to_contain_text("Der Pitch von Gesunde Lausitz ist abgeschlossen.")
    record_result(
        page, "Gesunde Lausitz", "Die Jury empfiehlt die Förderung mit Auflagen.", conditions="Beirat einrichten"
    )
    page.get_by_role("button", name="Pitch starten DIANA").click()
    page.get_by_role("button", name="Pitch abschließen DIANA").click()
    record_result(page, "DIANA", "Die Jury sieht DIANA gut aufgestellt.", conditions="Beirat einrichten")
    expect(page.locator("#current-pitch")).to_have_text("Nächster Pitch")
    expect(page.locator("main")).to_contain_text("Alle Pitches dieser Sitzung sind abgeschlossen.")
    page.get_by_role("link", name="Notizen der Jury Gesunde Lausitz").click()
    expect(page.locator("main")).to_contain_text(NOTE)  # closed: the jury reads every note
    assert PanelVotum.objects.filter(pitch__isnull=False).count() == 2
    logout(page)

    login(page, live_server, world["office"].email)
    page.goto(f"{live_server.url}/cycles/{world['cycle'].slug}/votum/{world['lausitz'].pk}/")
    votum = page.locator("section", has=page.get_by_role("heading", name="Votum der Jury"))
    expect(votum).to_contain_text("Ergebnis der Jurysitzung am 12.11.2030")
    expect(votum).to_contain_text("Die Jury empfiehlt die Förderung mit Auflagen.")
    expect(votum).not_to_contain_text(NOTE)
