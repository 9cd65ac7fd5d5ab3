"""The account pages of the portal's own: a user's security overview, and unlocking locked accounts."""

import rules
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts import currently_locked_accounts, unlock_account
from portal.models import AccountEvent, User
from portal.rules import require_permission


@require_GET
def account_security(request):
    """Password, second factors and open sessions of the signed-in user, with the pages to change them."""
    factors = list(Authenticator.objects.filter(user=request.user).order_by("type", "created_at"))
    return render(
        request,
        "portal/account_security.html",
        {
            "factors": [factor for factor in factors if factor.type != Authenticator.Type.RECOVERY_CODES],
            "has_recovery_codes": any(factor.type == Authenticator.Type.RECOVERY_CODES for factor in factors),
            "needs_second_factor": rules.test_rule("needs_second_factor", request.user),
            "session_count": UserSession.objects.filter(user=request.user).count(),
        },
    )


@require_GET
def locked_accounts(request):
    """Accounts locked after too many failed sign-ins, for the programme office and admins to unlock."""
    require_permission(request.user, "portal.unlock_account")
    events = AccountEvent.objects.select_related("user", "actor")[:50]
    return render(
        request, "portal/locked_accounts.html", {"locked": currently_locked_accounts(request), "events": events}
    )


@require_POST
def unlock(request, pk):
    require_permission(request.user, "portal.unlock_account")
    user = get_object_or_404(User, pk=pk)
    unlock_account(request, user=user, unlocked_by=request.user)
    messages.success(request, _("Das Konto von %(name)s ist entsperrt.") % {"name": user.get_full_name()})
    return redirect("locked_accounts")
