"""A person's private calendar feed: started and ended on their own page, opened by its token alone, holding only
their own pitches, and gone (404) once revoked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from reviews.models import CalendarFeed
from reviews.services import jury
from reviews.services.calendar_feeds import create_calendar_feed, revoke_calendar_feed
from tests.factories import (
    AssignmentFactory,
    ExpertProfileFactory,
    SubmittedStrategyFactory,
    berlin,
    jury_session,
    manager_of,
)
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

START = berlin(2030, 11, 12, 9)
BEFORE = START - timedelta(days=10)

MATRIX = [
    ("settings", "get", [LOGIN, 200, 200, 200, 200, 403]),
    ("settings", "post", [LOGIN, 200, 200, 200, 200, 403]),
    # The feed opens with its token alone, whoever asks; an unknown or revoked token is not found for anyone.
    ("feed", "get", [200, 200, 200, 200, 200, 200]),
    ("unknown", "get", [404, 404, 404, 404, 404, 404]),
    ("revoked", "get", [404, 404, 404, 404, 404, 404]),
]


def feed_url(token):
    return reverse("reviews:calendar_feed_ics", args=[token])


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_calendar_feed_permission_matrix(client, actors, name, method, actor, want):
    owner = actors["programme_office"]
    if name == "settings":
        url = reverse("reviews:calendar_feed")
    elif name == "unknown":
        url = feed_url("gibt-es-nicht")
    else:
        token = create_calendar_feed(user=owner)
        if name == "revoked":
            revoke_calendar_feed(user=owner)
        url = feed_url(token)
    response = request_as(client, actors[actor], method, url, {"action": "create"})
    assert_status(response, want)


def test_only_the_hash_of_the_token_is_stored_and_a_new_one_ends_the_old(programme_office, client):
    old = create_calendar_feed(user=programme_office)
    new = create_calendar_feed(user=programme_office)
    stored = list(CalendarFeed.objects.values_list("token_hash", flat=True))
    assert old not in stored and new not in stored
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


def test_the_page_shows_a_new_address_once_and_ends_the_feed(client, manager):
    client.force_login(manager)
    page = client.post(reverse("reviews:calendar_feed"), {"action": "create"}).content.decode()
    assert "nur jetzt angezeigt" in page and ".ics" in page
    assert ".ics" not in client.get(reverse("reviews:calendar_feed")).content.decode()
    client.post(reverse("reviews:calendar_feed"), {"action": "revoke"})
    assert not CalendarFeed.objects.filter(user=manager, revoked_at__isnull=True).exists()


def test_the_account_page_leads_to_the_feed_for_whom_it_serves(client, manager, admin_user):
    client.force_login(manager)
    assert reverse("reviews:calendar_feed") in client.get(reverse("account_security")).content.decode()
    client.force_login(admin_user)
    assert reverse("reviews:calendar_feed") not in client.get(reverse("account_security")).content.decode()


@pytest.fixture
def planned(cycle, programme_office):
    """Two sessions, each with one pitch; the first session's second juror declared a conflict with its pitch."""
    jurors = [ExpertProfileFactory().user, ExpertProfileFactory().user]
    first = jury_session(cycle, starts_at=START, jurors=jurors)
    second = jury_session(cycle, starts_at=START + timedelta(days=1))
    pitches = []
    for session in (first, second):
        strategy = SubmittedStrategyFactory(cycle=cycle)
        manager_of(strategy.alliance)
        pitches.append(
            jury.assign_slot(slot=session.slots.first(), strategy=strategy, user=programme_office, now=BEFORE)
        )
    AssignmentFactory(strategy=pitches[0].strategy, expert=jurors[1], status="conflicted")
    return jurors, pitches


def feed_uids(client, user):
    response = client.get(feed_url(create_calendar_feed(user=user)))
    assert response["Content-Type"].startswith("text/calendar")
    return [str(event["UID"]).split("@")[0] for event in Calendar.from_ical(response.content).walk("VEVENT")]


def test_each_feed_holds_only_the_persons_own_pitches(client, planned, programme_office, ministry):
    jurors, (first, second) = planned
    assert feed_uids(client, jurors[0]) == [str(first.uid)]
    assert feed_uids(client, jurors[1]) == []  # conflicted with the only pitch of their session
    assert feed_uids(client, first.strategy.alliance.memberships.get().user) == [str(first.uid)]
    assert feed_uids(client, second.strategy.alliance.memberships.get().user) == [str(second.uid)]
    assert feed_uids(client, ExpertProfileFactory().user) == []
    assert feed_uids(client, programme_office) == feed_uids(client, ministry) == [str(first.uid), str(second.uid)]
