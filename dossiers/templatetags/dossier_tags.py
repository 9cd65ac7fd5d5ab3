import rules
from django import template

from dossiers.rules import DossierSubject
from dossiers.views import panel_context

register = template.Library()


@register.inclusion_tag("dossiers/partials/panel.html", takes_context=True)
def dossier_panel(context, kind, cycle, strategy=None):
    """The "create dossier" button with the latest dossier of this subject, for readers of the subject."""
    request = context["request"]
    if not rules.has_perm("dossiers.read_dossier", request.user, DossierSubject(kind, strategy)):
        return {"hidden": True}
    return {
        **panel_context(request, kind=kind, cycle=cycle, strategy=strategy),
        "csrf_token": context.get("csrf_token"),
    }
