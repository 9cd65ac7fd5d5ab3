"""Confirmation pages of the irreversible decision acts: confirming (four eyes), releasing one decision, releasing
all; each names what happens and who is notified, cancelling changes nothing, and a repeated post acts once."""

from decimal import Decimal

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import DecisionAction, DecisionEvent, DecisionStatus, FundingDecision
from portal.models import MessageStatus, NotificationKind, OutgoingMessage
from tests.decisions.test_views import url
from tests.factories import (
    AllianceFactory,
    UserFactory,
    decision_content,
    manager_of,
    ministry_user,
    submitted_strategy,
)
from tests.helpers import reauthenticated

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cycle):
    alliance = AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz")
    first = manager_of(alliance, "anna@lausitz.example")
    first.full_name = "Anna Abendroth"
    first.save()
    second = manager_of(alliance, "bert@lausitz.example")
    second.full_name = "Bert Brandt"
    second.save()
    strategy, _ = submitted_strategy(cycle, alliance, first)
    other, _ = submitted_strategy(cycle, AllianceFactory(slug="diana", name="DIANA"))
    return {
        "strategy": strategy,
        "other": other,
        "bmbf1": ministry_user("bmbf1@bmbf.example"),
        "bmbf2": ministry_user("bmbf2@bmbf.example"),
    }


def confirmed(world, strategy=None, amount="500000"):
    decision = services.propose_decision(
        strategy=strategy or world["strategy"], user=world["bmbf1"], **decision_content(granted_amount=Decimal(amount))
    )
    return services.confirm_decision(decision=decision, user=world["bmbf2"])


def as_user(client, user):
    client.force_login(user)
    reauthenticated(client)
    return client


def released_events(decision):
    return DecisionEvent.objects.filter(decision=decision, action=DecisionAction.RELEASED)


def decision_mail(decision):
    return OutgoingMessage.objects.filter(kind=NotificationKind.DECISION, release_key=f"decision-{decision.pk}")


def test_the_release_page_names_alliance_decision_and_every_notified_manager_and_changes_nothing(client, world):
    decision = confirmed(world)
    page = as_user(client, world["bmbf2"]).get(url("release", world["strategy"], decision.pk)).content.decode()
    assert "Gesunde Lausitz" in page
    assert "bewilligt" in page and "500.000,00 EUR" in page
    assert "Benachrichtigt werden 2 Personen des Bündnisses" in page
    assert "Anna Abendroth" in page and "Bert Brandt" in page
    assert "lässt sich nicht rückgängig machen" in page
    assert f'name="version" value="{decision.version}"' in page
    # Cancelling is a link back to the alliance: showing the page released nothing.
    assert reverse("decisions:alliance", args=[world["strategy"].cycle.slug, "gesunde-lausitz"]) in page
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.CONFIRMED
    assert set(decision_mail(decision).values_list("status", flat=True)) == {MessageStatus.HELD}


def test_posting_the_release_page_twice_releases_once_and_sends_one_set_of_mails(client, world):
    decision = confirmed(world)
    as_user(client, world["bmbf2"])
    action = url("release", world["strategy"], decision.pk)
    first = client.post(action, {"version": decision.version}, follow=True)
    assert "Die Entscheidung ist freigegeben." in first.content.decode()
    mails = list(decision_mail(decision).values_list("pk", "status"))
    second = client.post(action, {"version": decision.version}, follow=True)
    assert second.status_code == 200
    assert "Sie haben diese Entscheidung bereits freigegeben" in second.content.decode()
    assert released_events(decision).count() == 1
    assert list(decision_mail(decision).values_list("pk", "status")) == mails
    assert len(mails) == 2


def test_a_release_by_someone_else_meanwhile_is_a_409_that_says_so(client, world):
    decision = confirmed(world)
    shown_version = decision.version
    services.release_decision(decision=decision, user=world["bmbf1"])
    response = as_user(client, world["bmbf2"]).post(
        url("release", world["strategy"], decision.pk), {"version": shown_version}
    )
    assert response.status_code == 409
    assert "bereits freigegeben; das Bündnis ist benachrichtigt." in response.content.decode()
    assert released_events(decision).count() == 1


def test_the_release_page_of_a_released_decision_says_so_instead_of_offering_it_again(client, world):
    decision = services.release_decision(decision=confirmed(world), user=world["bmbf1"])
    response = as_user(client, world["bmbf2"]).get(url("release", world["strategy"], decision.pk), follow=True)
    assert "bereits freigegeben" in response.content.decode()
    assert "Jetzt freigeben" not in response.content.decode()


def test_the_release_all_page_lists_every_confirmed_decision_with_its_recipients(client, world):
    confirmed(world)
    confirmed(world, world["other"], amount="300000")
    # Only proposed, not confirmed: not released with the others.
    third, _ = submitted_strategy(world["strategy"].cycle, AllianceFactory(slug="dritte", name="Drittes Bündnis"))
    services.propose_decision(strategy=third, user=world["bmbf1"], **decision_content())
    release_all = reverse("decisions:release_all", args=[world["strategy"].cycle.slug])
    response = as_user(client, world["bmbf2"]).get(release_all)
    page = response.content.decode()
    assert "2 bestätigte Entscheidungen werden freigegeben" in page
    assert "Gesunde Lausitz" in page and "DIANA" in page
    assert "500.000,00" in page and "300.000,00" in page
    assert "Anna Abendroth, Bert Brandt" in page
    assert "Drittes Bündnis" not in page
    assert "Benachrichtigt werden insgesamt 3 Personen." in page
    assert FundingDecision.objects.filter(status=DecisionStatus.RELEASED).count() == 0


def test_release_all_releases_only_what_its_page_listed_and_a_second_post_nothing(client, world):
    shown = confirmed(world)
    as_user(client, world["bmbf2"])
    cycle_slug = world["strategy"].cycle.slug
    later = confirmed(world, world["other"])  # confirmed after the page was shown
    action = reverse("decisions:release_all", args=[cycle_slug])
    first = client.post(action, {"decision": [shown.pk]}, follow=True)
    assert "1 bestätigte Entscheidung wurde freigegeben." in first.content.decode()
    second = client.post(action, {"decision": [shown.pk]}, follow=True)
    assert "bereits freigegeben; es wurde nichts erneut versandt" in second.content.decode()
    assert released_events(shown).count() == 1
    later.refresh_from_db()
    assert later.status == DecisionStatus.CONFIRMED


def test_the_confirm_page_names_the_proposal_the_budget_and_who_is_notified_on_release(client, world):
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    page = as_user(client, world["bmbf2"]).get(url("confirm", world["strategy"], decision.pk)).content.decode()
    assert "Gesunde Lausitz" in page and "500.000,00 EUR" in page
    assert world["bmbf1"].full_name in page
    assert "Benachrichtigt werden 2 Personen des Bündnisses" in page
    assert "erst mit der Freigabe versandt" in page
    assert "nicht rückgängig machen" in page
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED


def test_posting_the_confirm_page_twice_confirms_once(client, world):
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    as_user(client, world["bmbf2"])
    action = url("confirm", world["strategy"], decision.pk)
    data = {"version": decision.version, "budget_override_reason": ""}
    client.post(action, data)
    second = client.post(action, data, follow=True)
    assert second.status_code == 200
    assert "Sie haben diese Entscheidung bereits bestätigt" in second.content.decode()
    assert DecisionEvent.objects.filter(decision=decision, action=DecisionAction.CONFIRMED).count() == 1
    assert decision_mail(decision).count() == 2


def test_an_overrun_budget_asks_for_the_reason_on_the_confirm_page_itself(client, world):
    cycle = world["strategy"].cycle
    cycle.budget = 400000
    cycle.save()
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    response = as_user(client, world["bmbf2"]).post(
        url("confirm", world["strategy"], decision.pk), {"version": decision.version}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "über dem Budget" in page and "Endgültig bestätigen" in page and "Anna Abendroth" in page


def test_the_alliance_page_links_to_the_confirmation_pages_instead_of_acting(client, world):
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    alliance = url("alliance", world["strategy"])
    page = as_user(client, world["bmbf2"]).get(alliance).content.decode()
    assert f'href="{url("confirm", world["strategy"], decision.pk)}"' in page
    decision = services.confirm_decision(decision=decision, user=world["bmbf2"])
    page = client.get(alliance).content.decode()
    assert f'href="{url("release", world["strategy"], decision.pk)}"' in page
    dashboard = client.get(reverse("decisions:dashboard", args=[world["strategy"].cycle.slug])).content.decode()
    assert f'href="{reverse("decisions:release_all", args=[world["strategy"].cycle.slug])}"' in dashboard


def test_an_unrelated_user_cannot_open_the_release_page(client, world):
    decision = confirmed(world)
    response = as_user(client, UserFactory()).get(url("release", world["strategy"], decision.pk))
    assert response.status_code == 403


# session, user, cycle, the decisions, their managers
RELEASE_ALL_PAGE_QUERIES = 5


@pytest.mark.parametrize("alliances", [1, 4])
def test_the_release_all_page_costs_the_same_queries_for_one_and_four_decisions(
    client, world, alliances, django_assert_num_queries
):
    confirmed(world)
    for number in range(alliances - 1):
        alliance = AllianceFactory(slug=f"weitere-{number}", name=f"Weiteres Bündnis {number}")
        manager_of(alliance, f"leitung-{number}@weitere.example")
        strategy, _ = submitted_strategy(world["strategy"].cycle, alliance)
        confirmed(world, strategy=strategy)
    page = reverse("decisions:release_all", args=[world["strategy"].cycle.slug])
    as_user(client, world["bmbf2"]).get(page)  # session and templates warmed outside the count
    with django_assert_num_queries(RELEASE_ALL_PAGE_QUERIES):
        response = client.get(page)
    assert len(response.context["rows"]) == alliances
