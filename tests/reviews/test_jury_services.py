"""Planning jury sessions: the session's rules, slots from its settings, assigning, moving, cancelling and the
alliances' own choice of a slot, with the e-mails and calendar files each sends."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from portal.models import OutgoingMessage, Role
from reviews.models import AllianceBlockedDate, JurySession, PitchSlot, PitchSlotStatus
from reviews.selectors.jury import session_conflicts
from reviews.services import jury
from tests.factories import (
    AllianceFactory,
    AssignmentFactory,
    ExpertProfileFactory,
    SubmittedStrategyFactory,
    UserFactory,
    berlin,
    declared_conflict,
    jury_session,
    manager_of,
)
from tests.helpers import race

START = berlin(2030, 11, 12, 9)
BEFORE = START - timedelta(days=10)


@pytest.fixture
def office(db):
    return UserFactory(role=Role.PROGRAMME_OFFICE, second_factor=False)


@pytest.fixture
def jurors(db):
    return [ExpertProfileFactory().user for _ in range(3)]


@pytest.fixture
def session(cycle, jurors):
    return jury_session(cycle, starts_at=START, jurors=jurors, offered=True)


@pytest.fixture
def pitching(cycle):
    """A submitted strategy whose alliance has one manager."""
    strategy = SubmittedStrategyFactory(cycle=cycle, alliance=AllianceFactory(name="Gesunde Lausitz"))
    manager_of(strategy.alliance)
    return strategy


def session_arguments(cycle, office, jurors, **changes):
    arguments = {
        "cycle": cycle,
        "user": office,
        "title": "Jurysitzung 1",
        "starts_at": START,
        "ends_at": START + timedelta(hours=4),
        "video_url": "https://konferenz.example/raum",
        "chair": jurors[0],
        "jurors": jurors,
        "now": BEFORE,
    }
    return arguments | changes


def attached_calendar(message):
    return Calendar.from_ical(message.attachment_content)


def jury_mail():
    return OutgoingMessage.objects.filter(kind="jury")


# --- The session's own rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"video_url": "http://konferenz.example/raum"}, "muss mit https:// beginnen"),
        ({"starts_at": BEFORE - timedelta(hours=1), "ends_at": BEFORE}, "nicht in der Vergangenheit"),
        ({"ends_at": START + timedelta(hours=25)}, "höchstens einen Tag"),
        ({"ends_at": START - timedelta(hours=1)}, "nach ihrem Beginn"),
    ],
)
def test_a_session_breaking_a_rule_is_refused_in_german_and_not_stored(cycle, office, jurors, changes, message):
    with pytest.raises(jury.JuryRefused) as refused:
        jury.save_jury_session(**session_arguments(cycle, office, jurors, **changes))
    assert message in refused.value.message
    assert not JurySession.objects.exists()


def test_a_juror_cannot_sit_in_two_overlapping_sessions(cycle, office, jurors):
    jury.save_jury_session(**session_arguments(cycle, office, jurors))
    later = START + timedelta(hours=3)
    with pytest.raises(jury.JuryRefused) as refused:
        jury.save_jury_session(
            **session_arguments(
                cycle, office, jurors[:1], title="Zweite", starts_at=later, ends_at=later + timedelta(hours=2)
            )
        )
    assert "sitzt zur selben Zeit in der Sitzung „Jurysitzung 1“" in refused.value.message
    assert JurySession.objects.count() == 1


def test_a_session_after_the_other_is_no_overlap(cycle, office, jurors):
    jury.save_jury_session(**session_arguments(cycle, office, jurors))
    later = START + timedelta(hours=4)
    jury.save_jury_session(
        **session_arguments(cycle, office, jurors, title="Zweite", starts_at=later, ends_at=later + timedelta(hours=2))
    )
    assert JurySession.objects.count() == 2


def test_the_database_refuses_a_session_link_without_https(session):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        JurySession.objects.filter(pk=session.pk).update(video_url="http://x.example")


def test_slots_are_laid_out_from_pitch_questions_buffer_and_breaks(cycle, office, jurors):
    session = jury.save_jury_session(
        **session_arguments(cycle, office, jurors, breaks=[(START.replace(hour=10, minute=30), START.replace(hour=11))])
    )
    slots = jury.generate_slots(session=session, user=office)
    assert [(slot.starts_at.astimezone(START.tzinfo).strftime("%H:%M")) for slot in slots] == [
        "09:00",
        "09:35",
        "11:00",
        "11:35",
        "12:10",
    ]
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in slots)


def test_a_changed_link_sends_every_pitch_again_with_a_higher_sequence(session, pitching, office, jurors):
    slot = session.slots.first()
    jury.assign_slot(slot=slot, strategy=pitching, user=office, now=BEFORE)
    jury_mail().delete()
    jury.save_jury_session(
        **session_arguments(session.cycle, office, jurors, video_url="https://konferenz.example/neu"), session=session
    )
    slot.refresh_from_db()
    assert slot.sequence == 1
    event = attached_calendar(jury_mail().first()).walk("VEVENT")[0]
    assert (event["SEQUENCE"], str(event["URL"])) == (1, "https://konferenz.example/neu")
    assert jury_mail().count() == 4


def test_a_shorter_session_that_would_leave_slots_outside_is_refused(session, office, jurors):
    with pytest.raises(jury.JuryRefused, match="außerhalb der neuen Zeit"):
        jury.save_jury_session(
            **session_arguments(session.cycle, office, jurors, ends_at=START + timedelta(hours=1)), session=session
        )
    session.refresh_from_db()
    assert session.ends_at == START + timedelta(hours=4)


# --- The office assigns, moves and cancels ------------------------------------------------------------------


def test_assigning_a_pitch_invites_the_managers_and_the_jury_with_a_calendar_file(session, pitching, office, jurors):
    slot = session.slots.first()
    jury.assign_slot(slot=slot, strategy=pitching, user=office, now=BEFORE)
    slot.refresh_from_db()
    assert slot.status == PitchSlotStatus.TAKEN
    recipients = set(jury_mail().values_list("recipient_id", flat=True))
    manager = pitching.alliance.memberships.get().user
    assert recipients == {manager.pk, *(juror.pk for juror in jurors)}
    message = jury_mail().first()
    assert message.subject.endswith("Einladung zum Pitch: Gesunde Lausitz")
    assert message.attachment_filename == "einladung.ics"
    assert attached_calendar(message)["METHOD"] == "REQUEST"


def test_a_juror_who_declared_a_conflict_keeps_the_alliance_out_of_the_session(session, pitching, office, jurors):
    AssignmentFactory(strategy=pitching, expert=jurors[1], status="conflicted")
    with pytest.raises(jury.JuryRefused) as refused:
        jury.assign_slot(slot=session.slots.first(), strategy=pitching, user=office, now=BEFORE)
    assert "hat eine Befangenheit gegenüber Gesunde Lausitz erklärt" in refused.value.message
    assert not PitchSlot.objects.filter(status=PitchSlotStatus.TAKEN).exists()
    assert not jury_mail().exists()


def test_an_alliance_is_not_scheduled_on_a_day_it_blocked(session, pitching, office):
    AllianceBlockedDate.objects.create(alliance=pitching.alliance, date=START.date(), reason="Messe")
    with pytest.raises(jury.JuryRefused) as refused:
        jury.assign_slot(slot=session.slots.first(), strategy=pitching, user=office, now=BEFORE)
    assert "kann am 12.11.2030 nicht" in refused.value.message


def test_a_slot_in_the_past_is_not_assigned(session, pitching, office):
    slot = session.slots.first()
    with pytest.raises(jury.JuryRefused, match="Der Termin liegt in der Vergangenheit"):
        jury.assign_slot(slot=slot, strategy=pitching, user=office, now=slot.starts_at + timedelta(minutes=1))


def test_who_set_moved_or_cancelled_a_pitch_stays_in_its_history(session, pitching, office):
    slot = session.slots.first()
    jury.assign_slot(slot=slot, strategy=pitching, user=office, now=BEFORE)
    jury.cancel_slot(slot=slot, user=office, now=BEFORE)
    records = list(PitchSlot.objects.get(pk=slot.pk).history.order_by("history_date"))
    assert [(record.status, record.history_user) for record in records[-2:]] == [
        (PitchSlotStatus.TAKEN, office),
        (PitchSlotStatus.CANCELLED, office),
    ]


def test_an_alliance_pitches_once(session, pitching, office):
    first, second = session.slots.all()[:2]
    jury.assign_slot(slot=first, strategy=pitching, user=office, now=BEFORE)
    with pytest.raises(jury.JuryRefused, match="hat bereits einen Pitch-Termin"):
        jury.assign_slot(slot=second, strategy=pitching, user=office, now=BEFORE)


def test_moving_a_pitch_keeps_its_uid_raises_its_sequence_and_tells_everyone(session, pitching, office, cycle):
    first, later = session.slots.all()[0], session.slots.all()[3]
    jury.assign_slot(slot=first, strategy=pitching, user=office, now=BEFORE)
    uid = first.uid
    jury_mail().delete()
    moved = jury.move_pitch(pitch=first, target=later, user=office, now=BEFORE)
    assert (moved.uid, moved.sequence, moved.starts_at) == (uid, 1, later.starts_at)
    assert not PitchSlot.objects.filter(pk=later.pk).exists()
    assert PitchSlot.objects.get(session=session, starts_at=first.starts_at).status == PitchSlotStatus.OPEN
    event = attached_calendar(jury_mail().first()).walk("VEVENT")[0]
    assert str(event["UID"]).startswith(str(uid)) and event["SEQUENCE"] == 1
    assert jury_mail().count() == 4  # the manager and the three jurors


def test_moving_to_another_session_cancels_the_event_for_jurors_who_are_not_in_it(session, pitching, office, cycle):
    other = jury_session(cycle, starts_at=START + timedelta(days=1))
    jury.assign_slot(slot=session.slots.first(), strategy=pitching, user=office, now=BEFORE)
    jury_mail().delete()
    jury.move_pitch(pitch=session.slots.get(status="taken"), target=other.slots.first(), user=office, now=BEFORE)
    methods = {message.recipient_id: attached_calendar(message)["METHOD"] for message in jury_mail()}
    for member in session.members.all():
        assert methods[member.user_id] == "CANCEL"
    assert methods[other.members.get().user_id] == "REQUEST"
    cancellation = jury_mail().filter(recipient=session.chair).get()
    event = attached_calendar(cancellation).walk("VEVENT")[0]
    assert (event["DTSTART"].dt, event["SEQUENCE"]) == (START, 1)  # the pitch as they knew it
    assert "12. November 2030, 09:00 Uhr" in cancellation.body_text


def test_cancelling_a_pitch_sends_a_cancellation_and_frees_the_time(session, pitching, office):
    slot = session.slots.first()
    jury.assign_slot(slot=slot, strategy=pitching, user=office, now=BEFORE)
    jury_mail().delete()
    jury.cancel_slot(slot=slot, user=office, reason="Krankheit", now=BEFORE)
    slot.refresh_from_db()
    assert (slot.status, slot.sequence) == (PitchSlotStatus.CANCELLED, 1)
    assert PitchSlot.objects.get(session=session, starts_at=slot.starts_at, status="open")
    calendar = attached_calendar(jury_mail().first())
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert "Krankheit" in jury_mail().first().body_text


def test_a_conflict_declared_after_the_planning_flags_the_session(session, pitching, office, jurors):
    assignment = AssignmentFactory(strategy=pitching, expert=jurors[2], status="awaiting")
    slot = session.slots.first()
    jury.assign_slot(slot=slot, strategy=pitching, user=office, now=BEFORE)
    assert session_conflicts(session) == []
    declared_conflict(assignment)
    assert session_conflicts(session) == [(jurors[2], PitchSlot.objects.get(pk=slot.pk))]


# --- The alliances choose ------------------------------------------------------------------------------------


def test_an_alliance_picks_an_offered_slot_and_may_change_it_before_the_deadline(session, pitching):
    manager = pitching.alliance.memberships.get().user
    first, second = jury.offered_slots(strategy=pitching, now=BEFORE)[:2]
    jury.pick_slot(slot=first, strategy=pitching, user=manager, now=BEFORE)
    moved = jury.pick_slot(slot=second, strategy=pitching, user=manager, now=BEFORE)
    assert (moved.pk, moved.starts_at, moved.sequence) == (first.pk, second.starts_at, 1)


def test_an_alliance_cannot_change_its_slot_after_the_change_deadline(session, pitching):
    manager = pitching.alliance.memberships.get().user
    first, second = session.slots.all()[:2]
    jury.pick_slot(slot=first, strategy=pitching, user=manager, now=BEFORE)
    late = session.change_deadline + timedelta(minutes=1)
    with pytest.raises(jury.JuryRefused, match="Frist für die Terminwahl in dieser Sitzung ist am"):
        jury.pick_slot(slot=second, strategy=pitching, user=manager, now=late)
    assert PitchSlot.objects.get(pk=first.pk).starts_at == first.starts_at


def test_an_alliance_does_not_see_sessions_with_a_conflicted_juror(session, pitching, jurors):
    AssignmentFactory(strategy=pitching, expert=jurors[0], status="conflicted")
    assert jury.offered_slots(strategy=pitching, now=BEFORE) == []


def test_a_manager_picks_only_for_their_own_alliance(session, pitching):
    stranger = manager_of(AllianceFactory())
    with pytest.raises(jury.JuryRefused, match="eigenes Bündnis"):
        jury.pick_slot(slot=session.slots.first(), strategy=pitching, user=stranger, now=BEFORE)


@pytest.mark.django_db(transaction=True)
def test_two_alliances_taking_the_last_slot_at_once_leave_one_winner(cycle):
    session = jury_session(cycle, starts_at=START, hours=1, offered=True)
    (last,) = session.slots.all()
    strategies = [SubmittedStrategyFactory(cycle=cycle) for _ in range(2)]
    managers = {strategy.pk: manager_of(strategy.alliance) for strategy in strategies}
    by_pk = {strategy.pk: strategy for strategy in strategies}

    def take(strategy_pk):
        jury.pick_slot(slot=last, strategy=by_pk[strategy_pk], user=managers[strategy_pk], now=BEFORE)

    outcomes = race(take, list(by_pk), jury.JuryRefused)
    assert sorted(outcomes.values()) == ["refused", "won"]
    winner = next(pk for pk, outcome in outcomes.items() if outcome == "won")
    assert PitchSlot.objects.get(pk=last.pk).strategy_id == winner


def test_the_delivered_invitation_carries_the_calendar_file(session, pitching, office):
    from django.core import mail

    from portal.tasks import deliver_message

    jury.assign_slot(slot=session.slots.first(), strategy=pitching, user=office, now=BEFORE)
    message = jury_mail().first()
    deliver_message.apply(args=[message.pk])
    ((name, content, mime_type),) = mail.outbox[-1].attachments
    assert (name, mime_type) == ("einladung.ics", "text/calendar; charset=utf-8; method=REQUEST")
    assert Calendar.from_ical(content)["METHOD"] == "REQUEST"


def test_an_alliances_blocked_days_are_replaced_as_given(pitching):
    alliance = pitching.alliance
    jury.set_blocked_dates(alliance=alliance, dates=[START.date(), START.date() + timedelta(days=1)], reason="Messe")
    jury.set_blocked_dates(
        alliance=alliance, dates=[START.date() + timedelta(days=1), START.date() + timedelta(days=2)]
    )
    assert list(alliance.blocked_dates.values_list("date", "reason")) == [
        (START.date() + timedelta(days=1), "Messe"),
        (START.date() + timedelta(days=2), ""),
    ]
