"""Logs name people by their user id and objects by theirs: no e-mail address, no client address, on the paths
that used to carry them (failed sign-in, lockout, a spraying address, a refused mail), and the console formatter
redacts what third-party code lets through. Celery workers log task arguments: no task takes personal data."""

import inspect
import logging
import sys

import pytest
from django.urls import reverse

from portal.celery import app as celery_app
from portal.logs import ADDRESS_MARK, EMAIL_MARK, RedactingFormatter, redact
from portal.models import MessageStatus, Role
from portal.tasks import deliver_message
from tests.factories import UserFactory, notify
from tests.helpers import unique_email

PROJECT_APPS = ("portal", "alliances", "reviews", "decisions", "dossiers")


def sign_in(browser, email, password):
    return browser.post(reverse("account_login"), {"login": email, "password": password})


def client_address(browser):
    return browser.defaults["REMOTE_ADDR"]


@pytest.fixture
def every_log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_names_no_one(text, *, emails, addresses):
    for value in (*emails, *addresses):
        assert value not in text


def test_failed_sign_ins_and_a_lockout_log_the_user_id_only(browser, settings, every_log):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    attacker = browser()
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT + 1):
        sign_in(attacker, expert.email, "falsch-geraten")

    assert f"Account {expert.pk} locked" in every_log.text
    assert_names_no_one(every_log.text, emails=[expert.email], addresses=[client_address(attacker)])


def test_an_address_refused_for_spraying_is_not_logged(browser, settings, every_log):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/15m/ip,5/15m/key"}
    victims = [UserFactory(email=unique_email(f"opfer{number}"), role=Role.EXPERT) for number in range(3)]
    sprayer = browser()
    for victim in victims:
        sign_in(sprayer, victim.email, "Sommer2024!")

    assert "too many failed sign-ins from one client address" in every_log.text
    assert_names_no_one(
        every_log.text, emails=[victim.email for victim in victims], addresses=[client_address(sprayer)]
    )


@pytest.mark.django_db
def test_a_refused_recipient_is_logged_and_stored_by_message_id(settings, every_log):
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.RecipientRefusingBackend"}}
    manager = UserFactory(email=unique_email("bm"), role=Role.ALLIANCE_MANAGER)
    message = notify(manager, subject="Test")[0]

    deliver_message.apply(args=[message.pk])

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert f"delivery of message {message.pk} failed" in every_log.text
    assert "SMTPRecipientsRefused" in every_log.text
    assert_names_no_one(every_log.text, emails=[manager.email], addresses=[])
    assert manager.email not in message.last_error
    assert EMAIL_MARK in message.last_error


def test_redact_replaces_email_and_ip_addresses_and_leaves_times_and_ids():
    text = "anna.beispiel+pt@example.org from 203.0.113.7, 2001:db8::1 and ::ffff:192.0.2.1 at 09:21:41, dossier 12"
    assert redact(text) == (
        f"{EMAIL_MARK} from {ADDRESS_MARK}, {ADDRESS_MARK} and {ADDRESS_MARK} at 09:21:41, dossier 12"
    )


def test_the_console_formatter_redacts_messages_and_tracebacks(settings):
    assert settings.LOGGING["formatters"]["plain"]["()"] == "portal.logs.RedactingFormatter"
    formatter = RedactingFormatter(settings.LOGGING["formatters"]["plain"]["format"])
    try:
        raise ValueError("refused anna@example.org")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "from %s", ("198.51.100.4",), sys.exc_info())
    line = formatter.format(record)
    assert "198.51.100.4" not in line and "anna@example.org" not in line
    assert f"from {ADDRESS_MARK}" in line and f"ValueError: refused {EMAIL_MARK}" in line


def test_no_task_takes_personal_data_as_an_argument():
    celery_app.loader.import_default_modules()
    ours = {name: task for name, task in celery_app.tasks.items() if name.split(".")[0] in PROJECT_APPS}
    assert "portal.tasks.deliver_message" in ours
    for name, task in ours.items():
        for parameter in inspect.signature(task.run).parameters:
            if (name, parameter) in MASKED_ARGUMENTS:
                continue
            assert parameter == "pk" or parameter.endswith(("_id", "_label")), f"{name} takes {parameter}"


# Arguments that must name a person, each sent with `argsrepr` so that workers log and report a mask instead.
MASKED_ARGUMENTS = {
    # An erased account's notice: the address lives in the broker only, never in the database.
    ("portal.tasks.send_erasure_notice", "address"),
}


def test_the_erasure_notice_goes_through_the_broker_with_its_address_masked(celery_worker):
    from celery.signals import before_task_publish

    from portal.privacy import erasure

    published = []

    def capture(sender=None, headers=None, body=None, **kwargs):
        if sender == "portal.tasks.send_erasure_notice":
            published.append(headers)

    before_task_publish.connect(capture, weak=False)
    try:
        erasure._queue_notice(0, "erika@example.org")  # no such request: the worker finds nothing to send
    finally:
        before_task_publish.disconnect(capture)
    (headers,) = published
    assert "erika" not in headers["argsrepr"] and headers["argsrepr"].startswith("(0, ")
