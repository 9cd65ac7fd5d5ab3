"""What every programme-office page of the review stage does first, and how a page with a form answers."""

from django.shortcuts import get_object_or_404, render

from alliances.models import EvaluationCycle
from portal.rules import require_permission


def cycle_for_office(request, cycle_slug):
    """Role check first (403), then the cycle (404)."""
    require_permission(request.user, "reviews.use_office_pages")
    return get_object_or_404(EvaluationCycle, slug=cycle_slug)


def render_form_page(request, template, posted, **context):
    """Renders `template` with `context`; 422 when `posted` (a form or formset, None for readers) was sent and
    refused, so a failed post never reads as a success."""
    refused = posted is not None and posted.is_bound and not posted.is_valid()
    return render(request, template, context, status=422 if refused else 200)
