"""What an alliance's managers see of the decision stage: their released decisions, never reviews or experts."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from alliances.models import Strategy, current_cycle
from decisions.models import FundingDecision
from portal.rules import require_permission


@require_GET
def alliance_decision(request, cycle_slug, alliance_slug):
    """The released decision as the alliance sees it: outcome, conditions and letter, never the reviews."""
    require_permission(request.user, "decisions.read_own_decision")
    decision = (
        FundingDecision.objects.visible_to(request.user)
        .select_related("strategy__alliance", "strategy__cycle")
        .filter(strategy__cycle__slug=cycle_slug, strategy__alliance__slug=alliance_slug)
        .order_by("-released_at")
        .first()
    )
    if decision is None:
        raise Http404
    return render(request, "decisions/alliance_decision.html", {"decision": decision})


@require_GET
def my_decisions(request):
    """The alliance manager's decisions page: for each of their alliances in the current cycle the released
    decision with its letter, or a note that none is released yet. Never reviews or experts."""
    require_permission(request.user, "decisions.read_own_decision")
    cycle = current_cycle()
    strategies = (
        list(
            Strategy.objects.visible_to(request.user)
            .filter(cycle=cycle)
            .select_related("alliance", "cycle")
            .order_by("alliance__name")
        )
        if cycle
        else []
    )
    released = {}
    for decision in (
        FundingDecision.objects.visible_to(request.user)
        .filter(strategy__in=[strategy.pk for strategy in strategies])
        .order_by("-released_at")
    ):
        released.setdefault(decision.strategy_id, decision)
    entries = [{"strategy": strategy, "decision": released.get(strategy.pk)} for strategy in strategies]
    return render(request, "decisions/my_decisions.html", {"cycle": cycle, "entries": entries})
