"""How the portal signs people in: django-allauth, fitted to accounts that the programme office creates.

Nobody signs up. Account mails go through the outbox like every other mail. A locked account is told how long
to wait and is recorded in the audit log; the programme office can unlock it. Users with a second factor
re-authenticate with it, never with their password alone.
"""

import logging
import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import AccountEvent, AccountEventKind, User
from portal.notifications import send_account_mail

logger = logging.getLogger(__name__)

LOGIN_FAILED = "login_failed"


def _login_key(request, email):
    # The key allauth counts failed sign-ins of one account under (see DefaultAccountAdapter).
    return f"{get_current_site(request).domain}:{(email or '').lower()}"


def _account_rate_keys(request, email):
    """The cache keys of the per-account failed sign-in budgets (not the per-address ones)."""
    rates = allauth_ratelimit.get_rates(app="allauth.account", action=LOGIN_FAILED)
    return [
        (
            rate,
            allauth_ratelimit.get_cache_key(
                request, app="allauth.account", action=LOGIN_FAILED, rate=rate, key=_login_key(request, email)
            ),
        )
        for rate in rates
        if rate.per == "key"
    ]


def seconds_until_unlocked(request, email):
    """How long the account of `email` stays locked; 0 when it is not locked."""
    now = time.time()
    waits = []
    for rate, key in _account_rate_keys(request, email):
        history = [moment for moment in cache.get(key, []) if moment > now - rate.duration]
        if len(history) >= rate.amount:
            waits.append(min(history) + rate.duration - now)
    return max(waits, default=0)


def unlock_account(request, *, user, unlocked_by):
    """Forgets the failed sign-ins of `user`'s account (not of any address), so it can sign in at once.

    Side effects: clears the per-account budget in the cache and records the unlock in the account log.
    """
    for _rate, key in _account_rate_keys(request, user.email):
        cache.delete(key)
    AccountEvent.objects.create(user=user, kind=AccountEventKind.UNLOCKED, actor=unlocked_by)


def _wait_message(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Zu viele fehlgeschlagene Anmeldeversuche: Dieses Konto ist noch %(minutes)s Minute gesperrt. Versuchen "
        "Sie es danach erneut oder bitten Sie den Projektträger, es zu entsperren.",
        "Zu viele fehlgeschlagene Anmeldeversuche: Dieses Konto ist noch %(minutes)s Minuten gesperrt. Versuchen "
        "Sie es danach erneut oder bitten Sie den Projektträger, es zu entsperren.",
        minutes,
    ) % {"minutes": minutes}


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def send_mail(self, template_prefix, email, context):
        # Account mails are German, like every mail of the portal, and go through the outbox.
        with translation.override("de"):
            message = self.render_mail(template_prefix, email, {"email": email, **context})
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        send_account_mail(email=email, subject=message.subject, body_text=message.body, body_html=html)

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            email = credentials.get("email", "")
            wait = seconds_until_unlocked(request, email)
            user = User.objects.filter(email__iexact=email).first()
            if user is not None:
                AccountEvent.objects.create(
                    user=user,
                    kind=AccountEventKind.LOCKED,
                    client_address=allauth_ratelimit.get_ip(request),
                )
            logger.warning(
                "Sign-in refused: too many failures for an account or from %s", request.META.get("REMOTE_ADDR")
            )
            if wait:
                raise ValidationError(_wait_message(wait), code="too_many_login_attempts") from None
            raise ValidationError(
                _(
                    "Zu viele fehlgeschlagene Anmeldeversuche von diesem Anschluss. Versuchen Sie es in "
                    "%(minutes)s Minuten erneut."
                )
                % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                code="too_many_login_attempts",
            ) from None

    def authentication_failed(self, request, **credentials):
        user = User.objects.filter(email__iexact=credentials.get("email", "")).first()
        if user is not None:
            AccountEvent.objects.create(
                user=user, kind=AccountEventKind.SIGN_IN_FAILED, client_address=allauth_ratelimit.get_ip(request)
            )

    def get_reauthentication_methods(self, user):
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and Authenticator.objects.filter(user_id=user.pk).exists():
            # A second factor makes the password alone too weak to confirm a decision.
            methods = [method for method in methods if method["id"] != "reauthenticate"]
        return methods
