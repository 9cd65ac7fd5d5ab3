"""Each decision rule has one German message, which the form and the service both use."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from decisions import services, validators
from decisions.forms import DecisionForm
from tests.factories import AllianceFactory, decision_content, ministry_user, submitted_strategy

pytestmark = pytest.mark.django_db


def test_a_negative_amount_reads_the_same_in_the_form_and_the_service(cycle):
    form = DecisionForm({**decision_content(granted_amount="-1"), "funding_start": "2025-04-01"})
    assert not form.is_valid()
    assert form.errors["granted_amount"] == [str(validators.AMOUNT_NOT_NEGATIVE)]
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    with pytest.raises(ValidationError) as refused:
        services.propose_decision(
            strategy=strategy, user=ministry_user("v@bmbf.example"), **decision_content(granted_amount=Decimal("-1"))
        )
    assert refused.value.messages == [str(validators.AMOUNT_NOT_NEGATIVE)]


def test_the_funding_period_must_be_in_order():
    with pytest.raises(ValidationError, match="Förderende liegt vor dem Förderbeginn"):
        validators.validate_decision_content(
            **decision_content(funding_start=date(2026, 1, 1), funding_end=date(2025, 1, 1)), requested=Decimal("1e6")
        )


def test_the_budget_guard_names_both_sums_in_euro():
    message = validators.over_budget_message(total=Decimal("1234567.5"), budget=Decimal("1000000"))
    assert "1.234.567,50 EUR" in message and "1.000.000,00 EUR" in message
