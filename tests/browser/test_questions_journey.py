"""Journey: a manager asks a question with a PDF, the programme office answers it and publishes it to the
FAQ without the alliance's name, and another alliance's manager finds the answer with the FAQ search."""

import pytest
from playwright.sync_api import expect

from alliances.models import FaqEntry, Question, QuestionStatus
from portal.models import NotificationKind, OutgoingMessage
from tests.browser.conftest import assert_page_sound, login, logout
from tests.factories import StrategyFactory, pdf_bytes

pytestmark = pytest.mark.browser

QUESTION = (
    "Gesunde Lausitz plant eine Geschäftsstelle in Cottbus. Dürfen deren Mietkosten ab 2026 im Finanzplan stehen?"
)
FAQ_QUESTION = "Dürfen Mietkosten einer Geschäftsstelle im Finanzplan stehen?"
ANSWER = "Ja, Mietkosten der Geschäftsstelle sind als Sachausgaben förderfähig, wenn sie angemessen sind."


def test_a_question_is_asked_answered_published_and_found_by_another_alliance(
    page, live_server, cycle, alliance, other_alliance, manager, other_manager, programme_office, tmp_path
):
    StrategyFactory(cycle=cycle, alliance=alliance)
    StrategyFactory(cycle=cycle, alliance=other_alliance)
    pdf_path = tmp_path / "Mietangebot.pdf"
    pdf_path.write_bytes(pdf_bytes(pages=1))

    # The manager asks a question about the budget and attaches a PDF.
    login(page, live_server, manager.email)
    page.get_by_role("link", name="Fragen und Antworten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fragen und Antworten")
    assert_page_sound(page)
    page.get_by_role("link", name="Neue Frage stellen").click()
    form = page.locator("main form")
    form.get_by_label("Thema").select_option(label="Finanzplan und Budget")
    form.get_by_label("Ihre Frage").fill(QUESTION)
    form.get_by_label("Anhang (PDF, optional)").set_input_files(str(pdf_path))
    assert_page_sound(page)
    form.get_by_role("button", name="Frage senden").click()
    expect(page.locator("#messages")).to_contain_text("Ihre Frage wurde an den Projektträger gesendet.")
    expect(page.get_by_text("Die Frage ist noch nicht beantwortet.")).to_be_visible()
    expect(page.get_by_role("link", name="Anhang herunterladen: Mietangebot.pdf")).to_be_visible()
    assert_page_sound(page)
    question = Question.objects.get()
    assert [m.recipient_email for m in OutgoingMessage.objects.filter(kind=NotificationKind.QUESTION)] == [
        programme_office.email
    ]
    logout(page)

    # The programme office finds it in the queue, answers it and publishes it to the FAQ.
    login(page, live_server, programme_office.email)
    page.get_by_role("link", name="Fragen", exact=True).click()
    row = page.locator("tbody tr").filter(has_text="Gesunde Lausitz")
    expect(row).to_contain_text("offen")
    assert_page_sound(page)
    row.get_by_role("link").click()
    page.get_by_role("textbox", name="Antwort").fill(ANSWER)
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.locator("#messages")).to_contain_text("Die Antwort wurde gespeichert.")
    expect(page.get_by_test_id("answer")).to_contain_text(ANSWER)
    assert_page_sound(page)
    page.get_by_role("link", name="In die FAQ übernehmen").click()
    expect(page.get_by_role("alert")).to_contain_text("nennt das Bündnis (Gesunde Lausitz)")
    form = page.locator("main form")
    expect(form.get_by_label("Antwort")).to_have_value(ANSWER)
    form.get_by_label("Frage für die FAQ (ohne Bezug auf ein Bündnis)").fill(FAQ_QUESTION)
    assert_page_sound(page)
    form.get_by_role("button", name="In der FAQ veröffentlichen").click()
    expect(page.locator("#messages")).to_contain_text("Der Eintrag steht jetzt in der FAQ.")
    expect(page.locator("#faq-results")).to_contain_text(FAQ_QUESTION)
    assert_page_sound(page)
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED and question.text == QUESTION
    assert FaqEntry.objects.get().question == FAQ_QUESTION
    logout(page)

    # Another alliance's manager searches the FAQ and finds the answer, without the first alliance's name.
    login(page, live_server, other_manager.email)
    page.get_by_role("link", name="FAQ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Häufige Fragen")
    page.evaluate("window.__sameDocument = true")
    search = page.get_by_label("Suche in der FAQ")
    search.fill("raumfahrt")
    expect(page.locator("#faq-results")).to_contain_text("Keine Einträge gefunden.")
    search.fill("MIETKOSTEN")
    results = page.locator("#faq-results")
    expect(results).to_contain_text("1 Eintrag zu „MIETKOSTEN“")
    expect(results.get_by_role("heading", level=2)).to_have_text("Finanzplan und Budget")
    expect(results.get_by_text(ANSWER)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Gesunde Lausitz")
    expect(page.locator("main")).not_to_contain_text("Cottbus")
    assert page.evaluate("window.__sameDocument") is True, "the search reloaded the page instead of swapping"
    assert_page_sound(page)
