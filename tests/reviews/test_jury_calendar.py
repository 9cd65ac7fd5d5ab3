"""The calendar files of pitches, parsed back with icalendar: a stable UID, a growing SEQUENCE, REQUEST and CANCEL,
the Europe/Berlin time zone with the right UTC offsets around the end of summer time, and the video link."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from portal.models import Role
from reviews import calendar
from reviews.services import jury
from tests.factories import SubmittedStrategyFactory, UserFactory, berlin, jury_session, manager_of


@pytest.fixture
def office(db):
    return UserFactory(role=Role.PROGRAMME_OFFICE, second_factor=False)


def pitch_on(cycle, office, starts_at, **options):
    session = jury_session(cycle, starts_at=starts_at, hours=2, now=datetime(2024, 10, 1, tzinfo=UTC), **options)
    strategy = SubmittedStrategyFactory(cycle=cycle)
    manager_of(strategy.alliance)
    slot = session.slots.first()
    return jury.assign_slot(slot=slot, strategy=strategy, user=office, now=datetime(2024, 10, 1, tzinfo=UTC))


def parsed(slot, method=calendar.REQUEST):
    _name, mime_type, text = calendar.invitation(slot, method=method)
    assert f"method={method}" in mime_type
    return Calendar.from_ical(text)


def only_event(parsed_calendar):
    (event,) = parsed_calendar.walk("VEVENT")
    return event


def test_an_invitation_is_a_request_with_uid_sequence_link_and_berlin_time_zone(cycle, office):
    slot = pitch_on(cycle, office, berlin(2024, 11, 12, 9), video_url="https://konferenz.example/jury-1")
    parsed_calendar = parsed(slot)
    event = only_event(parsed_calendar)
    assert parsed_calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{slot.uid}@wir-strategy-portal"
    assert event["SEQUENCE"] == 0
    assert str(event["URL"]) == str(event["LOCATION"]) == "https://konferenz.example/jury-1"
    assert "https://konferenz.example/jury-1" in str(event["DESCRIPTION"])
    assert slot.strategy.alliance.name in str(event["SUMMARY"])
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert [str(zone["TZID"]) for zone in parsed_calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


@pytest.mark.parametrize(
    ("day", "offset_hours", "utc_hour"),
    [(25, 2, 8), (28, 1, 9)],  # summer time ends on 27 October 2024
)
def test_times_keep_the_right_utc_offset_on_both_sides_of_the_october_change(
    cycle, office, day, offset_hours, utc_hour
):
    slot = pitch_on(cycle, office, berlin(2024, 10, day, 10))
    start = only_event(parsed(slot))["DTSTART"].dt
    assert start.utcoffset() == timedelta(hours=offset_hours)
    assert start.astimezone(UTC) == datetime(2024, 10, day, utc_hour, tzinfo=UTC)


def test_a_move_keeps_the_uid_and_raises_the_sequence(cycle, office):
    slot = pitch_on(cycle, office, berlin(2024, 11, 12, 9))
    before = only_event(parsed(slot))
    target = slot.session.slots.filter(status="open").last()
    moved = jury.move_pitch(pitch=slot, target=target, user=office, now=datetime(2024, 10, 2, tzinfo=UTC))
    after = only_event(parsed(moved))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after["DTSTART"].dt == target.starts_at


def test_a_cancelled_pitch_is_a_cancel_with_a_higher_sequence(cycle, office):
    slot = pitch_on(cycle, office, berlin(2024, 11, 12, 9))
    cancelled = jury.cancel_slot(slot=slot, user=office, now=datetime(2024, 10, 2, tzinfo=UTC))
    parsed_calendar = parsed(cancelled, method=calendar.CANCEL)
    event = only_event(parsed_calendar)
    assert parsed_calendar["METHOD"] == "CANCEL"
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)
    assert str(event["UID"]) == f"{slot.uid}@wir-strategy-portal"


def test_a_feed_holds_the_given_pitches_without_a_method(cycle, office):
    first = pitch_on(cycle, office, berlin(2024, 11, 12, 9))
    second = pitch_on(cycle, office, berlin(2024, 11, 13, 9))
    parsed_calendar = Calendar.from_ical(calendar.feed([first, second], title="Meine Pitches"))
    assert "METHOD" not in parsed_calendar
    assert [str(event["UID"]) for event in parsed_calendar.walk("VEVENT")] == [
        f"{first.uid}@wir-strategy-portal",
        f"{second.uid}@wir-strategy-portal",
    ]
