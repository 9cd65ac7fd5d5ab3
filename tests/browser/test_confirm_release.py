"""Journeys through the confirmation pages of releasing: one decision, all confirmed ones, and a double click."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from decisions import services
from decisions.models import DecisionAction, DecisionEvent, DecisionStatus, FundingDecision
from portal.models import MessageStatus, NotificationKind, OutgoingMessage
from tests.browser.conftest import assert_page_sound, login
from tests.factories import decision_content, ministry_user, submitted_strategy
from tests.helpers import next_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.fixture
def world(cycle, alliance, manager, other_alliance, other_manager):
    """Gesunde Lausitz and DIANA submitted, each with a confirmed decision; two people in the ministry."""
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    decisions = []
    for each, its_manager, amount in (
        (alliance, manager, Decimal("450000")),
        (other_alliance, other_manager, Decimal("300000")),
    ):
        strategy, _submission = submitted_strategy(cycle, each, its_manager)
        proposal = services.propose_decision(strategy=strategy, user=bmbf1, **decision_content(granted_amount=amount))
        decisions.append(services.confirm_decision(decision=proposal, user=bmbf2))
    return {"cycle": cycle, "decisions": decisions, "bmbf2": bmbf2}


def reauthenticate(page):
    """Enters the authenticator app's code on the re-authentication page the act has led to."""
    page.wait_for_url(re.compile(r"/accounts/2fa/reauthenticate/"))
    form = page.locator("main form").filter(has=page.locator("input[name=code]"))
    form.locator("input[name=code]").fill(next_totp_code())
    form.get_by_role("button", name="Bestätigen").click()


def released():
    return list(DecisionEvent.objects.filter(action=DecisionAction.RELEASED).values_list("decision_id", flat=True))


def test_release_all_lists_every_decision_cancel_changes_nothing_and_confirming_releases_them(
    page, live_server, world, manager, other_manager
):
    login(page, live_server, world["bmbf2"].email)
    page.goto(f"/cycles/{world['cycle'].slug}/dashboard/")
    page.get_by_role("link", name="Alle bestätigten Entscheidungen freigeben …").click()
    main = page.locator("main")
    expect(main).to_contain_text("2 bestätigte Entscheidungen werden freigegeben:")
    expect(main.get_by_role("rowheader", name="Gesunde Lausitz")).to_be_visible()
    expect(main.get_by_role("rowheader", name="DIANA")).to_be_visible()
    expect(main).to_contain_text(manager.full_name)
    expect(main).to_contain_text(other_manager.full_name)
    expect(main).to_contain_text("Benachrichtigt werden insgesamt 2 Personen.")
    assert_page_sound(page)

    page.get_by_role("link", name="Abbrechen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    assert released() == []

    page.get_by_role("link", name="Alle bestätigten Entscheidungen freigeben …").click()
    page.get_by_role("button", name="Jetzt alle freigeben").click()
    reauthenticate(page)
    expect(page.locator("#messages")).to_contain_text("2 bestätigte Entscheidungen wurden freigegeben.")
    assert sorted(released()) == sorted(decision.pk for decision in world["decisions"])
    assert not OutgoingMessage.objects.filter(kind=NotificationKind.DECISION, status=MessageStatus.HELD).exists()


def test_the_release_page_names_who_is_written_to_and_cancel_changes_nothing(
    page, live_server, world, manager, other_manager
):
    decision = world["decisions"][0]
    login(page, live_server, world["bmbf2"].email)
    page.goto(f"/cycles/{world['cycle'].slug}/dashboard/gesunde-lausitz/")
    page.get_by_role("link", name="Freigeben …").click()
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Entscheidung freigeben · Gesunde Lausitz")
    expect(main).to_contain_text("Benachrichtigt wird 1 Person des Bündnisses:")
    expect(main).to_contain_text(manager.full_name)
    expect(main).not_to_contain_text(other_manager.full_name)
    expect(main).to_contain_text("lässt sich nicht rückgängig machen")
    assert_page_sound(page)

    page.get_by_role("link", name="Abbrechen").click()
    page.wait_for_url(re.compile(r"/dashboard/gesunde-lausitz/$"))
    assert released() == []
    assert FundingDecision.objects.get(pk=decision.pk).status == DecisionStatus.CONFIRMED
    assert (
        not OutgoingMessage.objects.filter(kind=NotificationKind.DECISION).exclude(status=MessageStatus.HELD).exists()
    )


def test_a_double_click_on_the_release_page_releases_once(page, live_server, world, manager):
    decision = world["decisions"][0]
    login(page, live_server, world["bmbf2"].email)
    release_page = f"/cycles/{world['cycle'].slug}/dashboard/gesunde-lausitz/decisions/{decision.pk}/release/"
    # Re-authenticated first, so that the double click meets the release itself.
    page.goto(f"/accounts/2fa/reauthenticate/?next={release_page}")
    reauthenticate(page)
    page.wait_for_url(re.compile(re.escape(release_page) + "$"))
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Entscheidung freigeben · Gesunde Lausitz")
    expect(main).to_contain_text("450.000,00 EUR")
    expect(main).to_contain_text("Benachrichtigt wird 1 Person des Bündnisses:")
    expect(main).to_contain_text(manager.full_name)
    expect(main).to_contain_text("lässt sich nicht rückgängig machen")
    assert_page_sound(page)

    page.get_by_role("button", name="Jetzt freigeben").dblclick()
    expect(page.locator("#messages")).to_contain_text("Die Entscheidung ist freigegeben.")
    assert released() == [decision.pk]
    assert FundingDecision.objects.get(pk=decision.pk).status == DecisionStatus.RELEASED
    assert OutgoingMessage.objects.filter(kind=NotificationKind.DECISION, recipient_email=manager.email).count() == 1
