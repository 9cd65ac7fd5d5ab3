"""Where a search hit of the decision stage leads: the decision on the dashboard's alliance page (staff) or the
alliance's own decision page (its managers, once released).

A hit's link names its kind and object id only; this view checks the permission again, as the page it leads to,
and redirects there.
"""

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET

from decisions import search
from decisions.models import FundingDecision
from portal.rules import require_permission


@require_GET
def search_hit(request, kind, object_id):
    if kind not in (search.DECISION, search.DECISION_INTERNAL):
        raise Http404
    user = request.user
    staff = rules.has_perm("decisions.view_dashboard", user)
    if kind == search.DECISION_INTERNAL:
        require_permission(user, "decisions.view_dashboard")
    elif not (staff or rules.has_perm("decisions.read_own_decision", user)):
        raise PermissionDenied
    decision = get_object_or_404(
        FundingDecision.objects.visible_to(user).select_related("strategy__cycle", "strategy__alliance"), pk=object_id
    )
    require_permission(user, "decisions.read_decision", decision)
    cycle_slug, alliance_slug = decision.strategy.cycle.slug, decision.strategy.alliance.slug
    if staff:
        return redirect("decisions:alliance", cycle_slug, alliance_slug)
    return redirect("decisions:alliance_decision", cycle_slug, alliance_slug)
