"""Middleware of the portal's own."""

import logging

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from portal.receivers import idle_seconds_for, keep_session_alive, second_factor_missing

logger = logging.getLogger(__name__)


class PrivateResponsesMiddleware:
    """Marks every response to a signed-in user `Cache-Control: private, no-store`.

    Pages, document and dossier downloads and exports show one person's view of confidential evaluation data;
    neither a shared browser's cache nor a proxy may keep them. Static files are served before this middleware
    (WhiteNoise) and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class RequestSizeMiddleware:
    """Refuses a request body over its limit from the Content-Length alone, before anything reads it.

    It stands before every view and so before the CSRF check, which would parse the body of a POST. A signed-in
    user may send one upload (`UPLOAD_MAX_BYTES`) plus the form around it; an anonymous visitor only
    `ANONYMOUS_BODY_MAX_BYTES`, enough for the sign-in and reset forms. Without a Content-Length the WSGI server
    hands Django an empty body, so the header bounds what can be read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if request.user.is_authenticated:
            limit = settings.UPLOAD_MAX_BYTES + settings.UPLOAD_FORM_OVERHEAD_BYTES
        else:
            limit = settings.ANONYMOUS_BODY_MAX_BYTES
        if length > limit:
            return _body_too_large(request, limit)
        return self.get_response(request)


def _body_too_large(request, limit):
    message = _("Die gesendeten Daten sind zu groß; erlaubt sind höchstens %(limit)s.") % {
        "limit": filesizeformat(limit)
    }
    logger.warning("Refused a request body of %s bytes to %s", request.META.get("CONTENT_LENGTH"), request.path)
    if request.headers.get("HX-Request") == "true":
        # htmx swaps a 413 (see htmx-config) into the page's live region, so the uploader reads why.
        response = render(request, "partials/refusal.html", {"message": message}, status=413)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "413.html", {"message": message}, status=413)


# What a user who still needs a second factor may reach: setting one up, and leaving.
_SECOND_FACTOR_SETUP_VIEWS = {
    "account_logout",
    "account_reauthenticate",
    "account_security",
    "set_language",
    "health",
}


class SecondFactorRequiredMiddleware:
    """Sends staff (programme office, ministry, admins) to set up a second factor before any other page.

    allauth's own MFA pages (`mfa_*`) stay reachable, so the factor can be added; the programme office and the
    ministry hold the process and the money, so a password alone never opens the portal to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or not second_factor_missing(request):
            return None
        match = request.resolver_match
        name = match.url_name if match else ""
        if name in _SECOND_FACTOR_SETUP_VIEWS or (name or "").startswith("mfa_"):
            return None
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("mfa_activate_totp")
            return response
        return redirect("mfa_activate_totp")


class CacheUnavailableMiddleware:
    """Answers 503 with a German page when a view cannot reach Redis, the cache behind the sign-in rate limits.

    Signing in, the second factor (used codes are kept there) and the password reset fail closed: without the
    cache nothing counts failed attempts, and a password could be guessed at full speed, while managers and
    experts have no second factor behind it. Sessions live in the database, so people already signed in go on
    working; only new sign-ins wait for Redis to return.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RedisError):
            return None
        logger.error("Refused %s %s: the cache (Redis) is unreachable: %s", request.method, request.path, exception)
        return render(request, "503.html", status=503)


class SessionIdleTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES_STAFF (programme office, ministry, admins) or SESSION_IDLE_MINUTES
    of no use: each use moves the session's end on (see portal.receivers.keep_session_alive)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            keep_session_alive(request)
        response = self.get_response(request)
        # allauth's password form gives the session its own expiry right after signing in (SESSION_COOKIE_AGE);
        # the role's idle time replaces it before the session is saved.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            idle_seconds = idle_seconds_for(user)
            if request.session.get("_session_expiry") != idle_seconds:
                request.session.set_expiry(idle_seconds)
        return response
