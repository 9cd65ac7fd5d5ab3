"""How the portal signs people in: django-allauth, fitted to accounts that the programme office creates.

Nobody signs up. Account mails go through the outbox like every other mail. A locked account is told how long
to wait and is recorded in the audit log; the programme office can unlock it. Users with a second factor
re-authenticate with it, never with their password alone. While the rate limit cache (Redis) is unreachable,
signing in fails closed (see portal.middleware.CacheUnavailableMiddleware for why).
"""

import logging
import math
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import ngettext

from portal.branding import PRODUCT_NAME
from portal.models import AccountEvent, AccountEventKind, User
from portal.notifications import send_account_mail
from portal.rules import has_second_factor

logger = logging.getLogger(__name__)

LOGIN_FAILED = "login_failed"


def _login_key(request, email):
    # The key allauth counts failed sign-ins of one account under (see DefaultAccountAdapter).
    return f"{get_current_site(request).domain}:{(email or '').lower()}"


def _rate_keys(request, key, per):
    """The cache keys under which allauth counts failed sign-ins for `key`, per account (`per="key"`) or per
    client address (`per="ip"`)."""
    rates = allauth_ratelimit.get_rates(app="allauth.account", action=LOGIN_FAILED)
    return [
        (rate, allauth_ratelimit.get_cache_key(request, app="allauth.account", action=LOGIN_FAILED, rate=rate, key=key))
        for rate in rates
        if rate.per == per
    ]


def _account_rate_keys(request, user):
    """The per-account budgets of `user`: failed passwords, and failed second-factor codes, which allauth counts
    under a key of the user's own."""
    return _rate_keys(request, _login_key(request, user.email), "key") + _rate_keys(
        request, f"mfa-auth-user-{user.pk}", "key"
    )


def _lock(request, email, per):
    """(seconds until the budget counted `per` account or address has room again, when it ran out); (0, None)
    while it has room."""
    now = time.time()
    waits = [(0, None)]
    for rate, key in _rate_keys(request, _login_key(request, email), per):
        history = [moment for moment in cache.get(key, []) if moment > now - rate.duration]
        if len(history) >= rate.amount:
            # The budget has room again once the oldest failure that still counts leaves the window.
            waits.append((sorted(history)[-rate.amount] + rate.duration - now, max(history)))
    return max(waits, key=lambda wait: wait[0])


def seconds_until_unlocked(request, email):
    """How long the account of `email` stays locked; 0 when it is not locked."""
    return _lock(request, email, "key")[0]


def wait_minutes(seconds):
    """A wait as people are told it: whole minutes, rounded up, at least one."""
    return max(1, math.ceil(seconds / 60))


def currently_locked_accounts(request):
    """The accounts locked now, by e-mail, each with the minutes it stays locked (for the unlock page)."""
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    users = User.objects.filter(account_events__kind=AccountEventKind.LOCKED, account_events__at__gte=since)
    locked = []
    for user in users.distinct().order_by("email"):
        wait = seconds_until_unlocked(request, user.email)
        if wait:
            locked.append({"user": user, "minutes": wait_minutes(wait)})
    return locked


def unlock_account(request, *, user, unlocked_by):
    """Forgets the failed sign-ins and second-factor codes of `user`'s account (not of any address), so it can
    sign in at once.

    Side effects: clears the per-account budgets in the cache and records the unlock in the account log.
    """
    for _rate, key in _account_rate_keys(request, user):
        cache.delete(key)
    AccountEvent.objects.create(user=user, kind=AccountEventKind.UNLOCKED, actor=unlocked_by)


def _wait_message(seconds):
    minutes = wait_minutes(seconds)
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

    def format_email_subject(self, subject):
        # send_account_mail puts the portal's name before every subject, as for all its mails.
        return str(subject)

    def send_mail(self, template_prefix, email, context):
        # Account mails are German, like every mail of the portal, and go through the outbox. They greet and
        # sign with the portal's name (there is no sites framework to name it).
        with translation.override("de"):
            site = SimpleNamespace(name=str(PRODUCT_NAME), domain=urlsplit(settings.PORTAL_BASE_URL).netloc)
            message = self.render_mail(template_prefix, email, {"email": email, "current_site": site, **context})
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        send_account_mail(email=email, subject=message.subject, body_text=message.body, body_html=html)

    def pre_authenticate(self, request, **credentials):
        email = credentials.get("email", "")
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            account_wait, locked_since = _lock(request, email, "key")
            if account_wait:
                self._record_lock(request, email, locked_since)
                raise ValidationError(_wait_message(account_wait), code="too_many_login_attempts") from None
            # The address is the throttle's business (it counts it in the cache); the log names no one.
            logger.warning("Sign-in refused: too many failed sign-ins from one client address")
            minutes = wait_minutes(_lock(request, email, "ip")[0])
            raise ValidationError(
                ngettext(
                    "Zu viele fehlgeschlagene Anmeldeversuche von diesem Anschluss. Versuchen Sie es in "
                    "%(minutes)s Minute erneut.",
                    "Zu viele fehlgeschlagene Anmeldeversuche von diesem Anschluss. Versuchen Sie es in "
                    "%(minutes)s Minuten erneut.",
                    minutes,
                )
                % {"minutes": minutes},
                code="too_many_login_attempts",
            ) from None

    def _record_lock(self, request, email, locked_since):
        # One LOCKED row per lock, however often a locked account is tried (a script would flood the log).
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            return
        since = datetime.fromtimestamp(locked_since, tz=UTC)
        if not AccountEvent.objects.filter(user=user, kind=AccountEventKind.LOCKED, at__gte=since).exists():
            AccountEvent.objects.create(
                user=user, kind=AccountEventKind.LOCKED, client_address=allauth_ratelimit.get_ip(request)
            )
            logger.warning("Account %s locked after too many failed sign-ins", user.pk)

    def authentication_failed(self, request, **credentials):
        user = User.objects.filter(email__iexact=credentials.get("email", "")).first()
        if user is not None:
            AccountEvent.objects.create(
                user=user, kind=AccountEventKind.SIGN_IN_FAILED, client_address=allauth_ratelimit.get_ip(request)
            )

    def get_reauthentication_methods(self, user):
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and has_second_factor(user):
            # A second factor makes the password alone too weak to confirm a decision.
            methods = [method for method in methods if method["id"] != "reauthenticate"]
        return methods
