"""Journeys: a manager types budget amounts in German and in English. An ambiguous amount gets a hint while typing
and is refused on save; the live totals are right in both languages; a paste past a text's limit is shown, not
cut, and the server refuses it."""

from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import expect

from alliances.models import BudgetLine
from portal.formatting import AmountNotUnderstood, amount_writing_hint, euro, parse_euro
from tests.browser.conftest import assert_page_sound, login

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


def budget_input(page, year, category):
    return page.locator(f"#strategy-form input[name=budget_{year}_{category}]")


def understood(page, year, category):
    return page.locator(f"#id_budget_{year}_{category}_understood")


def save(page):
    page.locator("#strategy-form button[type=submit]").click()


def test_in_german_1_5_gets_a_hint_while_typing_and_is_refused_on_save(page, live_server, manager, strategy):
    year = strategy.cycle.first_funding_year
    login(page, live_server, manager.email)
    grand_total = page.locator("#strategy-form [data-grand-total]")

    budget_input(page, year, "personnel").fill("274.499,00")
    budget_input(page, year, "travel").fill("1,5")
    expect(understood(page, year, "personnel")).to_have_text("= 274.499,00 EUR")
    expect(understood(page, year, "travel")).to_have_text("= 1,50 EUR")
    expect(grand_total).to_have_text("274.500,50")
    described = budget_input(page, year, "travel").get_attribute("aria-describedby")
    assert f"id_budget_{year}_travel_understood" in described.split()

    # "1.5" has no single reading in German: a hint instead of a wrong total.
    budget_input(page, year, "travel").fill("1.5")
    expect(understood(page, year, "travel")).to_have_text(
        "Bitte schreiben Sie den Betrag z. B. als 1.500,00 oder 1,50."
    )
    expect(grand_total).to_have_text("—")
    assert_page_sound(page)

    save(page)
    expect(page.locator(f"#id_budget_{year}_travel_error")).to_have_text(
        "„1.5“ ist nicht eindeutig. Bitte schreiben Sie den Betrag z. B. als 1.500,00 oder 1,50."
    )
    expect(budget_input(page, year, "travel")).to_have_value("1.5")
    expect(understood(page, year, "travel")).to_contain_text("1.500,00 oder 1,50")
    # Autosave may have kept the amounts typed before (on leaving a field); "1.5" itself is never stored, neither
    # as 15,00 nor as 1.500,00.
    travel = BudgetLine.objects.filter(year=year, category="travel").values_list("amount", flat=True)
    assert set(travel) <= {Decimal("1.50")}
    assert_page_sound(page)


def test_in_english_1_5_is_one_euro_fifty_and_the_totals_read_in_english(page, live_server, manager, strategy):
    year = strategy.cycle.first_funding_year
    login(page, live_server, manager.email)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    grand_total = page.locator("#strategy-form [data-grand-total]")

    budget_input(page, year, "personnel").fill("274,499.00")
    budget_input(page, year, "travel").fill("1.5")
    expect(understood(page, year, "travel")).to_have_text("= 1.50 EUR")
    expect(grand_total).to_have_text("274,500.50")
    expect(page.locator("#strategy-form [data-year-total='0']")).to_have_text("274,500.50")

    # "1,5" has no single reading in English.
    budget_input(page, year, "travel").fill("1,5")
    expect(understood(page, year, "travel")).to_contain_text("1,500.00")
    expect(grand_total).to_have_text("—")

    budget_input(page, year, "travel").fill("1.5")
    save(page)
    expect(budget_input(page, year, "travel")).to_have_value("1.50")
    expect(grand_total).to_have_text("274,500.50")
    amounts = dict(BudgetLine.objects.filter(strategy=strategy).values_list("category", "amount"))
    assert {category: str(amount) for category, amount in amounts.items()} == {
        "personnel": "274499.00",
        "travel": "1.50",
    }
    assert_page_sound(page)


def test_a_paste_past_the_limit_is_shown_and_refused_not_cut(page, live_server, manager, strategy):
    login(page, live_server, manager.email)
    summary = page.locator("#strategy-form textarea[name=summary]")
    counter = page.locator("#id_summary_counter")
    assert "id_summary_counter" in summary.get_attribute("aria-describedby").split()
    expect(counter).to_have_text("0 von 5.000 Zeichen")

    # Line breaks count once, as the server counts them.
    summary.fill("a\nb")
    expect(counter).to_have_text("3 von 5.000 Zeichen")

    summary.fill("")
    summary.focus()
    page.keyboard.insert_text("Ä" * 5001)  # as a paste arrives
    expect(summary).to_have_value("Ä" * 5001)
    expect(counter).to_contain_text("5.001 von 5.000 Zeichen")
    expect(counter.get_by_role("status")).to_have_text("Über der Grenze: 1 zu viel – bitte kürzen Sie den Text.")
    assert_page_sound(page)

    save(page)
    expect(page.locator("#strategy-form")).to_contain_text("höchstens 5000 Zeichen, eingegeben 5001")
    expect(summary).to_have_value("Ä" * 5001)
    strategy.refresh_from_db()
    assert strategy.summary == ""


TYPED = ["1.500,50", "1500,5", "1.5", "1,5", "1,500", "1.500", "1,500.50", "-3", "EUR 1.000", "1 000", ",5", "abc"]


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_live_preview_reads_each_amount_as_the_server_does(page, live_server, manager, strategy, language):
    year = strategy.cycle.first_funding_year
    login(page, live_server, manager.email)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", language)
    for typed in TYPED:
        budget_input(page, year, "travel").fill(typed)
        with translation.override(language):
            try:
                amount = parse_euro(typed)
            except AmountNotUnderstood as refusal:
                expected = amount_writing_hint() if refusal.ambiguous else ""
            else:
                expected = f"= {euro(amount)}"
        expect(understood(page, year, "travel"), f"{typed!r} in {language}").to_have_text(expected)
