"""The privacy notice (Datenschutzerklärung, Art. 13 DSGVO): public, linked from every footer and from sign-in."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.privacy import addresses, registry
from portal.privacy.models import RetentionRule


@login_not_required
@require_GET
def privacy_notice(request):
    """Controller and data protection officer from settings; the purposes from the personal-data registry and the
    retention periods from the schedule, so that the notice says what the portal does."""
    rules = [
        (rule, sorted({str(item.purpose) for item in registry.declarations_in(rule.code) if not item.derived_from}))
        for rule in RetentionRule.objects.order_by("code")
    ]
    context = {
        "controller": {
            "name": settings.PRIVACY_CONTROLLER_NAME,
            "address": settings.PRIVACY_CONTROLLER_ADDRESS,
            "email": settings.PRIVACY_CONTROLLER_EMAIL,
        },
        "dpo": {"name": settings.PRIVACY_DPO_NAME, "email": settings.PRIVACY_DPO_EMAIL},
        "rules": rules,
        "address_window_minutes": int(addresses.throttle_window().total_seconds() // 60),
    }
    return render(request, "portal/privacy_notice.html", context)
