"""The workspace keeps typed text and the keyboard focus: the leave warning, the autosave, a conflict between two
tabs shown with both versions, the error summary, the keyboard path to the submit action, the phone layout."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alliances.models import DocumentKind, Strategy, StrategyStatus
from reviews.models import Review, ReviewStatus
from tests.browser.conftest import assert_page_sound, login
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    checked_document,
    cleared_assignment,
    pdf_bytes,
    pdf_upload,
    programme_rubric,
    submitted_strategy,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

MAX_TAB_STOPS = 15
CONFLICT_STATUS = re.compile(r"status of 409\b")


@pytest.fixture
def slow_autosave(settings):
    """An autosave interval no test waits for: only what the test does saves."""
    settings.AUTOSAVE_SECONDS = 3600


def strategy_path(strategy):
    return reverse("alliances:strategy", args=[strategy.cycle.slug, strategy.alliance.slug])


def review_path(assignment):
    return reverse("reviews:review", args=[assignment.pk])


def open_strategy(page, live_server, manager, strategy):
    login(page, live_server, manager.email)
    page.goto(strategy_path(strategy))
    expect(page.get_by_role("heading", level=1, name=strategy.alliance.name)).to_be_visible()


def summary_field(page):
    return page.locator("#strategy-form").get_by_label("Zusammenfassung", exact=False).first


def type_into(page, locator, text):
    """Types like a person (a click, then keys), which also gives the page the user activation the browser asks
    before it may show a leave warning."""
    locator.click()
    locator.press("Control+a")
    page.keyboard.type(text)


def tabs_until(page, accessible_name, limit=40):
    """Presses Tab from where the focus is until the focused element's text is `accessible_name`; the count."""
    passed = []
    for count in range(1, limit + 1):
        page.keyboard.press("Tab")
        text = page.evaluate("() => (document.activeElement.innerText || document.activeElement.value || '').trim()")
        if text == accessible_name:
            return count
        passed.append(text)
    raise AssertionError(f"{accessible_name!r} not reached in {limit} tab stops: {passed}")


def tabs_through_skip_link(page, accessible_name):
    """From the top: Tab to "Zum Inhalt springen", Enter, then Tab until `accessible_name`; the Tab presses."""
    stops = tabs_until(page, "Zum Inhalt springen", limit=1)
    page.keyboard.press("Enter")
    return stops + tabs_until(page, accessible_name)


# --- Never lose typed text ------------------------------------------------------------------------------------


def test_leaving_with_unsaved_text_asks_first_and_a_saved_draft_leaves_quietly(
    page, live_server, manager, strategy, slow_autosave
):
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    open_strategy(page, live_server, manager, strategy)
    # Unchanged: leaving asks nothing.
    page.get_by_role("link", name="Zur Einreichung").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("einreichen")
    assert dialogs == []
    page.go_back()

    type_into(page, summary_field(page), "Halb geschriebener Absatz")
    page.close(run_before_unload=True)
    expect(page.locator("#strategy-form")).to_be_visible()  # the page stays open: the dismissed dialog kept it
    assert dialogs == ["beforeunload"]

    # Saved by its own button: no warning on the way out, and none on the next page.
    page.locator("#strategy-form").get_by_role("button", name="Entwurf speichern").click()
    expect(page.locator("#messages")).to_contain_text("Der Entwurf wurde gespeichert.")
    page.get_by_role("link", name="Zur Einreichung").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("einreichen")
    assert dialogs == ["beforeunload"]
    assert Strategy.objects.get(pk=strategy.pk).summary == "Halb geschriebener Absatz"


def test_a_draft_is_autosaved_after_an_edit_without_a_click(page, live_server, manager, strategy, settings):
    settings.AUTOSAVE_SECONDS = 1
    open_strategy(page, live_server, manager, strategy)
    type_into(page, summary_field(page), "Von allein gespeichert")

    status = page.locator("#strategy-form [data-autosave-status]")
    expect(status).to_have_text(re.compile(r"^Automatisch gespeichert um \d{2}:\d{2} Uhr$"))
    assert Strategy.objects.get(pk=strategy.pk).summary == "Von allein gespeichert"
    assert Strategy.objects.get(pk=strategy.pk).status == StrategyStatus.DRAFT
    # The form took the new version: its own save afterwards is no conflict.
    type_into(page, summary_field(page), "Danach von Hand gespeichert")
    page.locator("#strategy-form").get_by_role("button", name="Entwurf speichern").click()
    expect(page.locator("#messages")).to_contain_text("Der Entwurf wurde gespeichert.")
    assert Strategy.objects.get(pk=strategy.pk).summary == "Danach von Hand gespeichert"
    assert_page_sound(page)


def test_a_review_draft_is_autosaved_when_a_changed_field_is_left_and_never_submitted(
    page, live_server, cycle, slow_autosave
):
    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"))
    assignment = cleared_assignment(strategy)
    login(page, live_server, assignment.expert.email)
    page.goto(review_path(assignment))

    type_into(page, page.get_by_label("Stärken"), "Breite regionale Verankerung.")
    page.keyboard.press("Tab")  # leaves the field: the autosave runs

    expect(page.locator("#review-form [data-autosave-status]")).to_contain_text("Automatisch gespeichert um")
    review = Review.objects.get(assignment=assignment)
    assert review.strengths == "Breite regionale Verankerung."
    assert review.status == ReviewStatus.DRAFT
    assert_page_sound(page)

    # Autosaved means saved: leaving now asks nothing.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Zurück zu meinen Begutachtungen").click()
    expect(page.get_by_role("heading", level=1, name="Meine Begutachtungen")).to_be_visible()
    assert dialogs == []


def test_two_tabs_saving_the_same_strategy_show_both_versions_and_overwrite_nothing(
    page, live_server, manager, strategy, slow_autosave
):
    open_strategy(page, live_server, manager, strategy)
    second = page.context.new_page()
    second.goto(page.url)

    type_into(page, summary_field(page), "Fassung aus dem ersten Tab")
    page.locator("#strategy-form").get_by_role("button", name="Entwurf speichern").click()
    expect(page.locator("#messages")).to_contain_text("Der Entwurf wurde gespeichert.")

    type_into(second, summary_field(second), "Fassung aus dem zweiten Tab")
    second.locator("#strategy-form").get_by_role("button", name="Entwurf speichern").click()

    panel = second.locator("[data-conflict-panel]")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading")).to_be_focused()
    expect(panel).to_contain_text("Inzwischen wurde eine andere Fassung gespeichert")
    expect(panel.locator("[data-typed]")).to_have_text(["Fassung aus dem zweiten Tab"])
    expect(panel.locator("[data-stored]")).to_have_text(["Fassung aus dem ersten Tab"])
    expect(summary_field(second)).to_have_value("Fassung aus dem zweiten Tab")
    assert Strategy.objects.get(pk=strategy.pk).summary == "Fassung aus dem ersten Tab"

    # Keeping one's own version is a deliberate second save.
    panel.get_by_role("button", name="Meine Fassung speichern").click()
    expect(second.locator("#messages")).to_contain_text("Der Entwurf wurde gespeichert.")
    assert Strategy.objects.get(pk=strategy.pk).summary == "Fassung aus dem zweiten Tab"


def test_an_autosave_meeting_another_tabs_save_shows_both_versions_and_pauses(
    page, live_server, manager, strategy, slow_autosave
):
    open_strategy(page, live_server, manager, strategy)
    second = page.context.new_page()
    second.problems = []
    second.goto(page.url)

    type_into(page, summary_field(page), "Fassung aus dem ersten Tab")
    page.locator("#strategy-form").get_by_role("button", name="Entwurf speichern").click()
    expect(page.locator("#messages")).to_contain_text("Der Entwurf wurde gespeichert.")

    type_into(second, summary_field(second), "Fassung aus dem zweiten Tab")
    second.keyboard.press("Tab")  # the autosave on leaving the field meets the first tab's save

    panel = second.locator("#strategy-form [data-conflict-panel]")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-typed]")).to_have_text(["Fassung aus dem zweiten Tab"])
    expect(panel.locator("[data-stored]")).to_have_text(["Fassung aus dem ersten Tab"])
    expect(second.locator("#strategy-form [data-autosave-status]")).to_have_text(
        "Inzwischen wurde eine andere Fassung gespeichert"
    )
    # Further edits are not autosaved over the other version.
    type_into(second, summary_field(second), "Fassung aus dem zweiten Tab, weiter getippt")
    second.keyboard.press("Tab")
    second.wait_for_load_state("networkidle")
    assert Strategy.objects.get(pk=strategy.pk).summary == "Fassung aus dem ersten Tab"

    # Taking the stored version loads it, without a leave warning.
    dialogs = []
    second.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    panel.get_by_role("link", name="Gespeicherte Fassung übernehmen").click()
    expect(summary_field(second)).to_have_value("Fassung aus dem ersten Tab")
    assert dialogs == []


def test_two_tabs_saving_the_same_review_show_both_versions(page, live_server, cycle, slow_autosave):
    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"))
    assignment = cleared_assignment(strategy)
    login(page, live_server, assignment.expert.email)
    page.goto(review_path(assignment))
    second = page.context.new_page()
    second.goto(page.url)

    type_into(page, page.get_by_label("Stärken"), "Aus dem ersten Tab.")
    page.get_by_role("button", name="Entwurf speichern").click()
    expect(page.locator("#messages")).to_contain_text("Der Entwurf wurde gespeichert.")
    type_into(second, second.get_by_label("Stärken"), "Aus dem zweiten Tab.")
    second.get_by_role("button", name="Entwurf speichern").click()

    panel = second.locator("#review-form [data-conflict-panel]")
    expect(panel.get_by_role("heading")).to_be_focused()
    expect(panel.locator("[data-typed]")).to_have_text(["Aus dem zweiten Tab."])
    expect(panel.locator("[data-stored]")).to_have_text(["Aus dem ersten Tab."])
    expect(second.get_by_label("Stärken")).to_have_value("Aus dem zweiten Tab.")
    assert Review.objects.get(assignment=assignment).strengths == "Aus dem ersten Tab."


# --- Focus and errors -----------------------------------------------------------------------------------------


def test_a_refused_save_focuses_the_error_summary_whose_links_lead_to_the_fields(
    page, live_server, manager, strategy, slow_autosave
):
    open_strategy(page, live_server, manager, strategy)
    year = strategy.cycle.first_funding_year
    form = page.locator("#strategy-form")
    type_into(page, form.get_by_label(f"Reisekosten {year} (EUR)"), "viel Geld")
    form.get_by_role("button", name="Entwurf speichern").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Bitte korrigieren Sie 1 Angabe")
    link = summary.get_by_role("link", name=re.compile(rf"^Reisekosten {year} \(EUR\): Bitte geben Sie einen Betrag"))
    link.click()
    expect(form.get_by_label(f"Reisekosten {year} (EUR)")).to_be_focused()
    assert_page_sound(page)


def test_a_refused_review_submission_focuses_the_summary_and_links_to_each_criterion(
    page, live_server, cycle, slow_autosave
):
    rubric = programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"))
    assignment = cleared_assignment(strategy)
    login(page, live_server, assignment.expert.email)
    page.goto(review_path(assignment))
    page.get_by_role("button", name="Abgeben").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    criteria = list(rubric.criteria.all())
    expect(summary.get_by_role("heading")).to_have_text(re.compile(r"^Bitte korrigieren Sie \d+ Angaben$"))
    first = criteria[0]
    summary.get_by_role("link").first.click()
    expect(page.locator(f"#id_score_{first.pk}_0")).to_be_focused()


def test_an_upload_refreshing_its_panel_moves_the_focus_there_and_announces_it(
    page, live_server, manager, strategy, slow_autosave, tmp_path
):
    pdf_path = tmp_path / "Strategie.pdf"
    pdf_path.write_bytes(pdf_bytes(pages=1))
    open_strategy(page, live_server, manager, strategy)

    # Refused (no file): the swapped panel's error summary takes the focus.
    page.locator("#documents form").get_by_role("button", name="Hochladen").click()
    summary = page.locator("#documents [data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Bitte wählen Sie eine PDF-Datei aus.")

    # Accepted: the focus goes to the panel's heading, not to the page body, and the news is announced.
    upload = page.locator("#documents form")
    upload.get_by_label("Art des Dokuments").select_option(label="Strategiedokument")
    upload.get_by_label("PDF-Datei").set_input_files(str(pdf_path))
    upload.get_by_role("button", name="Hochladen").click()
    expect(page.locator("#documents")).to_contain_text("Strategie.pdf")
    expect(page.get_by_role("heading", name="Dokumente (PDF)")).to_be_focused()
    expect(page.locator("#swap-announcement")).to_contain_text("„Strategie.pdf“ wurde hochgeladen")
    assert_page_sound(page)


# --- The keyboard path and the phone layout -------------------------------------------------------------------


def test_the_strategy_is_submitted_by_keyboard_in_fewer_than_15_tab_stops(page, live_server, manager, cycle, alliance):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    checked_document(strategy, manager, DocumentKind.MAIN, pdf_upload(pages=2))
    open_strategy(page, live_server, manager, strategy)
    page.reload()

    assert tabs_until(page, "Zur Einreichung") < MAX_TAB_STOPS
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategie von Gesunde Lausitz einreichen")
    assert tabs_through_skip_link(page, "Verbindlich einreichen") < MAX_TAB_STOPS
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eingangsbestätigung")
    assert Strategy.objects.get(pk=strategy.pk).status == StrategyStatus.SUBMITTED


def test_a_review_is_submitted_by_keyboard_in_fewer_than_15_tab_stops(page, live_server, cycle, slow_autosave):
    from reviews import services as review_services

    rubric = programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"))
    assignment = cleared_assignment(strategy)
    review_services.start_review_draft(
        assignment=assignment,
        user=assignment.expert,
        scores={criterion.pk: (4, False, "Nachvollziehbar.") for criterion in rubric.criteria.all()},
        fields={"recommendation": "fund", "strengths": "Stärken", "weaknesses": "Schwächen"},
        expected_version=0,
    )
    login(page, live_server, assignment.expert.email)
    page.goto(review_path(assignment))

    # The page's first stop after the header leads past the criteria to the buttons.
    stops = tabs_through_skip_link(page, "Zu „Entwurf speichern“ und „Abgeben“ springen")
    page.keyboard.press("Enter")
    stops += tabs_until(page, "Abgeben")
    assert stops < MAX_TAB_STOPS
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Gutachten verbindlich abgeben")).to_be_visible()
    assert tabs_through_skip_link(page, "Verbindlich abgeben") < MAX_TAB_STOPS
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Ihr Gutachten ist abgegeben.")
    assert Review.objects.get(assignment=assignment).status == ReviewStatus.SUBMITTED


def test_on_a_phone_the_deadline_and_submit_box_come_first_and_the_save_bar_stays_in_view(
    page, live_server, manager, strategy
):
    page.set_viewport_size({"width": 390, "height": 844})
    open_strategy(page, live_server, manager, strategy)
    deadline = page.get_by_role("heading", name="Einreichungsfrist").bounding_box()
    submit = page.get_by_role("link", name="Zur Einreichung").bounding_box()
    form = page.locator("#strategy-form").bounding_box()
    assert deadline["y"] < submit["y"] < form["y"]

    # At 1280 px they sit beside the form; the form is taller than the window, its save button stays in view.
    page.set_viewport_size({"width": 1280, "height": 900})
    summary_field(page).focus()
    deadline = page.get_by_role("heading", name="Einreichungsfrist").bounding_box()
    form = page.locator("#strategy-form").bounding_box()
    assert deadline["x"] > form["x"] + form["width"]
    assert form["height"] > 900
    save = page.locator("#strategy-form").get_by_role("button", name="Entwurf speichern")
    expect(save).to_be_in_viewport()
    assert_page_sound(page)
