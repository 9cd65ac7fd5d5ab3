"""BITV 2.0 pages that every visitor can read without signing in: the accessibility statement, the page in
Leichte Sprache (Easy Read in English), and the way to report a barrier."""

from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def accessibility_statement(request):
    """The statement under § 12b BGG / BITV 2.0: status, known gaps, last review, feedback, enforcement body.
    The facts that change with an installation or a review come from settings."""
    return render(
        request,
        "portal/accessibility_statement.html",
        {
            "last_review": date.fromisoformat(settings.ACCESSIBILITY_LAST_REVIEW),
            "enforcement_body": settings.ACCESSIBILITY_ENFORCEMENT_BODY,
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "base_url": settings.PORTAL_BASE_URL,
            "operator": settings.PRIVACY_CONTROLLER_NAME,
        },
    )


@login_not_required
@require_GET
def easy_read(request):
    """The portal explained in Leichte Sprache: short sentences, one statement a line, hard words explained."""
    return render(request, "portal/easy_read.html", {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL})
