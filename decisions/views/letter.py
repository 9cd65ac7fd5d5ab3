"""The ministry's preview of a decision letter before it is released: the letter as the alliance would receive it
today, as HTML. Rendering a PDF in a request is too heavy: the draft PDF of the decision awaiting release is a dossier
(dossiers fills the page's slot), and the final PDF follows on release."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from alliances.models import Strategy
from decisions import selectors, services
from decisions.models import DecisionStatus, FundingDecision
from decisions.views.dashboard import cycle_for


@require_GET
def letter_preview(request, cycle_slug, alliance_slug, pk):
    cycle = cycle_for(request, cycle_slug, "decisions.decide")
    strategy = get_object_or_404(
        Strategy.objects.select_related("alliance", "cycle"), cycle=cycle, alliance__slug=alliance_slug
    )
    decision = get_object_or_404(
        FundingDecision.objects.select_related("strategy__alliance", "strategy__cycle", "confirmed_by", "supersedes"),
        strategy=strategy,
        pk=pk,
    )
    # A released letter is shown as it was sent; any other is rendered afresh from the decision as it is now.
    letter = decision.letter_html if decision.is_released and decision.letter_html else services.render_letter(decision)
    return render(
        request,
        "decisions/letter_preview.html",
        {
            "cycle": cycle,
            "strategy": strategy,
            "decision": decision,
            "letter": letter,
            "is_draft": decision.status != DecisionStatus.RELEASED,
            "draft_as_pdf": selectors.decision_awaiting_release(strategy) == decision,
            "missing_address": not (strategy.alliance.postal_street and strategy.alliance.postal_city),
            "missing_file_reference": not strategy.alliance.file_reference,
        },
    )
