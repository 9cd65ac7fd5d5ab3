"""allauth's pages and messages address users formally ("Sie"): locale/de overrides allauth's informal German."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from portal.models import Role
from tests.factories import UserFactory
from tests.helpers import reauthenticated

pytestmark = pytest.mark.django_db

INFORMAL = re.compile(r"\b(du|Du|dich|Dich|dir|Dir)\b|\b[Dd]ein")
SCRIPTS_AND_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.DOTALL)


def visible_text(response):
    return SCRIPTS_AND_TAGS.sub(" ", response.content.decode())


def assert_formal(response):
    assert response.status_code == 200
    text = visible_text(response)
    assert INFORMAL.findall(text) == [], text


@pytest.fixture
def german(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    with translation.override("de"):
        yield client


def test_the_login_and_password_reset_pages_say_sie(german):
    assert_formal(german.get(reverse("account_login")))
    reset = german.get(reverse("account_reset_password"))
    assert_formal(reset)
    assert "Geben Sie unten Ihre E-Mail-Adresse ein" in visible_text(reset)


def test_the_second_factor_pages_say_sie(german):
    manager = UserFactory(role=Role.ALLIANCE_MANAGER)
    german.force_login(manager)
    assert_formal(german.get(reverse("mfa_index")))
    reauthenticated(german)
    activate = german.get(reverse("mfa_activate_totp"))
    assert_formal(activate)
    assert "Geheimer Schlüssel der Authenticator-App" in visible_text(activate)


def test_allauth_messages_say_sie(german):
    german.force_login(UserFactory(role=Role.ALLIANCE_MANAGER))
    response = german.post(reverse("account_logout"), follow=True)
    assert "Sie haben sich abgemeldet." in visible_text(response)
    allauth_msgid = "Please type your current password."  # a name, so our own catalogue does not collect it
    with translation.override("de"):
        assert translation.gettext(allauth_msgid) == "Bitte geben Sie Ihr aktuelles Passwort ein."
