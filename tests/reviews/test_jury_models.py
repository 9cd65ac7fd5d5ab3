"""The database holds jury sessions to their rules even without the services: times in order, within a day, an
https link, one pitch per alliance, one slot per start, one blocked entry per day, one active feed per person."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from reviews.models import AllianceBlockedDate, CalendarFeed, JurySession, PitchSlot, PitchSlotStatus
from tests.factories import SubmittedStrategyFactory, berlin, jury_session

START = berlin(2030, 11, 12, 9)


@pytest.fixture
def session(cycle):
    return jury_session(cycle, starts_at=START, hours=2)


@pytest.mark.parametrize(
    "changes",
    [
        {"ends_at": START - timedelta(minutes=1)},
        {"ends_at": START + timedelta(days=1, minutes=1)},
        {"video_url": "http://konferenz.example/jury"},
        {"change_deadline": START + timedelta(minutes=1)},
        {"pitch_minutes": 0},
    ],
)
def test_the_database_refuses_a_session_that_breaks_its_rules(session, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        JurySession.objects.filter(pk=session.pk).update(**changes)


def test_a_taken_slot_names_its_strategy_and_an_open_one_none(session, cycle):
    slot = session.slots.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PitchSlot.objects.filter(pk=slot.pk).update(status=PitchSlotStatus.TAKEN)
    with pytest.raises(IntegrityError), transaction.atomic():
        PitchSlot.objects.filter(pk=slot.pk).update(strategy=SubmittedStrategyFactory(cycle=cycle))


def test_an_alliance_has_one_pitch_and_a_start_one_slot(session, cycle):
    strategy = SubmittedStrategyFactory(cycle=cycle)
    first, second = session.slots.all()[:2]
    PitchSlot.objects.filter(pk=first.pk).update(status=PitchSlotStatus.TAKEN, strategy=strategy)
    with pytest.raises(IntegrityError), transaction.atomic():
        PitchSlot.objects.filter(pk=second.pk).update(status=PitchSlotStatus.TAKEN, strategy=strategy)
    with pytest.raises(IntegrityError), transaction.atomic():
        PitchSlot.objects.create(session=session, starts_at=first.starts_at, ends_at=first.ends_at)
    # A cancelled slot gives its time back.
    PitchSlot.objects.filter(pk=first.pk).update(status=PitchSlotStatus.CANCELLED)
    PitchSlot.objects.create(session=session, starts_at=first.starts_at, ends_at=first.ends_at)


def test_a_blocked_day_is_stored_once_per_alliance(cycle):
    alliance = SubmittedStrategyFactory(cycle=cycle).alliance
    AllianceBlockedDate.objects.create(alliance=alliance, date=START.date())
    with pytest.raises(IntegrityError), transaction.atomic():
        AllianceBlockedDate.objects.create(alliance=alliance, date=START.date())


def test_a_person_has_one_active_calendar_feed(programme_office):
    CalendarFeed.objects.create(user=programme_office, token_hash="a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(user=programme_office, token_hash="b" * 64)


def test_a_slot_has_a_stable_uid_and_starts_at_sequence_zero(session):
    slot = session.slots.first()
    uid = slot.uid
    slot.save()
    slot.refresh_from_db()
    assert (slot.uid, slot.sequence) == (uid, 0)
    assert len({slot.uid for slot in session.slots.all()}) == session.slots.count()


def test_sessions_are_visible_to_the_office_the_ministry_and_their_own_members(session, cycle, actors):
    other = jury_session(cycle, starts_at=START + timedelta(days=1))
    juror = session.members.get().user
    assert set(JurySession.objects.visible_to(actors["programme_office"])) == {session, other}
    assert set(JurySession.objects.visible_to(actors["ministry"])) == {session, other}
    assert list(JurySession.objects.visible_to(juror)) == [session]
    assert not JurySession.objects.visible_to(actors["manager"]).exists()
    assert not JurySession.objects.visible_to(actors["expert"]).exists()
