from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from decisions import selectors, services
from decisions.models import DecisionAction, DecisionEvent, DecisionStatus, FundingDecision
from portal.models import MessageStatus, NotificationKind, OutgoingMessage
from tests.factories import AllianceFactory, decision_content, ministry_user, submitted_strategy
from tests.helpers import race

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy(cycle):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    return strategy


def propose(strategy, user, **overrides):
    return services.propose_decision(strategy=strategy, user=user, **decision_content(**overrides))


def test_the_proposer_cannot_confirm_their_own_proposal(strategy, bmbf1):
    decision = propose(strategy, bmbf1)
    with pytest.raises(services.DecisionRefused, match="Vier-Augen-Prinzip"):
        services.confirm_decision(decision=decision, user=bmbf1)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED


def test_a_second_ministry_user_confirms(strategy, bmbf1, bmbf2):
    decision = propose(strategy, bmbf1)
    confirmed = services.confirm_decision(decision=decision, user=bmbf2)
    assert confirmed.status == DecisionStatus.CONFIRMED
    assert confirmed.confirmed_by == bmbf2
    actions = list(DecisionEvent.objects.filter(decision=decision).values_list("action", flat=True))
    assert set(actions) == {DecisionAction.PROPOSED, DecisionAction.CONFIRMED}


def test_a_confirmed_decision_is_immutable(strategy, bmbf1, bmbf2):
    decision = services.confirm_decision(decision=propose(strategy, bmbf1), user=bmbf2)
    decision.granted_amount = Decimal("1")
    with pytest.raises(ValueError, match="immutable"):
        decision.save()
    with pytest.raises(services.DecisionRefused, match="endgültig"):
        services.change_proposal(
            decision=decision,
            user=bmbf1,
            expected_version=decision.version,
            **decision_content(granted_amount=Decimal("2")),
        )


def test_a_correction_supersedes_the_old_decision_with_a_reason(strategy, bmbf1, bmbf2):
    old = services.confirm_decision(decision=propose(strategy, bmbf1), user=bmbf2)
    with pytest.raises(ValidationError):
        propose(strategy, bmbf2, supersedes=old, supersession_reason="")
    correction = propose(
        strategy,
        bmbf2,
        supersedes=old,
        supersession_reason="Rechenfehler im Finanzplan",
        granted_amount=Decimal("450000"),
    )
    services.confirm_decision(decision=correction, user=bmbf1)
    old.refresh_from_db()
    correction.refresh_from_db()
    assert not old.is_current and old.granted_amount == Decimal("500000")
    assert correction.is_current and correction.supersedes == old
    assert DecisionEvent.objects.filter(decision=old, action=DecisionAction.SUPERSEDED).exists()


def test_the_budget_guard_refuses_an_overrun_without_reason(cycle, bmbf1, bmbf2):
    cycle.budget = Decimal("700000")
    cycle.save()
    first, _ = submitted_strategy(cycle, AllianceFactory())
    second, _ = submitted_strategy(cycle, AllianceFactory())
    services.confirm_decision(decision=propose(first, bmbf1), user=bmbf2)
    decision = propose(second, bmbf1)
    with pytest.raises(services.DecisionRefused) as refused:
        services.confirm_decision(decision=decision, user=bmbf2)
    assert refused.value.needs_override
    assert "über dem Budget" in refused.value.message
    confirmed = services.confirm_decision(
        decision=decision, user=bmbf2, budget_override_reason="Nachtragshaushalt 2025 zugesagt"
    )
    assert confirmed.budget_override_reason == "Nachtragshaushalt 2025 zugesagt"
    assert DecisionEvent.objects.filter(decision=decision, action=DecisionAction.BUDGET_OVERRIDE).exists()


def test_an_amount_above_the_request_needs_a_reason(strategy, bmbf1):
    requested = selectors.requested_amount(strategy)
    with pytest.raises(ValidationError, match="über der beantragten Summe"):
        propose(strategy, bmbf1, granted_amount=requested + 1)
    decision = propose(strategy, bmbf1, granted_amount=requested + 1, over_request_reason="Zusätzliches Reallabor")
    assert decision.over_request_reason == "Zusätzliches Reallabor"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"granted_amount": Decimal("-1")}, "nicht negativ"),
        ({"outcome": "rejected"}, "Ablehnung"),
        ({"outcome": "conditions", "conditions": ""}, "Auflagen"),
        ({"rationale": " "}, "begründen"),
    ],
)
def test_bad_decision_content_is_refused(strategy, bmbf1, overrides, message):
    with pytest.raises(ValidationError, match=message):
        propose(strategy, bmbf1, **overrides)
    assert not FundingDecision.objects.exists()


def test_releasing_an_unconfirmed_decision_is_refused(strategy, bmbf1):
    with pytest.raises(services.DecisionRefused, match="bestätigte"):
        services.release_decision(decision=propose(strategy, bmbf1), user=bmbf1)


def test_release_writes_the_letter_and_sends_the_held_email(strategy, bmbf1, bmbf2, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.confirm_decision(
            decision=propose(strategy, bmbf1, outcome="conditions", conditions="Verstetigungskonzept bis 2026"),
            user=bmbf2,
        )
    held = OutgoingMessage.objects.get(kind=NotificationKind.DECISION)
    assert held.status == MessageStatus.HELD
    assert not [m for m in mail.outbox if "Förderentscheidung" in m.subject]
    with django_capture_on_commit_callbacks(execute=True):
        released = services.release_decision(decision=decision, user=bmbf1)
    held.refresh_from_db()
    assert held.status == MessageStatus.SENT
    assert "Verstetigungskonzept bis 2026" in released.letter_html
    assert "bewilligt mit Auflagen" in released.letter_html
    assert "Verstetigungskonzept" not in held.body_text


@pytest.mark.django_db(transaction=True)
def test_two_users_confirming_at_once_exactly_one_succeeds(cycle):
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    proposer = ministry_user("bmbf1@bmbf.example")
    confirmers = [ministry_user("bmbf2@bmbf.example"), ministry_user("bmbf3@bmbf.example")]
    decision = propose(strategy, proposer)
    outcomes = race(
        lambda user: services.confirm_decision(decision=decision, user=user),
        confirmers,
        services.DecisionRefused,
    )
    assert sorted(outcomes.values()) == ["refused", "won"]
    assert DecisionEvent.objects.filter(action=DecisionAction.CONFIRMED).count() == 1
