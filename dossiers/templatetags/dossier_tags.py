from django import template

from decisions.models import DecisionStatus
from dossiers.rules import may_read
from dossiers.views import panel_context

register = template.Library()


@register.inclusion_tag("dossiers/partials/panel.html", takes_context=True)
def dossier_panel(context, kind, cycle, strategy=None):
    """The "create dossier" button with the latest dossier of this subject, for readers of the subject."""
    request = context["request"]
    if not may_read(request.user, kind=kind, strategy=strategy):
        return {"hidden": True}
    return {
        **panel_context(request, kind=kind, cycle=cycle, strategy=strategy),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def has_released(decisions):
    """Whether any of the (already loaded) decisions is released; costs no query."""
    return any(decision.status == DecisionStatus.RELEASED for decision in decisions)
