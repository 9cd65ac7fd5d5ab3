import rules
from django import template

from dossiers.models import DossierKind
from dossiers.rules import DossierSubject
from dossiers.views import panel_context, privacy_panel_context

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


@register.inclusion_tag("dossiers/partials/panel.html", takes_context=True)
def personal_data_panel(context):
    """The signed-in person's latest data export as PDF, with the button that has a worker print it afresh."""
    request = context["request"]
    return {
        **privacy_panel_context(request, DossierKind.PERSONAL_DATA, next_url=request.get_full_path()),
        "csrf_token": context.get("csrf_token"),
    }
