"""Demo staff sign in without a phone: seeding gives them an authenticator app on the documented demo secret, and
`manage.py demo_code <email>` prints its current code, only with DEBUG=1 and only for demo accounts."""

import time
from io import StringIO

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from portal import demo
from portal.models import Role, User
from tests.factories import UserFactory, totp_code

pytestmark = pytest.mark.django_db

DEMO_STAFF = ["pt@demo.example", "bmbf1@demo.example", "bmbf2@demo.example", "admin@demo.example"]


def seed_accounts():
    demo.seed(stdout=StringIO())


def demo_code(email):
    out = StringIO()
    call_command("demo_code", email, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def at_the_start_of_a_period():
    """Waits while the current code has less than two seconds left, so a code and its check share one period."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 2:
        time.sleep(left + 0.1)


def test_seeding_gives_every_demo_staff_account_one_authenticator_app_on_the_documented_secret():
    seed_accounts()
    seed_accounts()

    for email in DEMO_STAFF:
        user = User.objects.get(email=email)
        (app,) = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        at_the_start_of_a_period()
        assert TOTP(app).validate_code(totp_code(secret=demo.DEMO_TOTP_SECRET)), email
    admin = User.objects.get(email="admin@demo.example")
    assert admin.role == Role.ADMIN and admin.is_superuser and admin.is_staff
    assert not Authenticator.objects.filter(user__role=Role.EXPERT).exists()


def test_demo_code_prints_the_code_allauth_accepts(settings):
    settings.DEBUG = True
    seed_accounts()
    at_the_start_of_a_period()

    code = demo_code("bmbf2@demo.example")

    assert len(code) == 6 and code.isdigit()
    app = Authenticator.objects.get(user__email="bmbf2@demo.example", type=Authenticator.Type.TOTP)
    assert TOTP(app).validate_code(code)


def test_demo_staff_sign_in_with_the_demo_password_and_the_printed_code(client, settings):
    seed_accounts()
    settings.DEBUG = True
    at_the_start_of_a_period()
    code = demo_code("pt@demo.example")
    settings.DEBUG = False

    first = client.post(reverse("account_login"), {"login": "pt@demo.example", "password": demo.DEMO_PASSWORD})
    assert first["Location"] == reverse("mfa_authenticate")
    second = client.post(reverse("mfa_authenticate"), {"code": code})

    assert second.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="pt@demo.example").pk)
    assert client.get(reverse("home")).status_code == 200


def test_demo_code_refuses_without_debug(settings):
    settings.DEBUG = False
    seed_accounts()

    with pytest.raises(CommandError, match="nur mit DEBUG=1"):
        demo_code("pt@demo.example")


def test_demo_code_refuses_an_account_outside_the_demo(settings):
    settings.DEBUG = True
    UserFactory(email="pt@ptj.example", role=Role.PROGRAMME_OFFICE)

    with pytest.raises(CommandError, match="kein Demokonto"):
        demo_code("pt@ptj.example")


def test_demo_code_refuses_a_demo_account_without_an_authenticator_app(settings):
    settings.DEBUG = True
    seed_accounts()

    with pytest.raises(CommandError, match="keine Authenticator-App"):
        demo_code("expert3@demo.example")
    with pytest.raises(CommandError, match="keine Authenticator-App"):
        demo_code("niemand@demo.example")
