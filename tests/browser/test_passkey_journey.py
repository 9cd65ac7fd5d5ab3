"""Journey: passkeys in Chromium with its virtual authenticator, for passwordless sign-in and as second factor.

WebAuthn needs a secure context and a domain as RP ID (allauth takes the request's host): the pages are opened
on http://localhost, which Chromium treats as secure and fido2 accepts as origin, never on 127.0.0.1.
"""

import base64
import os
import re

import pytest
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_page_sound, logout, submit_login_form
from tests.factories import PASSWORD, UserFactory, ministry_user
from tests.helpers import next_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]


@pytest.fixture
def site(live_server):
    """The live server's address under the host name localhost."""
    return live_server.url.replace("127.0.0.1", "localhost")


@pytest.fixture
def authenticator(page):
    """A virtual platform authenticator (resident keys, user verification) in the page's browser context."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    session.authenticator_id = added["authenticatorId"]
    yield session
    session.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": session.authenticator_id})
    session.detach()


def credentials(authenticator):
    return authenticator.send("WebAuthn.getCredentials", {"authenticatorId": authenticator.authenticator_id})[
        "credentials"
    ]


def register_passkey(page, site, name, reauthenticate):
    """Adds a passwordless passkey on allauth's page; `reauthenticate(page)` answers the re-authentication it asks
    for first."""
    page.goto(site + reverse("mfa_add_webauthn"))
    page.wait_for_url(re.compile(r"/reauthenticate/"))
    reauthenticate(page)
    page.wait_for_url(re.compile(re.escape(reverse("mfa_add_webauthn")) + r"$"))
    form = page.locator("main form").filter(has=page.locator("#mfa_webauthn_add"))
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=passwordless]").check()
    form.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: reverse("mfa_add_webauthn") not in url)


def with_password(page):
    page.locator("main form input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="Bestätigen").click()


def with_fresh_code(page):
    # The code of sign-in is spent; the next period's code is a new one.
    page.locator("main form input[name=code]").fill(next_totp_code())
    page.locator("main form").get_by_role("button", name="Bestätigen").click()


def test_an_expert_registers_a_passkey_and_signs_in_with_it_without_a_password(page, site, authenticator):
    expert = UserFactory(email="expertin@uni.example", full_name="Erika Expertin")
    page.goto(site + reverse("account_login"))
    submit_login_form(page, expert.email)
    register_passkey(page, site, "Laptop", with_password)
    key = Authenticator.objects.get(user=expert, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop"
    assert key.wrap().is_passwordless
    assert [credential["isResidentCredential"] for credential in credentials(authenticator)] == [True]
    logout(page)

    page.goto(site + reverse("account_login"))
    assert_page_sound(page)
    page.get_by_role("button", name="Mit einem Passkey anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.locator(".portal-user")).to_contain_text("Erika Expertin")
    assert_page_sound(page)


def test_a_ministry_user_confirms_sign_in_with_a_passkey_as_second_factor(page, site, authenticator):
    bmbf = ministry_user("bmbf1@bmbf.example")
    page.goto(site + reverse("account_login"))
    submit_login_form(page, bmbf.email)  # with the authenticator app's code
    register_passkey(page, site, "Sicherheitsschlüssel", with_fresh_code)
    assert Authenticator.objects.filter(user=bmbf, type=Authenticator.Type.WEBAUTHN).count() == 1
    logout(page)

    page.goto(site + reverse("account_login"))
    form = page.locator("main form").first
    form.get_by_label("E-Mail-Adresse").fill(bmbf.email)
    form.get_by_label("Passwort").fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_role("button", name="Mit einem Passkey oder Sicherheitsschlüssel bestätigen").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.locator(".portal-user")).to_contain_text(bmbf.get_full_name())
    assert "/accounts/2fa/" not in page.url
    assert_page_sound(page)


def test_a_passkey_the_portal_does_not_know_signs_nobody_in(page, site, authenticator):
    """A passkey for the same RP ID (localhost) that was never registered here, e.g. from another installation of
    the portal on this machine: the browser offers it, the portal refuses it in German and nobody is signed in."""
    key = ec.generate_private_key(ec.SECP256R1())
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    authenticator.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": authenticator.authenticator_id,
            "credential": {
                "credentialId": base64.b64encode(os.urandom(32)).decode(),
                "isResidentCredential": True,
                "rpId": "localhost",
                "privateKey": base64.b64encode(pkcs8).decode(),
                "userHandle": base64.b64encode(b"999999").decode(),
                "signCount": 0,
            },
        },
    )
    page.goto(site + reverse("account_login"))
    page.get_by_role("button", name="Mit einem Passkey anmelden").click()
    # allauth's refusal for an assertion it cannot verify (its wording, in German).
    expect(page.locator("main")).to_contain_text("Falscher Code.")
    expect(page).to_have_url(re.compile(re.escape(reverse("account_login"))))
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    assert not Authenticator.objects.exists()
    assert_page_sound(page)
