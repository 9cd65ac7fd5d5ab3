"""The portal's receivers of sign-in events: a session's idle time, and whether a second factor is missing.

Both answers are kept in the session, so the middleware that enforces them needs no query per request; they
change at sign-in and when the user adds or removes a factor.
"""

import time

import rules
from django.conf import settings

SECOND_FACTOR_MISSING = "portal_second_factor_missing"
LAST_ACTIVITY = "portal_last_activity"
# A session's expiry moves on with use, but at most once a minute, so a page view does not always write.
ACTIVITY_RESOLUTION_SECONDS = 60


def idle_seconds_for(user):
    """How long a session of `user` may stay unused."""
    minutes = (
        settings.SESSION_IDLE_MINUTES_STAFF
        if rules.test_rule("needs_second_factor", user)
        else (settings.SESSION_IDLE_MINUTES)
    )
    return minutes * 60


def keep_session_alive(request):
    """Moves the session's end to one idle time from now, at most once per ACTIVITY_RESOLUTION_SECONDS."""
    now = time.time()
    if now - request.session.get(LAST_ACTIVITY, 0) >= ACTIVITY_RESOLUTION_SECONDS:
        request.session.set_expiry(idle_seconds_for(request.user))
        request.session[LAST_ACTIVITY] = now


def start_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    request.session.set_expiry(idle_seconds_for(user))
    request.session[LAST_ACTIVITY] = time.time()
    if remember_second_factor_state(request, user=user):
        # Staff without a factor go straight to setting one up: the sign-in a moment ago is the confirmation
        # allauth would ask for again. It opens nothing else, as the middleware allows only the setup pages.
        from allauth.account.internal.flows.login import record_authentication

        record_authentication(request, user, method="password", reauthenticated=True)


def factor_changed(sender, request, user, **kwargs):
    # A new or lost factor changes what the session is worth: it gets a new key, as at sign-in.
    if request is not None and hasattr(request, "session"):
        request.session.cycle_key()
    remember_second_factor_state(request, user=user)


def second_factor_missing(request):
    """True while the signed-in user must set up a second factor before anything else."""
    missing = request.session.get(SECOND_FACTOR_MISSING)
    if missing is None:
        missing = remember_second_factor_state(request, user=request.user)
    return missing


def remember_second_factor_state(request, *, user, **kwargs):
    missing = rules.test_rule("needs_second_factor_setup", user)
    if request is not None and hasattr(request, "session"):
        request.session[SECOND_FACTOR_MISSING] = missing
    return missing


def connect():
    from allauth.mfa.signals import authenticator_added, authenticator_removed
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(start_session, dispatch_uid="portal-start-session")
    authenticator_added.connect(factor_changed, dispatch_uid="portal-factor-added")
    authenticator_removed.connect(factor_changed, dispatch_uid="portal-factor-removed")
