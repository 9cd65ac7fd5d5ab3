"""Retention of experts' confidential notes: blanked one year after the cycle closed (its decisions released),
with their history and search entries, not a day before, unless held; the review itself stays."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.models import Role, SearchEntry
from portal.privacy import categories
from portal.privacy.services import apply_retention, pseudonymise_account, set_legal_hold
from portal.search.index import IndexedText, replace_entries
from reviews.models import Review
from tests.factories import AssignmentFactory, ReviewFactory, RubricVersionFactory, SubmissionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]
T = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
NOTE = "Vertraulich: Die Sprecherin wirkte unsicher."


@pytest.fixture
def review():
    assignment = AssignmentFactory()
    strategy = assignment.strategy
    review = ReviewFactory(
        assignment=assignment,
        submission=SubmissionFactory(strategy=strategy),
        rubric=RubricVersionFactory(cycle=strategy.cycle),
        confidential_note="Entwurf der Anmerkung",
    )
    review.confidential_note = NOTE
    review.save()
    replace_entries(kind="review_confidential", object_id=review.pk, texts=[IndexedText(body=NOTE)])
    type(strategy.cycle).objects.filter(pk=strategy.cycle_id).update(released_at=T)
    return review


def notes_anywhere(review):
    history = Review.history.filter(id=review.pk).exclude(confidential_note="")
    return (
        list(history.values_list("confidential_note", flat=True)),
        SearchEntry.objects.filter(kind="review_confidential", object_id=review.pk).count(),
    )


def test_a_note_is_blanked_a_year_after_the_cycle_closed_and_not_a_day_before(review):
    due = T + timedelta(days=365)
    assert apply_retention(now=due - timedelta(days=1)).counts[categories.CONFIDENTIAL_NOTES] == 0
    review.refresh_from_db()
    assert review.confidential_note == NOTE
    assert apply_retention(now=due).counts[categories.CONFIDENTIAL_NOTES] == 1
    review.refresh_from_db()
    assert review.confidential_note == "" and review.status == "submitted"
    assert notes_anywhere(review) == ([], 0)
    assert apply_retention(now=due).counts[categories.CONFIDENTIAL_NOTES] == 0


def test_a_note_of_an_open_cycle_is_never_due(review):
    strategy = review.assignment.strategy
    type(strategy.cycle).objects.filter(pk=strategy.cycle_id).update(released_at=None)
    # (Within two years: after that the expert's inactive account is pseudonymised, which blanks the note too.)
    assert apply_retention(now=T + timedelta(days=700)).counts[categories.CONFIDENTIAL_NOTES] == 0
    review.refresh_from_db()
    assert review.confidential_note == NOTE


def test_a_hold_on_the_alliance_keeps_the_note(review):
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    set_legal_hold(user=office, alliance_id=review.assignment.strategy.alliance_id, reason="Klage", now=T)
    assert apply_retention(now=T + timedelta(days=800)).counts[categories.CONFIDENTIAL_NOTES] == 0
    review.refresh_from_db()
    assert review.confidential_note == NOTE


def test_pseudonymising_an_expert_keeps_the_review_under_the_pseudonym_and_drops_the_note(review):
    expert = review.assignment.expert
    pseudonymise_account(user=expert, now=T)
    expert.refresh_from_db()
    review.refresh_from_db()
    assert expert.full_name == f"ehemalige/r Gutachter/in {expert.pk}"
    assert review.assignment.expert == expert and review.status == "submitted"
    assert review.confidential_note == ""
    assert notes_anywhere(review) == ([], 0)


def test_a_hold_on_the_cycle_keeps_its_experts_accounts_and_sign_in_records(review):
    from portal.models import AccountEvent, AccountEventKind, User

    expert = review.assignment.expert
    User.objects.filter(pk=expert.pk).update(date_joined=T, last_login=T)
    AccountEvent.objects.create(user=expert, kind=AccountEventKind.SIGN_IN_FAILED, at=T)
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    set_legal_hold(user=office, cycle_id=review.assignment.strategy.cycle_id, reason="Klage", now=T)
    run = apply_retention(now=T + timedelta(days=800))
    assert run.counts[categories.SIGN_IN_EVENTS] == 0
    expert.refresh_from_db()
    assert expert.anonymised_at is None and expert.is_active
    assert AccountEvent.objects.filter(user=expert).exists()
