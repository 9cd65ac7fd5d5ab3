"""The ministry's and programme office's dashboard of a cycle, with its CSV and XLSX exports."""

import rules
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from alliances.models import EvaluationCycle, FederalState, StrategyStatus
from alliances.shortcuts import redirect_to_current_cycle
from decisions import charts
from decisions import dashboard as dashboard_module
from portal.rules import require_permission


def cycle_for(request, cycle_slug, perm="decisions.view_dashboard"):
    """The cycle of the URL, once the user holds `perm` (403 before the lookup, 404 for an unknown cycle)."""
    require_permission(request.user, perm)
    return get_object_or_404(EvaluationCycle, slug=cycle_slug)


@require_GET
def current_dashboard(request):
    require_permission(request.user, "decisions.view_dashboard")
    return redirect_to_current_cycle("decisions:dashboard")


def _filters(request):
    return dashboard_module.DashboardFilters(
        state=request.GET.get("state", ""),
        status=request.GET.get("status", ""),
        recommendation=request.GET.get("recommendation", ""),
        sort=request.GET.get("sort", "alliance"),
    )


@require_GET
def dashboard(request, cycle_slug):
    """The whole cycle on one page: ranking, budget, charts and decisions."""
    cycle = cycle_for(request, cycle_slug)
    filters = _filters(request)
    rows = dashboard_module.rows_for(cycle=cycle, filters=filters)
    points = dashboard_module.score_points(cycle=cycle)
    return render(
        request,
        "decisions/dashboard.html",
        {
            "cycle": cycle,
            "rows": rows,
            "filters": filters,
            "budget": dashboard_module.budget_panel(cycle=cycle, rows=rows),
            "distribution": charts.score_distribution(rows=rows, points=points),
            "heatmap": charts.criterion_heatmap(rows=rows, means=dashboard_module.criterion_means(cycle=cycle)),
            "states": FederalState.objects.order_by("name"),
            "statuses": StrategyStatus.choices,
            "recommendations": dashboard_module.recommendation_filter_choices(),
            "sorts": dashboard_module.SORTS,
            "can_decide": rules.has_perm("decisions.decide", request.user),
            "export_query": request.GET.urlencode(),
        },
    )
