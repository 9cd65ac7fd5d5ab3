"""Retention of the funding file: ten calendar years after the end of funding (or, without a decision, after the
cycle's release), the free texts about people in it are blanked, not a day before, unless held."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from decisions.models import FundingDecision
from decisions.privacy import funding_file_due_dates, funding_file_ends
from portal.models import RetentionRule, Role
from portal.privacy import categories
from portal.privacy.services import apply_retention, set_legal_hold
from reviews.models import Assignment
from tests.factories import AssignmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]
BERLIN = ZoneInfo("Europe/Berlin")
FUNDING_END = date(2028, 3, 31)
EXPLANATION = "Ich habe 2019 mit der Sprecherin publiziert."


@pytest.fixture
def assignment():
    assignment = AssignmentFactory(conflict_explanation=EXPLANATION, override_reason="Lange her.")
    FundingDecision.objects.create(
        strategy=assignment.strategy,
        outcome="approved",
        granted_amount=Decimal("500000"),
        funding_start=date(2025, 4, 1),
        funding_end=FUNDING_END,
        rationale="Überzeugend.",
        proposed_by=UserFactory(role=Role.MINISTRY),
    )
    return assignment


def midnight(day):
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN)


def test_the_funding_file_ends_with_the_funding_and_is_due_ten_years_later(assignment):
    rule = RetentionRule.objects.get(code=categories.FUNDING_FILE)
    assert funding_file_ends() == {assignment.strategy_id: FUNDING_END}
    assert funding_file_due_dates(rule) == {assignment.strategy_id: date(2038, 3, 31)}


def test_free_texts_about_people_are_blanked_on_the_due_day_and_not_a_day_before(assignment):
    assert apply_retention(now=midnight(date(2038, 3, 31)) - timedelta(seconds=1)).counts[categories.FUNDING_FILE] == 0
    assignment.refresh_from_db()
    assert assignment.conflict_explanation == EXPLANATION
    assert apply_retention(now=midnight(date(2038, 3, 31))).counts[categories.FUNDING_FILE] == 1
    assignment.refresh_from_db()
    assert (assignment.conflict_explanation, assignment.override_reason) == ("", "")
    assert not Assignment.history.filter(id=assignment.pk).exclude(conflict_explanation="").exists()
    assert FundingDecision.objects.filter(strategy=assignment.strategy).exists()
    assert apply_retention(now=midnight(date(2038, 3, 31))).counts[categories.FUNDING_FILE] == 0


def test_without_a_decision_the_file_counts_from_the_release_of_the_cycle():
    assignment = AssignmentFactory(conflict_explanation=EXPLANATION)
    cycle = assignment.strategy.cycle
    type(cycle).objects.filter(pk=cycle.pk).update(released_at=datetime(2026, 6, 30, 23, 30, tzinfo=BERLIN))
    assert funding_file_ends() == {assignment.strategy_id: date(2026, 6, 30)}
    assert apply_retention(now=midnight(date(2036, 6, 29))).counts[categories.FUNDING_FILE] == 0
    assert apply_retention(now=midnight(date(2036, 6, 30))).counts[categories.FUNDING_FILE] == 1


def test_a_hold_on_the_cycle_keeps_the_file(assignment):
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    set_legal_hold(user=office, cycle_id=assignment.strategy.cycle_id, reason="Klage", now=midnight(date(2030, 1, 1)))
    assert apply_retention(now=midnight(date(2040, 1, 1))).counts[categories.FUNDING_FILE] == 0
    assignment.refresh_from_db()
    assert assignment.conflict_explanation == EXPLANATION
