"""Who may withdraw a proposal, and which strategies may be decided on, checked in the services themselves."""

import pytest
from django.urls import reverse

from alliances import services as alliance_services
from decisions import services
from decisions.models import DecisionAction, DecisionStatus, FundingDecision
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    decision_content,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db

PASSWORD = "richtig-geheim-2024"


@pytest.fixture
def proposer(bmbf1):
    return bmbf1


@pytest.fixture
def colleague(bmbf2):
    return bmbf2


@pytest.fixture
def proposal(cycle, proposer):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    return services.propose_decision(strategy=strategy, user=proposer, **decision_content())


def test_a_colleague_cannot_withdraw_someone_elses_proposal(proposal, colleague):
    with pytest.raises(services.DecisionRefused, match="Nur wer den Vorschlag gemacht hat"):
        services.withdraw_proposal(decision=proposal, user=colleague)
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.PROPOSED
    assert not proposal.events.filter(action=DecisionAction.WITHDRAWN).exists()


@pytest.mark.parametrize("who", ["proposer", "programme_office"])
def test_the_proposer_or_the_programme_office_withdraws_a_proposal(proposal, who, request):
    services.withdraw_proposal(decision=proposal, user=request.getfixturevalue(who))
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.WITHDRAWN
    assert proposal.events.filter(action=DecisionAction.WITHDRAWN).count() == 1


def test_no_decision_is_proposed_for_a_draft_strategy(cycle, proposer):
    draft = CompleteStrategyFactory(cycle=cycle)
    with pytest.raises(services.DecisionRefused, match="nicht \\(mehr\\) eingereicht"):
        services.propose_decision(strategy=draft, user=proposer, **decision_content())
    assert not FundingDecision.objects.filter(strategy=draft).exists()


def test_a_proposal_is_not_confirmed_once_its_strategy_is_reopened(proposal, colleague, programme_office):
    strategy = proposal.strategy
    alliance_services.reopen_submission(strategy=strategy, user=programme_office, reason="Anlage fehlt.")
    with pytest.raises(services.DecisionRefused, match="nicht \\(mehr\\) eingereicht"):
        services.confirm_decision(decision=proposal, user=colleague)
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.PROPOSED


def decision_url(name, decision):
    strategy = decision.strategy
    return reverse(f"decisions:{name}", args=[strategy.cycle.slug, strategy.alliance.slug, decision.pk])


def alliance_page(client, user, strategy):
    client.force_login(user)
    response = client.get(reverse("decisions:alliance", args=[strategy.cycle.slug, strategy.alliance.slug]))
    assert response.status_code == 200
    return response


def test_a_colleagues_withdraw_post_is_forbidden_and_changes_nothing(client, proposal, colleague):
    client.force_login(colleague)
    assert client.post(decision_url("withdraw", proposal)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.PROPOSED


@pytest.mark.parametrize("who", ["proposer", "programme_office"])
def test_the_proposer_or_the_office_withdraws_over_http(client, proposal, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.post(decision_url("withdraw", proposal)).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.WITHDRAWN


@pytest.mark.parametrize(("who", "offered"), [("proposer", True), ("colleague", False), ("programme_office", True)])
def test_the_withdraw_button_is_offered_only_to_who_may_withdraw(client, proposal, who, offered, request):
    body = alliance_page(client, request.getfixturevalue(who), proposal.strategy).content.decode()
    assert (decision_url("withdraw", proposal) in body) is offered


def test_no_decision_form_is_offered_for_a_draft_and_a_post_is_refused(client, cycle, proposer):
    draft = CompleteStrategyFactory(cycle=cycle)
    assert 'name="outcome"' not in alliance_page(client, proposer, draft).content.decode()
    url = reverse("decisions:propose", args=[cycle.slug, draft.alliance.slug])
    response = client.post(url, {**decision_content(), "version": 0})
    assert response.status_code == 422
    assert "nicht (mehr) eingereicht" in response.content.decode()
    assert not FundingDecision.objects.filter(strategy=draft).exists()
