"""Staff set up and use a second factor through real requests; managers and experts may, but need not."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import translation

from portal.models import Role
from tests.factories import PASSWORD, UserFactory, totp_code
from tests.helpers import unique_email

pytestmark = pytest.mark.django_db


def sign_in(browser, email, password=PASSWORD):
    return browser.post(reverse("account_login"), {"login": email, "password": password})


def second_step(browser, code):
    return browser.post(reverse("mfa_authenticate"), {"code": code})


def confirm_password(browser):
    """allauth asks for the password again before a manager or expert adds a factor of their own choice."""
    url = reverse("mfa_activate_totp")
    response = browser.get(url)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = browser.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == url


def setup_opens_without_asking_again(browser):
    """Staff who must set up a factor are not asked for the password they have just signed in with."""
    assert browser.get(reverse("mfa_activate_totp")).status_code == 200


def signed_in_user(browser):
    return browser.get(reverse("account_security")).wsgi_request.user


def german(msgid):
    with translation.override("de"):
        text = translation.gettext(msgid)
    assert text != msgid, f"no German text for {msgid!r}"
    return text


# allauth announces a new or removed factor once the transaction commits, as each request does here.
@pytest.mark.django_db(transaction=True)
def test_programme_office_sets_up_totp_before_anything_else_then_signs_in_with_it(browser):
    office = UserFactory(email=unique_email("pt"), role=Role.PROGRAMME_OFFICE, second_factor=False)
    client = browser()
    response = sign_in(client, office.email)
    assert response.status_code == 302

    # Every other page sends the user to set up the authenticator app; htmx requests are redirected by header.
    for url in (reverse("home"), reverse("alliances:my_strategies"), reverse("locked_accounts")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")

    setup_opens_without_asking_again(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # shown for typing into the app
    session_before = client.session.session_key

    wrong = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret, offset=10)})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=office).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.session.session_key != session_before
    codes_page = client.get(response["Location"])
    recovery_codes = codes_page.context["unused_codes"]
    assert len(recovery_codes) == 10
    assert all(code in codes_page.content.decode() for code in recovery_codes)
    assert client.get(reverse("home")).status_code == 200

    client.post(reverse("account_logout"))
    assert not signed_in_user(client).is_authenticated

    # Password, then the code of the app.
    response = sign_in(client, office.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in_user(client).is_authenticated
    wrong = second_step(client, totp_code(secret, offset=10))
    assert wrong.status_code == 200
    assert german("Incorrect code.") in wrong.content.decode()
    assert not signed_in_user(client).is_authenticated
    code = totp_code(secret, offset=1)
    response = second_step(client, code)
    assert response.status_code == 302
    assert signed_in_user(client) == office

    # The same code again, in another browser: refused.
    thief = browser()
    sign_in(thief, office.email)
    replay = second_step(thief, code)
    assert replay.status_code == 200
    assert german("Incorrect code.") in replay.content.decode()
    assert not signed_in_user(thief).is_authenticated

    # A recovery code works once.
    response = second_step(thief, recovery_codes[0])
    assert response.status_code == 302
    assert signed_in_user(thief) == office
    thief.post(reverse("account_logout"))
    sign_in(thief, office.email)
    again = second_step(thief, recovery_codes[0])
    assert again.status_code == 200
    assert not signed_in_user(thief).is_authenticated


@pytest.mark.parametrize("role", [Role.MINISTRY, Role.ADMIN])
def test_other_staff_are_sent_to_set_up_a_factor_too(browser, role):
    user = UserFactory(email=unique_email("stab"), role=role, second_factor=False)
    client = browser()
    sign_in(client, user.email)
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    # Leaving and the security page stay open.
    assert client.get(reverse("account_security")).status_code == 200


@pytest.mark.parametrize("role", [Role.ALLIANCE_MANAGER, Role.EXPERT])
def test_managers_and_experts_are_never_forced_but_may_add_a_factor(browser, role):
    user = UserFactory(email=unique_email("person"), role=role)
    client = browser()
    assert sign_in(client, user.email).status_code == 302
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert reverse("mfa_activate_totp") not in [url for url, _status in response.redirect_chain]

    confirm_password(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    client.post(reverse("account_logout"))
    assert sign_in(client, user.email)["Location"] == reverse("mfa_authenticate")
    assert second_step(client, totp_code(secret, offset=1)).status_code == 302
    assert signed_in_user(client) == user


@pytest.mark.django_db(transaction=True)
def test_removing_the_last_factor_sends_staff_back_to_set_one_up(browser):
    office = UserFactory(email=unique_email("pt"), role=Role.PROGRAMME_OFFICE)
    client = browser()
    sign_in(client, office.email)
    second_step(client, totp_code(offset=1))
    assert client.get(reverse("home")).status_code == 200
    session_before = client.session.session_key

    # Removing a factor needs a fresh confirmation, by the factor itself: the password alone is not offered.
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert client.get(reverse("account_reauthenticate")).status_code != 200
    response = client.post(response["Location"], {"code": totp_code()}, follow=True)
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=office, type=Authenticator.Type.TOTP).exists()
    assert client.session.session_key != session_before
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")


def test_the_secret_is_not_readable_by_other_pages(browser):
    office = UserFactory(email=unique_email("pt"), role=Role.PROGRAMME_OFFICE, second_factor=False)
    client = browser()
    sign_in(client, office.email)
    setup_opens_without_asking_again(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    assert re.fullmatch(r"[A-Z2-7]+=*", secret)
    assert secret not in client.get(reverse("account_security")).content.decode()
