"""Single sign-on through an OpenID Connect provider: it reaches existing active accounts by their verified e-mail
address, never creates one, takes no role from the provider's claims, and staff still enter their second factor.

The provider is a small one of the test's own on 127.0.0.1 (discovery, authorize, token with an RS256-signed
id_token, userinfo, JWKS); the browser's visit to it is a urllib request, the rest goes through the test client.
"""

import base64
import hashlib
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from portal.models import Role, User
from tests.factories import UserFactory, totp_code
from tests.helpers import run_in_checkout

pytestmark = pytest.mark.django_db

CLIENT_ID = "wir-portal"
CLIENT_SECRET = "test-only-client-secret"  # noqa: S105 - the test provider's own
PROVIDER_NAME = "Anmeldedienst des Ministeriums"
KEY_ID = "test-key-1"
# What a provider may claim about a person; the portal must never read it.
POWERFUL_CLAIMS = {"role": "ministry", "groups": ["admin"], "roles": ["superuser"], "is_staff": True}


class LocalIdentityProvider:
    """An OpenID Connect provider for one test: it signs in whoever `claims` describes."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.claims = {}
        self.codes = {}
        self.tokens = {}
        self.requests = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def configuration(self):
        return {
            "issuer": self.base_url,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "userinfo_endpoint": f"{self.base_url}/userinfo",
            "jwks_uri": f"{self.base_url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def jwks(self):
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**key, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query):
        assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
        assert "openid" in query["scope"][0].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "claims": dict(self.claims),
            "redirect_uri": query["redirect_uri"][0],
            "challenge": query.get("code_challenge", [""])[0],
        }
        separator = "&" if "?" in query["redirect_uri"][0] else "?"
        params = urllib.parse.urlencode({"code": code, "state": query["state"][0]})
        return query["redirect_uri"][0] + separator + params

    def token(self, form):
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        if grant["challenge"]:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return 400, {"error": "invalid_grant"}
        now = int(time.time())
        id_token = jwt.encode(
            {"iss": self.base_url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **grant["claims"]},
            self.key,
            algorithm="RS256",
            headers={"kid": KEY_ID},
        )
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = grant["claims"]
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def userinfo(self, authorization):
        claims = self.tokens.get(authorization.removeprefix("Bearer "))
        return (200, claims) if claims is not None else (401, {"error": "invalid_token"})

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10

            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                provider.requests.append(url.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, provider.configuration())
                elif url.path == "/jwks":
                    self._json(200, provider.jwks())
                elif url.path == "/userinfo":
                    self._json(*provider.userinfo(self.headers.get("Authorization", "")))
                elif url.path == "/authorize":
                    self.send_response(302)
                    self.send_header("Location", provider.authorize(urllib.parse.parse_qs(url.query)))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                provider.requests.append(url.path)
                length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if url.path == "/token":
                    self._json(*provider.token(form))
                else:
                    self._json(404, {"error": "not_found"})

        return Handler


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visit_provider(url):
    """The browser at the provider's authorize page: where the provider sends it back to."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(url, timeout=10)
    assert redirect.value.code == 302
    return redirect.value.headers["Location"]


@pytest.fixture
def idp(settings):
    with LocalIdentityProvider() as provider:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": settings.OIDC_PROVIDER_ID,
                        "name": PROVIDER_NAME,
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": provider.base_url},
                    }
                ],
            }
        }
        yield provider


def sso_login_url():
    return reverse("openid_connect_login", kwargs={"provider_id": "sso"})


def sign_in_by_sso(client, idp, **claims):
    """Presses the SSO button, signs in at the provider as `claims` say, and returns the portal's answer to the
    provider's redirect back."""
    idp.claims = {"sub": claims.pop("sub", "person-1"), "email_verified": True, **claims}
    started = client.post(sso_login_url(), {"process": "login"})
    assert started.status_code == 302, started.content[:500]
    assert started["Location"].startswith(f"{idp.base_url}/authorize?")
    back = urllib.parse.urlsplit(visit_provider(started["Location"]))
    assert back.path == reverse("openid_connect_callback", kwargs={"provider_id": "sso"})
    return client.get(f"{back.path}?{back.query}")


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def configure_unreachable_provider(settings):
    """A provider at the discard port: nothing listens there, so a connection is refused at once."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": PROVIDER_NAME,
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": "http://127.0.0.1:9"},
                }
            ]
        }
    }


def test_a_manager_signs_in_by_sso_and_keeps_the_portals_role_whatever_the_provider_claims(client, idp, manager):
    response = sign_in_by_sso(client, idp, email=manager.email, **POWERFUL_CLAIMS)

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(manager.pk)
    manager.refresh_from_db()
    assert manager.role == Role.ALLIANCE_MANAGER
    assert not (manager.is_staff or manager.is_superuser)
    assert not manager.groups.exists() and not manager.user_permissions.exists()
    assert not manager.has_perm("portal.read_outbox")
    assert client.get(reverse("outbox")).status_code == 403
    # The provider was really asked: its token (RS256 id_token) and its userinfo.
    assert {"/.well-known/openid-configuration", "/authorize", "/token", "/userinfo"} <= set(idp.requests)
    assert SocialAccount.objects.get(user=manager).uid == "person-1"


def test_the_address_is_matched_without_regard_to_case(client, idp, manager):
    sign_in_by_sso(client, idp, email=manager.email.upper())
    assert signed_in_user_id(client) == str(manager.pk)


def test_an_unknown_address_is_refused_in_german_and_no_account_is_created(client, idp, manager):
    users_before = User.objects.count()

    response = sign_in_by_sso(client, idp, email="neu@ministerium.example", **POWERFUL_CLAIMS)

    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    page = client.get(response["Location"])
    assert "Für diese E-Mail-Adresse gibt es kein Konto im Portal." in page.content.decode()
    assert signed_in_user_id(client) is None
    assert User.objects.count() == users_before
    assert not User.objects.filter(email__iexact="neu@ministerium.example").exists()
    assert not SocialAccount.objects.exists()


def test_an_inactive_account_is_refused(client, idp, manager):
    manager.is_active = False
    manager.save()

    response = sign_in_by_sso(client, idp, email=manager.email)

    assert response["Location"] == reverse("account_login")
    assert "Dieses Konto ist deaktiviert." in client.get(response["Location"]).content.decode()
    assert signed_in_user_id(client) is None
    assert not SocialAccount.objects.exists()


def test_an_address_the_provider_has_not_verified_is_refused(client, idp, manager):
    response = sign_in_by_sso(client, idp, email=manager.email, email_verified=False)

    assert response["Location"] == reverse("account_login")
    assert "keine bestätigte E-Mail-Adresse" in client.get(response["Location"]).content.decode()
    assert signed_in_user_id(client) is None


def test_an_identity_linked_to_one_account_does_not_reach_another_after_its_address_changed(
    client, idp, manager, expert
):
    sign_in_by_sso(client, idp, sub="person-7", email=manager.email)
    client.post(reverse("account_logout"))

    response = sign_in_by_sso(client, idp, sub="person-7", email=expert.email)

    assert response["Location"] == reverse("account_login")
    assert signed_in_user_id(client) is None


def test_staff_enter_their_second_factor_after_sso(client, idp, programme_office):
    response = sign_in_by_sso(client, idp, email=programme_office.email, groups=["admin"])

    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))

    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    done = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert done.status_code == 302
    assert signed_in_user_id(client) == str(programme_office.pk)
    programme_office.refresh_from_db()
    assert programme_office.role == Role.PROGRAMME_OFFICE and not programme_office.is_superuser


def test_staff_without_a_factor_are_sent_to_set_one_up_after_sso(client, idp):
    ministry = UserFactory(email="bmbf3@bmbf.example", role=Role.MINISTRY, second_factor=False)

    sign_in_by_sso(client, idp, email=ministry.email)

    assert signed_in_user_id(client) == str(ministry.pk)
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")


def test_the_login_page_offers_sso_only_when_a_provider_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    page = client.get(reverse("account_login")).content.decode()
    assert sso_login_url() not in page
    assert client.post(sso_login_url()).status_code == 404

    configure_unreachable_provider(settings)
    page = client.get(reverse("account_login")).content.decode()
    assert f'action="{sso_login_url()}?process=login"' in page
    assert f"Über {PROVIDER_NAME} anmelden" in page


def test_a_provider_that_cannot_be_reached_is_reported_in_german(client, settings, manager):
    configure_unreachable_provider(settings)
    response = client.post(sso_login_url(), {"process": "login"})
    assert response["Location"] == reverse("account_login")
    assert (
        "Die Anmeldung über den Anmeldedienst ist nicht gelungen."
        in client.get(reverse("account_login")).content.decode()
    )


def settings_from_environment(**variables):
    env = {key: value for key, value in os.environ.items() if not key.startswith("OIDC_")}
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    return run_in_checkout(
        [".venv/bin/python", "-c", code], {**env, **variables, "DJANGO_SETTINGS_MODULE": "portal.settings"}, timeout=60
    )


def test_the_oidc_variables_switch_the_provider_on_and_half_a_configuration_is_refused():
    off = settings_from_environment()
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout) == {}

    on = settings_from_environment(
        OIDC_PROVIDER_NAME=PROVIDER_NAME,
        OIDC_SERVER_URL="https://idp.example/realms/bmbf",
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )
    assert on.returncode == 0, on.stderr
    (app,) = json.loads(on.stdout)["openid_connect"]["APPS"]
    assert app["name"] == PROVIDER_NAME and app["provider_id"] == "sso"
    assert app["settings"]["server_url"] == "https://idp.example/realms/bmbf"

    half = settings_from_environment(OIDC_SERVER_URL="https://idp.example/realms/bmbf")
    assert half.returncode != 0
    assert "OIDC_CLIENT_ID" in half.stderr
