"""Sessions end after an idle time that depends on the role, and a user can end their other sessions."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from portal.models import Role
from portal.receivers import LAST_ACTIVITY
from tests.factories import UserFactory
from tests.helpers import sign_in_through_the_form, unique_email

pytestmark = pytest.mark.django_db


def seconds_left(browser):
    row = Session.objects.get(session_key=browser.session.session_key)
    return (row.expire_date - timezone.now()).total_seconds()


def signed_out(browser):
    response = browser.get(reverse("account_security"))
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("role", "minutes_setting"),
    [
        (Role.ALLIANCE_MANAGER, "SESSION_IDLE_MINUTES"),
        (Role.EXPERT, "SESSION_IDLE_MINUTES"),
        (Role.MINISTRY, "SESSION_IDLE_MINUTES_STAFF"),
        (Role.PROGRAMME_OFFICE, "SESSION_IDLE_MINUTES_STAFF"),
    ],
)
def test_a_session_lasts_the_idle_time_of_the_role(browser, settings, role, minutes_setting):
    assert settings.SESSION_IDLE_MINUTES_STAFF < settings.SESSION_IDLE_MINUTES
    user = UserFactory(email=unique_email("person"), role=role)
    client = browser()
    sign_in_through_the_form(client, user)
    idle_seconds = getattr(settings, minutes_setting) * 60
    assert idle_seconds - 10 < seconds_left(client) <= idle_seconds


def test_an_idle_session_ends_and_sends_the_user_to_sign_in(browser, settings):
    settings.SESSION_IDLE_MINUTES = 2
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    client = browser()
    sign_in_through_the_form(client, expert)
    assert 100 < seconds_left(client) <= 120
    assert not signed_out(client)

    # Two idle minutes later (the session's end moved into the past, as the clock would have done):
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert signed_out(client)


def test_using_the_portal_moves_the_end_of_the_session_on(browser, settings):
    settings.SESSION_IDLE_MINUTES = 2
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    client = browser()
    sign_in_through_the_form(client, expert)
    # A minute and a half without a request…
    session = client.session
    session[LAST_ACTIVITY] = time.time() - 90
    session.save()
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert seconds_left(client) <= 30
    # …then one: the session has its whole idle time again.
    assert client.get(reverse("account_security")).status_code == 200
    assert seconds_left(client) > 100


def test_a_user_ends_their_other_session_on_the_sessions_page(browser):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    office, laptop = browser(), browser()
    sign_in_through_the_form(office, expert)
    sign_in_through_the_form(laptop, expert)
    page = office.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert page.context["session_count"] == 2

    response = office.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert signed_out(laptop)
    assert not signed_out(office)
    assert office.get(reverse("usersessions_list")).context["session_count"] == 1
