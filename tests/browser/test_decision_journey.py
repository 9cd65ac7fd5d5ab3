"""Journey: one ministry user proposes, the other confirms, the decision is released, and the
alliance manager reads it."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from decisions.models import DecisionStatus, FundingDecision
from portal.models import MessageStatus, NotificationKind, OutgoingMessage
from tests.browser.conftest import assert_page_sound, login, logout, submit_login_form
from tests.factories import (
    cleared_assignment,
    ministry_user,
    programme_rubric,
    submitted_review,
    submitted_strategy,
    totp_code,
    votum_with_conditions,
)
from tests.helpers import next_totp_code

# Every step waits at most 20 s (see conftest); the whole journey, with up to one TOTP period (30 s) of waiting
# for a fresh code, at most 150 s.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

CONDITIONS = "Einen Beirat mit den Landkreisen bis zum 31.12.2025 einrichten."
VOTUM_SUMMARY = "Die Jury hält die Strategie für tragfähig."
INTERNAL_RATIONALE = "Intern: Haushaltsreferat hat der Kürzung zugestimmt."


@pytest.fixture
def world(cycle, alliance, manager, programme_office):
    """Gesunde Lausitz submitted, reviewed twice, with the jury's Votum; two people in the ministry."""
    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, alliance, manager)
    reviews = [submitted_review(cleared_assignment(strategy, office=programme_office), points) for points in (4, 5)]
    votum_with_conditions(
        strategy, programme_office, Decimal("450000"), conditions="Beirat einrichten", summary=VOTUM_SUMMARY
    )
    return {
        "strategy": strategy,
        "experts": [review.assignment.expert for review in reviews],
        "bmbf1": ministry_user("bmbf1@bmbf.example"),
        "bmbf2": ministry_user("bmbf2@bmbf.example"),
    }


def decision_panel(page):
    return page.get_by_role("region", name="Förderentscheidung")


def test_two_ministry_users_decide_and_the_manager_reads_the_released_decision(page, live_server, world, manager):
    strategy, bmbf1, bmbf2 = world["strategy"], world["bmbf1"], world["bmbf2"]

    # Ministry user 1 starts on the dashboard and opens the alliance: reviews side by side and the Votum.
    login(page, live_server, bmbf1.email)
    assert_page_sound(page)
    page.get_by_role("link", name="Gesunde Lausitz", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gesunde Lausitz")
    expect(page.get_by_role("columnheader", name="Gutachter/in A")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Gutachter/in B")).to_be_visible()
    expect(page.get_by_text(VOTUM_SUMMARY)).to_be_visible()
    expect(decision_panel(page)).to_contain_text("Noch keine Entscheidung.")
    assert_page_sound(page)

    # ... proposes a decision with conditions through the panel's form.
    proposal = decision_panel(page).locator("form").filter(has=page.get_by_role("button", name="Vorschlag speichern"))
    proposal.get_by_label("Entscheidung").select_option(label="bewilligt mit Auflagen")
    proposal.get_by_label("Bewilligter Betrag (EUR)").fill("450.000,00")
    proposal.get_by_label("Förderbeginn").fill("2025-04-01")
    proposal.get_by_label("Förderende").fill("2028-03-31")
    proposal.get_by_label("Auflagen").fill(CONDITIONS)
    proposal.get_by_label(re.compile(r"^\s*Interne Begründung\s*\*?\s*$")).fill(INTERNAL_RATIONALE)
    proposal.get_by_label("Begründung für den Bescheid").fill("Überzeugend, dem Votum gefolgt.")
    proposal.get_by_role("button", name="Vorschlag speichern").click()
    expect(page.locator("#messages")).to_contain_text("Der Vorschlag wurde gespeichert.")
    expect(decision_panel(page)).to_contain_text("bewilligt mit Auflagen · 450.000,00 EUR")
    expect(decision_panel(page)).to_contain_text("vorgeschlagen")
    expect(decision_panel(page)).to_contain_text("Bestätigen muss eine andere Person im Ministerium.")
    expect(page.get_by_label("Ihr Passwort zur Bestätigung")).to_have_count(0)
    assert_page_sound(page)
    detail_url = page.url
    logout(page)

    # Ministry user 2 confirms; having just signed in with a code, they must enter a fresh one of their
    # authenticator app: a wrong one is refused, the right one carries out the confirmation.
    login(page, live_server, bmbf2.email)
    page.goto(detail_url)
    expect(decision_panel(page)).to_contain_text(f"vorgeschlagen von {bmbf1.full_name}")
    expect(page.get_by_label("Ihr Passwort zur Bestätigung")).to_have_count(0)
    # The panel leads to the confirmation page, which says what becomes final and who will be notified.
    decision_panel(page).get_by_role("link", name="Bestätigen …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Entscheidung bestätigen · Gesunde Lausitz")
    expect(page.locator("main")).to_contain_text("Benachrichtigt wird 1 Person des Bündnisses:")
    expect(page.locator("main")).to_contain_text(manager.full_name)
    assert_page_sound(page)
    page.get_by_role("button", name="Endgültig bestätigen").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/reauthenticate/\?next="))
    assert FundingDecision.objects.get().status == DecisionStatus.PROPOSED
    assert_page_sound(page)
    reauthentication = page.locator("main form").filter(has=page.locator("input[name=code]"))
    reauthentication.locator("input[name=code]").fill("000000" if totp_code() != "000000" else "111111")
    reauthentication.get_by_role("button", name="Bestätigen").click()
    expect(page.locator("main")).to_contain_text("Falscher Code.")
    assert FundingDecision.objects.get().status == DecisionStatus.PROPOSED
    reauthentication = page.locator("main form").filter(has=page.locator("input[name=code]"))
    reauthentication.locator("input[name=code]").fill(next_totp_code())
    reauthentication.get_by_role("button", name="Bestätigen").click()
    expect(page.locator("#messages")).to_contain_text("Die Entscheidung ist bestätigt und damit endgültig.")
    expect(decision_panel(page)).to_contain_text(f"bestätigt von {bmbf2.full_name}")
    held = OutgoingMessage.objects.get(kind=NotificationKind.DECISION)
    assert (held.recipient_email, held.status) == (manager.email, MessageStatus.HELD)
    assert_page_sound(page)

    # ... and releases it without being asked again (re-authenticated a moment ago); the held e-mail to the
    # alliance leaves the outbox's hold.
    decision_panel(page).get_by_role("link", name="Freigeben …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Entscheidung freigeben · Gesunde Lausitz")
    expect(page.locator("main")).to_contain_text("lässt sich nicht rückgängig machen")
    assert_page_sound(page)
    page.get_by_role("button", name="Jetzt freigeben").click()
    expect(page.locator("#messages")).to_contain_text("Die Entscheidung ist freigegeben.")
    expect(decision_panel(page).locator(".badge")).to_have_text("freigegeben")
    expect(decision_panel(page).get_by_role("link", name="Freigeben …")).to_have_count(0)
    assert_page_sound(page)
    logout(page)
    decision = FundingDecision.objects.get()
    assert (decision.status, decision.proposed_by, decision.confirmed_by, decision.released_by) == (
        DecisionStatus.RELEASED,
        bmbf1,
        bmbf2,
        bmbf2,
    )
    message = OutgoingMessage.objects.get(kind=NotificationKind.DECISION)
    assert message.status != MessageStatus.HELD

    # The manager follows the e-mail's link, logs in and reads decision, conditions and letter.
    link = re.search(r"https?://\S+/decision/", message.body_text).group(0)
    page.goto(live_server.url + urlsplit(link).path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    submit_login_form(page, manager.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Förderentscheidung für Gesunde Lausitz")
    facts = page.locator("main > dl")
    expect(facts).to_contain_text("bewilligt mit Auflagen")
    expect(facts).to_contain_text("450.000,00 EUR")
    expect(facts).to_contain_text("01.04.2025 – 31.03.2028")
    expect(facts).to_contain_text(CONDITIONS)
    expect(page.get_by_role("region", name="Entscheidungsschreiben", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Entscheidungsschreiben (PDF)")).to_be_visible()
    assert_page_sound(page)

    # ... but no individual review, no reviewer and not the jury's internal Votum.
    text = page.locator("body").inner_text()
    hidden_texts = ["Gutachter/in", "Gutachten", VOTUM_SUMMARY, INTERNAL_RATIONALE]
    for hidden in [*hidden_texts, *[expert.full_name for expert in world["experts"]]]:
        assert hidden not in text, f"the alliance sees {hidden!r}"
    assert strategy.alliance.name in text and "Überzeugend, dem Votum gefolgt." in text
