"""The permission matrix of the account pages: allauth's sign-in, password, second-factor and session pages, and
the portal's security page and unlocking of locked accounts.

Every route × anonymous and each role. Accounts belong to their holder: nobody reaches another user's factors (404),
a page that changes a factor first asks to re-authenticate (staff with their factor, the others with their
password), and the flows this portal does not offer (sign-up, managing e-mail addresses, sign-in or
re-authentication by a mailed code, confirming an address by link) answer with a closed page or a redirect.
tests/permission_routes.py lists these routes against this test.
"""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from portal.models import OutgoingMessage, Role, User
from tests.factories import UserFactory, role_actors
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, reauthenticated, request_as

pytestmark = pytest.mark.django_db

# Where a fresh sign-in is sent before a page that changes a factor: staff confirm with their factor, the others
# (no factor yet) with their password.
REAUTH = "account_reauthenticate"
REAUTH_MFA = "mfa_reauthenticate"
HOME = "home"
# URL name, method, expected status per actor in the order of ROLE_ACTORS; a status may be a URL name instead: a
# redirect there. Every actor is freshly signed in (force_login), so re-authentication is due.
MATRIX = [
    # The portal's own account pages.
    ("account_security", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("locked_accounts", "get", [LOGIN, 403, 403, 200, 403, 200]),
    ("unlock_account", "post", [LOGIN, 403, 403, "locked_accounts", 403, "locked_accounts"]),
    # Signing in and out; a signed-in user asking for the login page goes home.
    ("account_login", "get", [200, HOME, HOME, HOME, HOME, HOME]),
    ("account_login", "post", [200, HOME, HOME, HOME, HOME, HOME]),
    ("account_logout", "get", ["account_login", 200, 200, 200, 200, 200]),
    ("account_logout", "post", ["account_login"] * 6),
    ("account_inactive", "get", [200, 200, 200, 200, 200, 200]),
    # Sign-up is closed (accounts are created by the programme office): a page that says so, nothing created.
    ("account_signup", "get", [200, HOME, HOME, HOME, HOME, HOME]),
    ("account_signup", "post", [200, HOME, HOME, HOME, HOME, HOME]),
    # The second step of signing in and passkey sign-in: without a sign-in under way, back to the login page.
    ("mfa_authenticate", "get", ["account_login", HOME, HOME, HOME, HOME, HOME]),
    ("mfa_login_webauthn", "get", ["account_login", HOME, HOME, HOME, HOME, HOME]),
    ("mfa_login_webauthn", "post", ["account_login", HOME, HOME, HOME, HOME, HOME]),
    # Sign-in by a mailed code is not enabled: nothing to confirm, nothing is mailed.
    ("account_confirm_login_code", "get", ["account_login", HOME, HOME, HOME, HOME, HOME]),
    ("account_confirm_login_code", "post", ["account_login", HOME, HOME, HOME, HOME, HOME]),
    # Re-authentication: with the password for those without a factor, with the factor for those with one (the
    # password alone is too weak for staff). By a mailed code it is not enabled: back to the methods offered.
    ("account_reauthenticate", "get", [LOGIN, 200, 200, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("mfa_reauthenticate", "get", [LOGIN, REAUTH, REAUTH, 200, 200, 200]),
    ("account_request_reauthentication_code", "get", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("account_request_reauthentication_code", "post", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("account_confirm_reauthentication_code", "get", [LOGIN] + ["account_request_reauthentication_code"] * 5),
    ("account_confirm_reauthentication_code", "post", [LOGIN] + ["account_request_reauthentication_code"] * 5),
    ("mfa_reauthenticate_webauthn", "get", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    # Managing e-mail addresses: the address is the identity the programme office set, so the page leads to the
    # security page instead (see test_nobody_changes_their_sign_in_address).
    ("account_email", "get", [LOGIN] + ["account_security"] * 5),
    ("account_email", "post", [LOGIN] + ["account_security"] * 5),
    # Single sign-on (allauth's socialaccount): without OIDC_ settings no provider exists, so its routes answer 404;
    # sign-up through a provider is closed like every sign-up.
    ("openid_connect_login", "get", [404, 404, 404, 404, 404, 404]),
    ("openid_connect_callback", "get", [404, 404, 404, 404, 404, 404]),
    ("socialaccount_login_cancelled", "get", [200, 200, 200, 200, 200, 200]),
    ("socialaccount_login_error", "get", [LOGIN, 401, 401, 401, 401, 401]),
    ("socialaccount_signup", "get", ["account_login"] * 6),
    ("socialaccount_connections", "get", [LOGIN, 200, 200, 200, 200, 200]),
    # Confirming an address by mail is not enabled (ACCOUNT_EMAIL_VERIFICATION "none"): a page that says so.
    ("account_email_verification_sent", "get", [200, 200, 200, 200, 200, 200]),
    ("account_confirm_email", "get", [200, 200, 200, 200, 200, 200]),
    ("account_confirm_email", "post", [404, 404, 404, 404, 404, 404]),
    # Passwords: everyone has one (set by the reset link), so "set" leads to "change".
    ("account_change_password", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("account_change_password", "post", [LOGIN, 200, 200, 200, 200, 200]),
    ("account_set_password", "get", [LOGIN] + ["account_change_password"] * 5),
    ("account_reset_password", "get", [200, 200, 200, 200, 200, 200]),
    ("account_reset_password", "post", [200, 200, 200, 200, 200, 200]),
    ("account_reset_password_done", "get", [200, 200, 200, 200, 200, 200]),
    ("account_reset_password_from_key", "get", [200, 200, 200, 200, 200, 200]),
    ("account_reset_password_from_key_done", "get", [200, 200, 200, 200, 200, 200]),
    # Second factors and sessions: one's own only; a change asks to re-authenticate first.
    ("mfa_index", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("mfa_activate_totp", "get", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("mfa_deactivate_totp", "get", [LOGIN, 404, 404, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("mfa_view_recovery_codes", "get", [LOGIN, 404, 404, REAUTH_MFA, 404, 404]),
    ("mfa_download_recovery_codes", "get", [LOGIN, 404, 404, REAUTH_MFA, 404, 404]),
    ("mfa_generate_recovery_codes", "get", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("mfa_list_webauthn", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("mfa_add_webauthn", "get", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("mfa_edit_webauthn", "get", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("mfa_remove_webauthn", "get", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("usersessions_list", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("usersessions_list", "post", [LOGIN] + ["usersessions_list"] * 5),
]

# The same pages right after re-authenticating: now the owner reaches them, and nobody reaches another user's
# factor (another programme-office member's passkey, the programme office's recovery codes).
REAUTHENTICATED_MATRIX = [
    ("mfa_activate_totp", "get", [LOGIN, 200, 200] + ["mfa_deactivate_totp"] * 3),
    ("mfa_deactivate_totp", "get", [LOGIN, 404, 404, 200, 200, 200]),
    # Without a factor the page only explains that recovery codes need one (its form refuses).
    ("mfa_generate_recovery_codes", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("mfa_view_recovery_codes", "get", [LOGIN, 404, 404, 200, 404, 404]),
    ("mfa_download_recovery_codes", "get", [LOGIN, 404, 404, 200, 404, 404]),
    ("mfa_add_webauthn", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("mfa_reauthenticate_webauthn", "get", [LOGIN, REAUTH, REAUTH, REAUTH_MFA, REAUTH_MFA, REAUTH_MFA]),
    ("mfa_edit_webauthn", "get", [LOGIN, 404, 404, 404, 404, 404]),
    ("mfa_remove_webauthn", "get", [LOGIN, 404, 404, 404, 404, 404]),
    ("mfa_remove_webauthn", "post", [LOGIN, 404, 404, 404, 404, 404]),
]


@pytest.fixture(scope="module")
def world(built_once):
    """The actors, recovery codes for the programme office, and a passkey of a colleague of theirs; built once.

    The passkey has no real credential, so its owner cannot open allauth's passkey pages: it only stands for
    someone else's factor."""
    actors = role_actors(manager=UserFactory(role=Role.ALLIANCE_MANAGER))
    office = actors["programme_office"]
    RecoveryCodes.activate(office)
    passkey = Authenticator.objects.create(
        user=UserFactory(role=Role.PROGRAMME_OFFICE),
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Schlüssel im Büro", "credential": {}},
    )
    return {"actors": actors, "passkey": passkey, "locked": UserFactory(role=Role.EXPERT)}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each case starts with the rate limits unspent: the matrix signs in and posts more often than a person."""
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=cache.make_key("allauth:rl:*")):
        client.delete(key)


def url_for(name, world):
    kwargs = {
        "unlock_account": {"pk": world["locked"].pk},
        "mfa_edit_webauthn": {"pk": world["passkey"].pk},
        "mfa_remove_webauthn": {"pk": world["passkey"].pk},
        "account_confirm_email": {"key": "unknown-key"},
        "account_reset_password_from_key": {"uidb36": "1", "key": "set-password"},
        "openid_connect_login": {"provider_id": settings.OIDC_PROVIDER_ID},
        "openid_connect_callback": {"provider_id": settings.OIDC_PROVIDER_ID},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def assert_answer(response, want, message):
    """`want` is a status, LOGIN, or the URL name a redirect must lead to."""
    if isinstance(want, str) and want != LOGIN:
        assert response.status_code == 302, message
        assert response["Location"].partition("?")[0] == reverse(want), message
    else:
        assert_status(response, want, message)


DATA = {
    "account_change_password": {"oldpassword": "wrong", "password1": "x", "password2": "y"},
}


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_account_permission_matrix(client, world, name, method, actor, want):
    url = url_for(name, world)
    response = request_as(client, world["actors"][actor], method, url, DATA.get(name))
    assert_answer(response, want, f"{actor} {method.upper()} {url}")


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(REAUTHENTICATED_MATRIX))
def test_account_permission_matrix_after_reauthentication(client, world, name, method, actor, want):
    url = url_for(name, world)
    user = world["actors"][actor]
    if user is not None:
        client.force_login(user)
        reauthenticated(client)
    response = client.get(url) if method == "get" else client.post(url)
    assert_answer(response, want, f"{actor} {method.upper()} {url}")
    assert Authenticator.objects.filter(pk=world["passkey"].pk).exists()


def test_nobody_signs_up(client):
    response = client.post(reverse("account_signup"), {"email": "neu@example.org", "password1": "Lang-und-geheim-42"})
    assert response.status_code == 200
    assert not User.objects.filter(email="neu@example.org").exists()


def test_nobody_changes_their_sign_in_address(client):
    """The address is the identity the programme office set: adding one and making it primary changes nothing."""
    manager = UserFactory(role=Role.ALLIANCE_MANAGER, email="bm@example.org")
    client.force_login(manager)
    client.post(reverse("account_email"), {"action_add": "", "email": "anders@example.org"})
    client.post(reverse("account_email"), {"action_primary": "", "email": "anders@example.org"})
    manager.refresh_from_db()
    assert manager.email == "bm@example.org"
    assert not EmailAddress.objects.filter(email="anders@example.org").exists()


def test_no_code_is_mailed_for_reauthentication(client):
    """Re-authentication by a mailed code is not enabled: asking for one sends nothing."""
    manager = UserFactory(role=Role.ALLIANCE_MANAGER)
    client.force_login(manager)
    response = client.post(reverse("account_request_reauthentication_code"))
    assert response.status_code == 302
    assert not OutgoingMessage.objects.filter(recipient_email=manager.email).exists()
