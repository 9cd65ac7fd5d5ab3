"""Stored client addresses are cut to their network once the sign-in throttle's window is over: not a second before,
IPv4 to /24 and IPv6 to /48, and a second run changes nothing."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.utils import timezone

from portal.models import AccountEvent, AccountEventKind
from portal.privacy import registry
from portal.privacy.addresses import stored_addresses, throttle_window, truncate_address, truncate_client_addresses
from portal.privacy.registry import DataKind
from portal.tasks import truncate_client_addresses as truncation_task
from tests.factories import UserFactory

SECOND = timedelta(seconds=1)
EVENTS = "portal.AccountEvent.client_address"
SESSIONS = "usersessions.UserSession.ip"


def failed_sign_in(user, address, at):
    return AccountEvent.objects.create(user=user, kind=AccountEventKind.SIGN_IN_FAILED, client_address=address, at=at)


def signed_in_device(user, address, at, key):
    return UserSession.objects.create(
        user=user, ip=address, user_agent="Firefox", session_key=key * 32, created_at=at, last_seen_at=at
    )


def address_of(row):
    row.refresh_from_db()
    return row.client_address if isinstance(row, AccountEvent) else row.ip


def test_the_window_is_the_sign_in_throttles_and_follows_its_setting(settings):
    assert throttle_window() == timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "20/1h/ip,5/30m/key"}
    assert throttle_window() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("203.0.113.0", "203.0.113.0"),
        ("2001:db8:abcd:12::5", "2001:db8:abcd::"),
        ("2001:db8:0:0:1::", "2001:db8::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
    ],
)
def test_an_address_becomes_its_network(address, network):
    assert truncate_address(address) == network


@pytest.mark.django_db
def test_addresses_stay_exact_until_the_window_ends_and_are_cut_after_it(t0):
    person = UserFactory()
    event_v4 = failed_sign_in(person, "203.0.113.77", t0)
    event_v6 = failed_sign_in(person, "2001:db8:abcd:12::5", t0)
    device_v4 = signed_in_device(person, "198.51.100.23", t0, "a")
    device_v6 = signed_in_device(person, "2001:db8:beef:7:1:2:3:4", t0, "b")
    window_end = t0 + throttle_window()

    assert truncate_client_addresses(now=window_end - SECOND) == {EVENTS: 0, SESSIONS: 0}
    assert [address_of(row) for row in (event_v4, event_v6, device_v4, device_v6)] == [
        "203.0.113.77",
        "2001:db8:abcd:12::5",
        "198.51.100.23",
        "2001:db8:beef:7:1:2:3:4",
    ]

    assert truncate_client_addresses(now=window_end + SECOND) == {EVENTS: 2, SESSIONS: 2}
    assert [address_of(row) for row in (event_v4, event_v6, device_v4, device_v6)] == [
        "203.0.113.0",
        "2001:db8:abcd::",
        "198.51.100.0",
        "2001:db8:beef::",
    ]

    assert truncate_client_addresses(now=window_end + timedelta(days=1)) == {EVENTS: 0, SESSIONS: 0}
    assert address_of(event_v6) == "2001:db8:abcd::"


@pytest.mark.django_db
def test_only_rows_older_than_the_window_are_cut_and_in_batches(t0):
    person = UserFactory()
    old = [failed_sign_in(person, f"192.0.2.{number}", t0) for number in range(1, 6)]
    recent = failed_sign_in(person, "192.0.2.99", t0 + throttle_window())
    unknown = failed_sign_in(person, None, t0)

    counts = truncate_client_addresses(now=t0 + throttle_window() + SECOND, batch_size=2)

    assert counts[EVENTS] == 5
    assert {address_of(row) for row in old} == {"192.0.2.0"}
    assert address_of(recent) == "192.0.2.99"
    unknown.refresh_from_db()
    assert unknown.client_address is None


@pytest.mark.django_db
def test_the_beat_task_cuts_addresses_older_than_the_window():
    person = UserFactory()
    event = failed_sign_in(person, "203.0.113.77", timezone.now() - throttle_window() - timedelta(minutes=1))
    assert truncation_task() == {EVENTS: 1, SESSIONS: 0}
    assert address_of(event) == "203.0.113.0"


def test_the_beat_runs_the_truncation_more_often_than_the_window_lasts(settings):
    entry = next(
        item
        for item in settings.CELERY_BEAT_SCHEDULE.values()
        if item["task"] == "portal.tasks.truncate_client_addresses"
    )
    assert timedelta(seconds=entry["schedule"]) < throttle_window()


def test_every_ip_address_the_registry_declares_is_truncated():
    declared = {
        (label, item.name)
        for label, declaration in registry.declarations().items()
        for item in declaration.fields
        if item.kind == DataKind.IP_ADDRESS
    }
    assert declared == {(stored.model, stored.field) for stored in stored_addresses()}
