"""Single sign-on through an OpenID Connect identity provider (allauth's socialaccount), on the portal's terms.

The identity provider only vouches for who is at the keyboard: an e-mail address it has verified. That address
leads to an existing, active portal account or nowhere. An SSO sign-in never creates an account (the programme
office creates them) and takes no role, group or other permission from the provider's claims: roles are given in
the portal, and a claim such as "role" or "groups" is never read. The sign-in then goes through allauth's login
stages like a password sign-in, so whoever has a second factor still enters it, and staff without one are sent
to set it up (portal.middleware.SecondFactorRequiredMiddleware).
"""

import logging

import requests
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount import app_settings
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal.models import User

logger = logging.getLogger(__name__)


def verified_emails(sociallogin):
    """The addresses the identity provider says it verified (OpenID Connect's `email_verified`), lower-case."""
    return sorted({address.email.strip().lower() for address in sociallogin.email_addresses if address.verified})


def portal_account_for(emails):
    """The portal account with one of `emails`, active or not; None when there is none."""
    if not emails:
        return None
    query = Q()
    for email in emails:
        query |= Q(email__iexact=email)
    return User.objects.filter(query).order_by("pk").first()


def _refuse(request, message, *, reason):
    logger.warning("Single sign-on refused: %s", reason)
    messages.error(request, message)
    raise ImmediateHttpResponse(redirect("account_login"))


def _failed_message():
    return _(
        "Die Anmeldung über den Anmeldedienst ist nicht gelungen. Versuchen Sie es erneut oder melden Sie sich mit "
        "Ihrem Passwort an."
    )


class _ProviderSession(requests.Session):
    """Talks to the identity provider; an unreachable or failing provider ends the sign-in with a message.

    allauth fetches the provider's configuration before it redirects there, outside its own error handling, so
    without this an identity provider that is down would answer the login button with a server error.
    """

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", app_settings.REQUESTS_TIMEOUT)
        try:
            response = super().request(*args, **kwargs)
            response.raise_for_status()
        except requests.RequestException as error:
            _refuse(context.request, _failed_message(), reason=f"identity provider failed: {error}")
        return response


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Connects an SSO sign-in to the existing active account with the same verified e-mail address, or refuses."""

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        emails = verified_emails(sociallogin)
        if not emails:
            _refuse(
                request,
                _(
                    "Der Anmeldedienst hat keine bestätigte E-Mail-Adresse übermittelt. Melden Sie sich mit Ihrem "
                    "Passwort an oder wenden Sie sich an den Projektträger."
                ),
                reason="no verified e-mail address",
            )
        user = portal_account_for(emails)
        if user is None:
            _refuse(
                request,
                _(
                    "Für diese E-Mail-Adresse gibt es kein Konto im Portal. Konten legt der Projektträger an; "
                    "wenden Sie sich bitte dorthin."
                ),
                reason="no account with the verified address",
            )
        if not user.is_active:
            _refuse(
                request,
                _("Dieses Konto ist deaktiviert. Wenden Sie sich bitte an den Projektträger."),
                reason=f"account {user.pk} is inactive",
            )
        # A link stored earlier, or the account being connected while signed in, must be this same account:
        # an identity whose address changed at the provider does not keep its way into another account.
        linked_elsewhere = sociallogin.is_existing and sociallogin.user.pk != user.pk
        connecting_another = (
            sociallogin.state.get("process") == AuthProcess.CONNECT
            and request.user.is_authenticated
            and request.user.pk != user.pk
        )
        if linked_elsewhere or connecting_another:
            _refuse(
                request,
                _(
                    "Die E-Mail-Adresse beim Anmeldedienst passt nicht zu Ihrem Konto im Portal. Wenden Sie sich "
                    "bitte an den Projektträger."
                ),
                reason=f"identity does not belong to account {user.pk}",
            )
        if not sociallogin.is_existing and sociallogin.state.get("process") != AuthProcess.CONNECT:
            # Remembers which identity signed in to which account; the user row itself is not changed.
            sociallogin.connect(request, user)

    def populate_user(self, request, sociallogin, data):
        # Nothing the provider says becomes part of a portal account (no account is ever created from it).
        return sociallogin.user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        _refuse(request, _failed_message(), reason=f"authentication error {error} {exception!r}")

    def get_requests_session(self):
        return _ProviderSession()
