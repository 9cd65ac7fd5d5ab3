"""The password policy: 12 characters, no common password (Django's or German), nothing built on the user."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.passwords import GermanCommonPasswordValidator
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(email="max.mustermann@bmbf.example", full_name="Max Mustermann")


def refusal(password, user=None):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    return " ".join(refused.value.messages)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("passwort123", "mindestens 12 Zeichen"),
        ("Passwort2024!", "zu leicht zu erraten"),
        ("!!Sonnenschein123", "zu leicht zu erraten"),
        ("Fussball12345", "zu leicht zu erraten"),
        ("qwertzuiop1234", "zu leicht zu erraten"),
        ("123456789012", "komplett numerisch"),
        ("#+#+#+#+#+#+#+", "zu leicht zu erraten"),
    ],
)
def test_weak_passwords_are_refused_with_a_german_reason(password, message):
    assert message in refusal(password)


@pytest.mark.parametrize("password", ["mustermann2024!", "max.mustermann@bmbf"])
def test_a_password_built_on_the_users_name_or_email_is_refused(user, password):
    assert "zu ähnlich" in refusal(password, user)


@pytest.mark.parametrize("password", [PASSWORD, "Lausitz-Wasserstoff-7", "Förderbescheid mit Auflagen"])
def test_a_good_password_passes(user, password):
    validate_password(password, user)


def test_the_german_list_holds_frequent_words_and_keyboard_rows():
    words = GermanCommonPasswordValidator().words
    assert {"passwort", "hallo", "schatz", "qwertz", "asdfghjklöä"} <= words
    assert len(words) > 12_000


def test_the_password_change_form_applies_the_policy(client, user):
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Hallo2024!!!!", "password2": "Hallo2024!!!!"},
    )
    assert response.status_code == 200
    assert "zu leicht zu erraten" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
