"""The whole loop of a jury session in Chromium: the programme office plans it with the planner, a manager sees the
slot and uploads the slides, a juror who declares a conflict is kept out, the chair runs the session and records two
results, the minutes are rendered by a worker without the jurors' notes, and the ministry's dashboard shows the
jury's result as the Votum."""

import re
import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.models import Role
from reviews.models import PanelVotum, PitchSlides, PitchSlot, PitchSlotStatus
from tests.browser.conftest import assert_page_sound, login, logout
from tests.browser.jury import open_session, record_result
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    berlin,
    conflicted_juror,
    jury_session,
    manager_of,
    ministry_user,
    pdf_bytes,
    programme_rubric,
    scored_strategy,
)

# Seven people sign in one after another, and a worker renders the minutes: at most 20 s per step (see conftest).
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

START = berlin(2030, 11, 12, 9)
NOTE = "Nur für mich: die Finanzierung der Reallabore nachfragen."
STATEMENT = "Die Jury empfiehlt die Förderung; der Pitch hat die Verstetigung überzeugend dargestellt."


@pytest.fixture
def world(cycle):
    rubric = programme_rubric(cycle)
    lausitz_alliance = AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz")
    lausitz = scored_strategy(cycle, lausitz_alliance, rubric=rubric, points=4)
    diana = scored_strategy(cycle, AllianceFactory(name="DIANA", slug="diana"), rubric=rubric, points=3)
    chair = ExpertProfileFactory(user__full_name="Clara Vorsitz", user__email="vorsitz@uni.example").user
    juror = ExpertProfileFactory(user__full_name="Jan Juror", user__email="juror@uni.example").user
    konrad = ExpertProfileFactory(user__full_name="Konrad Befangen", user__email="befangen@uni.example").user
    jury_session(
        cycle,
        starts_at=START,
        hours=2,
        jurors=[chair, juror, konrad],
        chair=chair,
        title="Jury Ost",
        video_url="https://konferenz.example/jury-ost",
        now=START - timedelta(days=30),
    )
    return {
        "cycle": cycle,
        "lausitz": lausitz,
        "diana": diana,
        "chair": chair,
        "juror": juror,
        "konrad": konrad,
        "manager": manager_of(lausitz_alliance, email="manager@gesunde-lausitz.example"),
        "office": UserFactory(email="pt@ptj.example", role=Role.PROGRAMME_OFFICE, full_name="Petra Träger"),
        # A colleague in the programme office takes over during the session (a second sign-in of the first within
        # one authenticator period would need a fresh code).
        "colleague": UserFactory(email="pt2@ptj.example", role=Role.PROGRAMME_OFFICE, full_name="Otto Träger"),
        "ministry": ministry_user("bmbf1@bmbf.example"),
    }


def pdf_text(path):
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    )
    # Words split by hyphenation at a line's end are joined again.
    return re.sub(r"(\w)- (\w)", r"\1\2", " ".join(done.stdout.split()))


def test_the_office_plans_the_alliances_pitch_the_jury_decides_and_the_minutes_keep_the_notes_out(
    page, live_server, world, celery_worker, tmp_path
):
    cycle = world["cycle"]

    # 1. The office plans the session with the planner: a preview first, then both pitches applied.
    login(page, live_server, world["office"].email)
    page.goto(f"/cycles/{cycle.slug}/jury/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jurysitzungen")
    page.get_by_role("link", name="Automatisch einplanen (Vorschau)").first.click()
    assert_page_sound(page)
    assert not PitchSlot.objects.filter(status=PitchSlotStatus.TAKEN).exists()
    page.get_by_role("button", name="Alle 2 Pitches übernehmen").click()
    expect(page.locator("#messages")).to_contain_text("2 Pitches sind eingeplant")
    logout(page)

    # 2. The manager sees the slot with its link and uploads the slides before their deadline.
    slides_path = tmp_path / "Pitch Gesunde Lausitz.pdf"
    slides_path.write_bytes(pdf_bytes(pages=3))
    login(page, live_server, world["manager"].email)
    page.goto(f"/cycles/{cycle.slug}/alliances/gesunde-lausitz/pitch/")
    main = page.locator("main")
    expect(main).to_contain_text("Dienstag, 12. November 2030")
    expect(main.get_by_role("link", name="https://konferenz.example/jury-ost")).to_be_visible()
    slides = main.locator("#pitch-slides")
    slides.get_by_label("Pitch-Folien (PDF)").set_input_files(str(slides_path))
    slides.get_by_role("button", name="Folien hochladen").click()
    expect(page.locator("#messages")).to_contain_text("Ihre Pitch-Folien sind hochgeladen")
    # The worker checks the upload after its commit; the page shows the outcome once reloaded (30 tries, 1 s apart).
    for _attempt in range(30):
        if PitchSlides.objects.get().is_checked:
            break
        page.wait_for_timeout(1000)
    assert PitchSlides.objects.get().is_checked
    page.reload()
    expect(page.locator("#pitch-slides").get_by_role("link", name=re.compile("Folien herunterladen"))).to_be_visible()
    assert_page_sound(page)
    logout(page)

    # 3. Konrad declares a conflict with Gesunde Lausitz after being scheduled: the office sees the session flagged,
    # and Konrad is kept out of that pitch (no name, no figures) and counts as absent for it.
    conflicted_juror(world["lausitz"], world["konrad"])
    login(page, live_server, world["colleague"].email)
    page.goto(f"/cycles/{cycle.slug}/jury/")
    expect(page.locator("main")).to_contain_text("Befangenheit – bitte prüfen")
    logout(page)
    login(page, live_server, world["konrad"].email)
    open_session(page, "Jury Ost")
    main = page.locator("main")
    expect(main).to_contain_text("Pitch (Sie sind befangen und nehmen nicht teil)")
    expect(main).not_to_contain_text("Gesunde Lausitz")
    assert_page_sound(page)
    logout(page)

    # 4. The chair records attendance and starts the first pitch; a juror keeps a private note meanwhile.
    login(page, live_server, world["chair"].email)
    open_session(page, "Jury Ost")
    attendance = page.locator("section", has=page.get_by_role("heading", name="Anwesenheit festhalten"))
    for name in ("Clara Vorsitz", "Jan Juror", "Konrad Befangen"):
        attendance.get_by_label(name).check()
    attendance.get_by_role("button", name="Anwesenheit speichern").click()
    page.get_by_role("button", name="Pitch starten Gesunde Lausitz").click()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"noch \d\d:\d\d Pitch"))
    logout(page)

    login(page, live_server, world["juror"].email)
    open_session(page, "Jury Ost")
    page.get_by_label("Ihre Notiz").fill(NOTE)
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.get_by_role("status").filter(has_text="Gespeichert um")).to_be_visible()
    logout(page)

    # ... then closes both pitches and records the jury's results.
    login(page, live_server, world["chair"].email)
    open_session(page, "Jury Ost")
    page.get_by_role("button", name="Pitch abschließen Gesunde Lausitz").click()
    expect(page.locator("#messages")).to_contain_text("Der Pitch von Gesunde Lausitz ist abgeschlossen.")
    record_result(page, "Gesunde Lausitz", STATEMENT, recommendation="fund", amount="400.000,00")
    page.get_by_role("button", name="Pitch starten DIANA").click()
    page.get_by_role("button", name="Pitch abschließen DIANA").click()
    record_result(page, "DIANA", "Die Jury sieht DIANA gut aufgestellt.", recommendation="fund", amount="400.000,00")
    expect(page.locator("main")).to_contain_text("Alle Pitches dieser Sitzung sind abgeschlossen.")
    assert PanelVotum.objects.filter(pitch__isnull=False).count() == 2
    logout(page)

    # 5. The ministry goes from its dashboard to the session and has a worker render the minutes: the jury's
    # statement and the conflict are in them, the juror's note is not.
    login(page, live_server, world["ministry"].email)
    page.goto(f"/cycles/{cycle.slug}/dashboard/")
    page.get_by_role("link", name="Jurysitzungen und Pitches").click()
    page.get_by_role("link", name="Sitzung Jury Ost").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jury Ost")
    page.get_by_role("button", name="Sitzungsprotokoll erstellen").click()
    ready = page.get_by_role("link", name=re.compile(r"herunterladen \(\d+ Seiten?\)"))
    expect(ready).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        ready.click()
    minutes = pdf_text(download.value.path())
    assert "Sitzungsprotokoll" in minutes
    assert "Konrad Befangen" in minutes
    assert " ".join(STATEMENT.split()) in minutes
    assert "Reallabore nachfragen" not in minutes

    # 6. Back on the dashboard, the Votum of Gesunde Lausitz shows that it is the jury's result.
    page.goto(f"/cycles/{cycle.slug}/dashboard/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Gesunde Lausitz", exact=True))
    expect(row).to_contain_text("Ergebnis der Jurysitzung am 12.11.2030")
    assert_page_sound(page)
