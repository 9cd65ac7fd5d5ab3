"""What the decision stage makes searchable and who may read it.

Two kinds: what the decision letter shows (its rationale and the conditions), read by staff and, once released, by
the alliance (FundingDecision.visible_to); and the internal reasons (the internal rationale, amount over the
request, budget overrun, correction), read by the programme office and the ministry only, never by an alliance.
"""

import rules
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliances import search as alliance_search
from alliances.search.filters import kind_filter
from decisions.models import FundingDecision
from portal.search import index, registry
from portal.search.index import IndexedText
from portal.search.registry import NOTHING, SearchFilter, SearchKind, filter_key

DECISION = "decision"
DECISION_INTERNAL = "decision_internal"

DECISION_PARTS = {"letter_rationale": _("Begründung für den Bescheid"), "conditions": _("Auflagen")}
INTERNAL_PARTS = {
    "rationale": _("Interne Begründung"),
    "over_request_reason": _("Begründung für einen Betrag über der Beantragung"),
    "budget_override_reason": _("Begründung für die Überschreitung des Budgets"),
    "supersession_reason": _("Grund der Korrektur"),
}
# `feld:` values for the decision's texts; each kind's scope still decides who reads which part.
FIELD_SLUGS = {
    "auflagen": [(DECISION, "conditions")],
    "begruendung": [(DECISION, "letter_rationale"), (DECISION_INTERNAL, "rationale")],
}
KIND_VALUES = {"entscheidung": (DECISION, DECISION_INTERNAL)}


def hit_url(kind, object_id):
    return reverse("decisions:search_hit", args=[kind, object_id])


def decision_link(hit, user):
    return hit_url(hit.kind, hit.object_id)


def part_label(part):
    return DECISION_PARTS.get(part) or INTERNAL_PARTS.get(part, "")


def _texts(decision, parts):
    strategy = decision.strategy
    return [
        IndexedText(
            body=getattr(decision, name) or "", part=name, alliance_id=strategy.alliance_id, cycle_id=strategy.cycle_id
        )
        for name in parts
    ]


def index_decision(decision):
    """The decision's texts; call inside the service's transaction after saving it."""
    index.replace_entries(kind=DECISION, object_id=decision.pk, texts=_texts(decision, DECISION_PARTS))
    index.replace_entries(kind=DECISION_INTERNAL, object_id=decision.pk, texts=_texts(decision, INTERNAL_PARTS))


def _decisions():
    return (
        FundingDecision.objects.select_related("strategy")
        .order_by("pk")
        .iterator(chunk_size=alliance_search.REBUILD_BATCH)
    )


def reindex_decisions():
    return alliance_search.rebuild(DECISION, ((d.pk, _texts(d, DECISION_PARTS)) for d in _decisions()))


def reindex_internal_reasons():
    return alliance_search.rebuild(DECISION_INTERNAL, ((d.pk, _texts(d, INTERNAL_PARTS)) for d in _decisions()))


def decision_scope(user):
    """decisions.read_decision, as FundingDecision.visible_to: staff all, an alliance its released decisions."""
    if not (rules.has_perm("decisions.view_dashboard", user) or rules.has_perm("decisions.read_own_decision", user)):
        return NOTHING
    return alliance_search.objects_in(FundingDecision.objects.visible_to(user))


def internal_scope(user):
    """The internal reasons: the dashboard's readers (programme office and ministry) only."""
    if not rules.has_perm("decisions.view_dashboard", user):
        return NOTHING
    return alliance_search.objects_in(FundingDecision.objects.visible_to(user))


def _resolve_field(*, op, value, user):
    found = FIELD_SLUGS.get(filter_key(value))
    if found is None:
        return None
    query = Q()
    for kind, part in found:
        query |= Q(kind=kind, part=part)
    return query


def register():
    registry.register_kind(
        SearchKind(
            code=DECISION,
            label=_("Entscheidung"),
            scope=decision_scope,
            link=decision_link,
            part_label=part_label,
            reindex_all=reindex_decisions,
            order=70,
        )
    )
    registry.register_kind(
        SearchKind(
            code=DECISION_INTERNAL,
            label=_("Interne Begründung der Entscheidung"),
            scope=internal_scope,
            link=decision_link,
            part_label=part_label,
            reindex_all=reindex_internal_reasons,
            order=75,
        )
    )
    registry.register_filter(
        SearchFilter(
            key="feld",
            aliases=("abschnitt", "section", "field"),
            help=_("feld:begruendung – nur die Begründung einer Entscheidung (feld:auflagen auch deren Auflagen)"),
            resolve=_resolve_field,
            values=lambda: [("begruendung", str(_("Begründung")))],
        )
    )
    registry.register_filter(
        SearchFilter(
            key="art",
            aliases=("kind", "typ", "type"),
            help=_("art:entscheidung – nur Förderentscheidungen"),
            resolve=kind_filter(KIND_VALUES),
            values=lambda: [("entscheidung", str(_("Förderentscheidungen")))],
        )
    )
