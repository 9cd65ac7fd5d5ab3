"""What every programme-office page of the review stage does first."""

from django.shortcuts import get_object_or_404

from alliances.models import EvaluationCycle
from portal.rules import require_permission


def cycle_for_office(request, cycle_slug):
    """Role check first (403), then the cycle (404)."""
    require_permission(request.user, "reviews.use_office_pages")
    return get_object_or_404(EvaluationCycle, slug=cycle_slug)
