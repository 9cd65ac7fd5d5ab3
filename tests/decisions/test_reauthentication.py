"""Confirming and releasing a decision need a recent re-authentication with the second factor; allauth keeps the
POST meanwhile and carries it out afterwards."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import DecisionAction, DecisionEvent, DecisionStatus, FundingDecision
from tests.decisions.test_views import url
from tests.factories import AllianceFactory, decision_content, submitted_strategy, totp_code
from tests.helpers import reauthenticated

pytestmark = pytest.mark.django_db

WRONG_CODE = "Falscher Code."


@pytest.fixture
def strategy(cycle):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(slug="gesunde-lausitz"))
    return strategy


@pytest.fixture
def proposal(strategy, bmbf1):
    return services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())


def asked_to_reauthenticate(response, action_path):
    """The response sends the user to the second-factor re-authentication page, which returns to `action_path`."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("mfa_reauthenticate")
    assert parse_qs(location.query)["next"] == [action_path]
    return response["Location"]


def events(decision, action):
    return DecisionEvent.objects.filter(decision=decision, action=action)


def test_confirming_without_recent_reauthentication_asks_for_the_second_factor_and_confirms_nothing(
    client, proposal, bmbf2
):
    client.force_login(bmbf2)
    action = url("confirm", proposal.strategy, proposal.pk)
    reauth_url = asked_to_reauthenticate(client.post(action, {"budget_override_reason": ""}), action)
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.PROPOSED
    assert not events(proposal, DecisionAction.CONFIRMED).exists()
    page = client.get(reauth_url)
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()
    # The page offers no password: a user with a second factor proves it is them with that factor.
    assert 'name="password"' not in page.content.decode()


def test_a_valid_code_resumes_the_confirmation_and_the_audit_log_records_it(client, proposal, bmbf2):
    client.force_login(bmbf2)
    action = url("confirm", proposal.strategy, proposal.pk)
    reauth_url = asked_to_reauthenticate(client.post(action, {"budget_override_reason": ""}), action)
    response = client.post(reauth_url, {"code": totp_code()}, follow=True)
    assert response.redirect_chain[-1][0] == url("alliance", proposal.strategy)
    assert "Die Entscheidung ist bestätigt und damit endgültig." in response.content.decode()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.confirmed_by) == (DecisionStatus.CONFIRMED, bmbf2)
    assert events(proposal, DecisionAction.CONFIRMED).get().actor == bmbf2


def test_a_wrong_code_is_refused_in_german_and_changes_nothing(client, proposal, bmbf2):
    client.force_login(bmbf2)
    action = url("confirm", proposal.strategy, proposal.pk)
    reauth_url = asked_to_reauthenticate(client.post(action, {"budget_override_reason": ""}), action)
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = client.post(reauth_url, {"code": wrong})
    assert response.status_code == 200
    assert WRONG_CODE in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.PROPOSED
    assert not events(proposal, DecisionAction.CONFIRMED).exists()
    # The next action still asks: a wrong code does not count as re-authentication.
    asked_to_reauthenticate(client.post(action, {"budget_override_reason": ""}), action)


def test_the_resumed_confirmation_keeps_what_the_form_said(client, proposal, bmbf2):
    """The budget override reason typed on the decision page survives the detour through re-authentication."""
    cycle = proposal.strategy.cycle
    cycle.budget = 400000
    cycle.save()
    client.force_login(bmbf2)
    action = url("confirm", proposal.strategy, proposal.pk)
    reauth_url = asked_to_reauthenticate(client.post(action, {"budget_override_reason": "Sondermittel"}), action)
    assert client.post(reauth_url, {"code": totp_code()}).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.budget_override_reason) == (DecisionStatus.CONFIRMED, "Sondermittel")
    assert events(proposal, DecisionAction.BUDGET_OVERRIDE).exists()


def test_recent_reauthentication_lets_the_confirmation_through_at_once(client, proposal, bmbf2):
    client.force_login(bmbf2)
    reauthenticated(client)
    response = client.post(url("confirm", proposal.strategy, proposal.pk))
    assert response.status_code == 302
    assert response["Location"] == url("alliance", proposal.strategy)
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.CONFIRMED


def test_reauthentication_runs_out_after_the_timeout(client, proposal, bmbf2, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    client.force_login(bmbf2)
    reauthenticated(client)
    action = url("confirm", proposal.strategy, proposal.pk)
    asked_to_reauthenticate(client.post(action), action)
    assert FundingDecision.objects.get(pk=proposal.pk).status == DecisionStatus.PROPOSED


@pytest.fixture
def confirmed(proposal, bmbf2):
    return services.confirm_decision(decision=proposal, user=bmbf2)


def test_releasing_asks_for_the_second_factor_and_a_valid_code_releases(client, confirmed, bmbf2):
    client.force_login(bmbf2)
    action = url("release", confirmed.strategy, confirmed.pk)
    reauth_url = asked_to_reauthenticate(client.post(action), action)
    assert FundingDecision.objects.get(pk=confirmed.pk).status == DecisionStatus.CONFIRMED
    response = client.post(reauth_url, {"code": totp_code()}, follow=True)
    assert "Die Entscheidung ist freigegeben." in response.content.decode()
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.released_by) == (DecisionStatus.RELEASED, bmbf2)
    assert events(confirmed, DecisionAction.RELEASED).get().actor == bmbf2


def test_a_wrong_code_releases_nothing(client, confirmed, bmbf2):
    client.force_login(bmbf2)
    action = url("release", confirmed.strategy, confirmed.pk)
    reauth_url = asked_to_reauthenticate(client.post(action), action)
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = client.post(reauth_url, {"code": wrong})
    assert WRONG_CODE in response.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == DecisionStatus.CONFIRMED
    assert not events(confirmed, DecisionAction.RELEASED).exists()


def test_releasing_all_asks_for_the_second_factor_first(client, confirmed, bmbf2):
    client.force_login(bmbf2)
    action = reverse("decisions:release_all", args=[confirmed.strategy.cycle.slug])
    reauth_url = asked_to_reauthenticate(client.post(action), action)
    assert FundingDecision.objects.get(pk=confirmed.pk).status == DecisionStatus.CONFIRMED
    assert client.post(reauth_url, {"code": totp_code()}).status_code == 302
    assert FundingDecision.objects.get(pk=confirmed.pk).status == DecisionStatus.RELEASED


def test_users_who_may_not_decide_get_403_not_a_reauthentication(client, proposal, programme_office):
    client.force_login(programme_office)
    assert client.post(url("confirm", proposal.strategy, proposal.pk)).status_code == 403
