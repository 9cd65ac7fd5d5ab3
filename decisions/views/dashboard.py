"""The ministry's and programme office's dashboard of a cycle, with its CSV and XLSX exports."""

import rules
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from alliances.models import EvaluationCycle, FederalState, StrategyStatus
from alliances.shortcuts import redirect_to_current_cycle
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
    """The cycle, 100 alliances a page: ranking, budget, charts and decisions; cached per figures version."""
    cycle = cycle_for(request, cycle_slug)
    filters = dashboard_module.normalised_filters(_filters(request))
    figures = dashboard_module.figures_for(cycle=cycle, filters=filters, number=request.GET.get("seite"))
    page = figures.page()
    export_query = request.GET.copy()
    export_query.pop("seite", None)
    return render(
        request,
        "decisions/dashboard.html",
        {
            "cycle": cycle,
            "figures": figures,
            "cache_seconds": dashboard_module.CACHE_SECONDS,
            "rows": page.object_list,
            "page": page,
            "count": figures.count,
            "filters": filters,
            "budget": dashboard_module.budget_figures(cycle=cycle, sums=figures.budget_sums),
            "distribution": figures.distribution,
            "heatmap": figures.heatmap,
            "states": FederalState.objects.order_by("name"),
            "statuses": StrategyStatus.choices,
            "recommendations": dashboard_module.recommendation_filter_choices(),
            "sorts": dashboard_module.SORTS,
            "can_decide": rules.has_perm("decisions.decide", request.user),
            "export_query": export_query.urlencode(),
        },
    )
