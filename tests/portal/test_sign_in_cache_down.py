"""Sign-in while the rate limit cache (Redis) is unreachable: refused with a German page (fail closed)."""

import logging
import time

import pytest
from django.test import override_settings
from django.urls import reverse

from portal.models import NotificationKind, OutgoingMessage, Role
from tests.factories import PASSWORD, UserFactory, totp_code
from tests.helpers import unique_email

pytestmark = pytest.mark.django_db

# Nothing listens on port 1.
CLOSED_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_without_the_cache_nobody_signs_in_and_the_page_says_why(browser, caplog):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    client = browser()
    started = time.monotonic()
    with override_settings(CACHES=CLOSED_REDIS), caplog.at_level(logging.ERROR, logger="portal.middleware"):
        response = client.post(reverse("account_login"), {"login": expert.email, "password": PASSWORD})
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert "Die Anmeldung ist gerade nicht möglich" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert any("Redis) is unreachable" in record.getMessage() for record in caplog.records)
    # Back again, the same password signs in.
    assert client.post(reverse("account_login"), {"login": expert.email, "password": PASSWORD}).status_code == 302


def test_without_the_cache_the_second_factor_is_not_checked(browser, settings):
    office = UserFactory(email=unique_email("pt"), role=Role.PROGRAMME_OFFICE)
    client = browser()
    response = client.post(reverse("account_login"), {"login": office.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    with override_settings(CACHES=CLOSED_REDIS):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(offset=1)})
    assert response.status_code == 503
    assert "_auth_user_id" not in client.session


def test_without_the_cache_no_reset_mail_goes_out(browser):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    with override_settings(CACHES=CLOSED_REDIS):
        response = browser().post(reverse("account_reset_password"), {"email": expert.email})
    assert response.status_code == 503
    assert not OutgoingMessage.objects.filter(kind=NotificationKind.ACCOUNT).exists()


def test_without_the_cache_signed_in_users_keep_working(browser):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    client = browser()
    client.force_login(expert)
    with override_settings(CACHES=CLOSED_REDIS):
        assert client.get(reverse("account_security")).status_code == 200
        response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
