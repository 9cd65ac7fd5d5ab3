from django import template
from django.urls import reverse

from dossiers.models import Dossier, DossierKind
from dossiers.rules import may_read

register = template.Library()


@register.inclusion_tag("dossiers/partials/panel.html", takes_context=True)
def dossier_panel(context, kind, cycle, strategy=None):
    """The "create dossier" button with the latest dossier of this subject, for readers of the subject."""
    request = context["request"]
    if not may_read(request.user, kind=kind, strategy=strategy):
        return {"hidden": True}
    latest = Dossier.objects.filter(kind=kind, cycle=cycle, strategy=strategy).order_by("-created_at").first()
    args = [kind, cycle.slug] + ([strategy.alliance.slug] if strategy else [])
    return {
        "request": request, "csrf_token": context.get("csrf_token"), "latest": latest,
        "label": DossierKind(kind).label,
        "request_url": reverse("dossiers:request" if strategy else "dossiers:request_cycle", args=args),
    }
