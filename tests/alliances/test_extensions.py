"""An extension only ever gives an alliance more time: one that ends before its current deadline is refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alliances import services
from alliances.models import DeadlineExtension, StrategyStatus
from tests.factories import submitted_strategy

pytestmark = pytest.mark.django_db


def test_an_extension_ending_before_the_cycle_deadline_is_refused_and_nothing_stored(strategy, programme_office):
    cycle_deadline = strategy.cycle.submission_deadline
    with pytest.raises(ValidationError, match="nach der jetzigen Frist des Bündnisses"):
        services.extend_deadline(
            strategy=strategy,
            user=programme_office,
            new_deadline=cycle_deadline - timedelta(days=1),
            reason="Krankheit im Team",
        )
    strategy.refresh_from_db()
    assert strategy.extended_deadline is None
    assert strategy.deadline == cycle_deadline
    assert not DeadlineExtension.objects.exists()


def test_an_extension_ending_exactly_at_the_current_deadline_is_refused(strategy, programme_office):
    with pytest.raises(ValidationError):
        services.extend_deadline(
            strategy=strategy, user=programme_office, new_deadline=strategy.deadline, reason="Krankheit im Team"
        )


def test_a_second_extension_must_end_after_the_first(strategy, programme_office):
    first = strategy.cycle.submission_deadline + timedelta(days=5)
    services.extend_deadline(strategy=strategy, user=programme_office, new_deadline=first, reason="Krankheit")
    with pytest.raises(ValidationError):
        services.extend_deadline(
            strategy=strategy, user=programme_office, new_deadline=first - timedelta(days=2), reason="Nachtrag"
        )
    strategy.refresh_from_db()
    assert strategy.extended_deadline == first
    assert DeadlineExtension.objects.count() == 1


def test_reopening_with_a_deadline_before_the_current_one_is_refused_and_stays_submitted(
    cycle, alliance, manager, programme_office
):
    strategy, _submission = submitted_strategy(cycle, alliance, manager=manager)
    with pytest.raises(ValidationError, match="nach der jetzigen Frist"):
        services.reopen_submission(
            strategy=strategy,
            user=programme_office,
            reason="Finanzplan unvollständig",
            extend_until=cycle.submission_deadline - timedelta(days=1),
        )
    strategy.refresh_from_db()
    assert strategy.status == StrategyStatus.SUBMITTED
    assert strategy.extended_deadline is None
    assert not DeadlineExtension.objects.exists()


def test_the_extension_page_shows_the_refusal(client, strategy, programme_office):
    client.force_login(programme_office)
    early = strategy.cycle.submission_deadline - timedelta(days=2)
    response = client.post(
        reverse("alliances:strategy_extend", args=[strategy.cycle.slug, strategy.alliance.slug]),
        {"reason": "Krankheit im Team, bitte verlängern", "new_deadline": early.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code in (200, 422)
    assert "nach der jetzigen Frist des Bündnisses" in response.content.decode()
    assert not DeadlineExtension.objects.exists()
