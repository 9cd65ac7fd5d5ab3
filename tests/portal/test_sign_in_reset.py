"""The password reset answers alike for known and unknown addresses and mails a link that works once."""

import re
import statistics
import time

import pytest
from django.urls import reverse
from django.utils import translation

from portal.models import NotificationKind, OutgoingMessage, Role
from tests.factories import PASSWORD, UserFactory
from tests.helpers import unique_email

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kiefernzapfen-am-Spreeufer-77"


def request_reset(browser, email, **options):
    return browser.post(reverse("account_reset_password"), {"email": email}, **options)


def account_mails(email=None):
    mails = OutgoingMessage.objects.filter(kind=NotificationKind.ACCOUNT)
    return mails.filter(recipient_email__iexact=email) if email else mails


def without_csrf(response):
    """The page without its CSRF tokens (in the forms and in htmx's headers), which differ on every request."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def german(msgid):
    with translation.override("de"):
        text = translation.gettext(msgid)
    assert text != msgid, f"no German text for {msgid!r}"
    return text


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_the_known_one_a_mail(browser):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    unknown = unique_email("niemand")

    known_answer = request_reset(browser(), expert.email)
    unknown_answer = request_reset(browser(), unknown)
    assert known_answer.status_code == unknown_answer.status_code == 302
    assert known_answer["Location"] == unknown_answer["Location"] == reverse("account_reset_password_done")
    known_page = request_reset(browser(), expert.email, follow=True)
    unknown_page = request_reset(browser(), unknown, follow=True)
    assert known_page.status_code == unknown_page.status_code == 200
    assert without_csrf(known_page) == without_csrf(unknown_page)

    assert account_mails(expert.email).count() == 2
    assert account_mails(unknown).count() == 0
    assert account_mails().count() == 2


def test_the_mailed_link_sets_a_new_password_once(browser):
    manager = UserFactory(email=unique_email("manager"), role=Role.ALLIANCE_MANAGER)
    client = browser()
    request_reset(client, manager.email)
    mail = account_mails(manager.email).get()
    assert mail.recipient == manager
    # Named after the portal once, in the subject and the greeting.
    assert mail.subject.startswith("[WIR!-Strategieportal] ")
    assert mail.subject.count("[") == 1
    assert "WIR!-Strategieportal" in mail.body_text
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.body_text).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert not form_page.context.get("token_fail")
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)

    # The same link again, even in another browser: refused, in German, and the password stays.
    again = browser().get(link, follow=True)
    assert again.context["token_fail"]
    assert german("Bad Token") in again.content.decode()
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)
    assert not manager.check_password(PASSWORD)


def test_an_invalid_or_expired_key_is_refused_in_german(browser, settings):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    client = browser()
    invalid = client.get(reverse("account_reset_password_from_key", args=["1", "nicht-der-schluessel"]), follow=True)
    assert invalid.context["token_fail"]
    assert german("Bad Token") in invalid.content.decode()

    request_reset(client, expert.email)
    link = re.search(r"(/accounts/password/reset/key/\S+/)", account_mails(expert.email).get().body_text).group(1)
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is already too old
    expired = browser().get(link, follow=True)
    assert expired.context["token_fail"]
    assert german("Bad Token") in expired.content.decode()


def test_the_fourth_request_for_one_address_within_the_window_sends_no_mail(browser):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    unknown = unique_email("niemand")
    answers = {}
    for email in (expert.email, unknown):
        # From a new address each time, so only the budget of the account counts.
        answers[email] = [request_reset(browser(), email) for _attempt in range(4)]
    assert account_mails(expert.email).count() == 3
    assert account_mails(unknown).count() == 0
    statuses = {email: [answer.status_code for answer in answers[email]] for email in answers}
    assert statuses[expert.email] == statuses[unknown] == [302, 302, 302, 429]
    assert without_csrf(answers[expert.email][3]) == without_csrf(answers[unknown][3])
    assert "Zu viele Anfragen" in answers[expert.email][3].content.decode()


def test_known_and_unknown_addresses_take_about_the_same_time(browser, settings):
    # The rate limit is tested above; here it would stop the measurement after three requests.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": ""}
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    unknown = unique_email("niemand")
    client = browser()
    timings = {expert.email: [], unknown: []}
    for round_number in range(22):
        # Alternating, so a burst of load on the machine hits both about equally; two rounds warm up.
        for email in (expert.email, unknown) if round_number % 2 else (unknown, expert.email):
            started = time.perf_counter()
            assert request_reset(client, email).status_code == 302
            if round_number >= 2:
                timings[email].append(time.perf_counter() - started)
    known_median, unknown_median = statistics.median(timings[expert.email]), statistics.median(timings[unknown])
    assert known_median < 0.25
    assert unknown_median < 0.25
    assert known_median <= 5 * unknown_median + 0.02, (known_median, unknown_median)
