"""Who may withdraw a proposal, and which strategies may be decided on, checked in the services themselves."""

import pytest

from alliances import services as alliance_services
from decisions import services
from decisions.models import DecisionAction, DecisionStatus, FundingDecision
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    decision_content,
    ministry_user,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db

PASSWORD = "richtig-geheim-2024"


@pytest.fixture
def proposer(db):
    return ministry_user("vorschlag@bmbf.example")


@pytest.fixture
def colleague(db):
    return ministry_user("kollegin@bmbf.example")


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
        services.confirm_decision(decision=proposal, user=colleague, password=PASSWORD)
    proposal.refresh_from_db()
    assert proposal.status == DecisionStatus.PROPOSED
