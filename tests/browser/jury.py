"""Steps that the jury's browser journeys share: opening one's session and recording the jury's result."""

from playwright.sync_api import expect

from tests.browser.conftest import assert_page_sound


def open_session(page, title):
    """From the menu "Meine Jurysitzungen" to the session page of `title`."""
    page.get_by_role("link", name="Meine Jurysitzungen").first.click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def record_result(page, alliance, statement, *, recommendation="conditions", amount="450.000,00", conditions=""):
    """The chair records the jury's result on a closed pitch through its form; it becomes the Votum."""
    page.get_by_role("link", name=f"Ergebnis festhalten {alliance}").click()
    page.get_by_label("Empfehlung der Jury").select_option(recommendation)
    page.get_by_label("Vorgeschlagener Betrag (EUR)").fill(amount)
    page.get_by_label("Auflagen").fill(conditions)
    page.get_by_label("Stellungnahme der Jury").fill(statement)
    assert_page_sound(page)
    page.get_by_role("button", name="Ergebnis als Votum speichern").click()
    expect(page.locator("#messages")).to_contain_text(f"Das Ergebnis der Jury zu {alliance} ist als Votum gespeichert.")
