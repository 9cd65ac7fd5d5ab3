"""The filters the alliances stage adds to the search's query language (`feld`, `buendnis`, `land`, `status`,
`art`), and the group label of an alliance.

Each resolves to a Q over `portal.models.SearchEntry` with subqueries (never a list of ids from a query of its
own), so the engine keeps its one query; the scope of the user's kinds still applies on top of every filter.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from alliances.models import SECTION_FIELDS, Alliance, FederalState, Strategy, StrategyStatus
from alliances.search import (
    KIND_VALUES,
    SECTION_LABELS,
    SECTION_SLUGS,
    STRATEGY_SECTION,
    SUBMISSION_SECTION,
)
from portal.search import registry
from portal.search.registry import SearchFilter, filter_key


def _resolve_section(*, op, value, user):
    folded = filter_key(value)
    name = SECTION_SLUGS.get(folded) or (folded if folded in SECTION_FIELDS else None)
    if name is None:
        return None
    return Q(kind__in=[STRATEGY_SECTION, SUBMISSION_SECTION], part=name)


def _section_values():
    return [(slug, str(SECTION_LABELS[name])) for slug, name in SECTION_SLUGS.items()]


def _alliances_matching(value):
    value = value.strip()
    return Alliance.objects.filter(
        Q(acronym__iexact=value) | Q(slug__iexact=value) | Q(name__icontains=value) | Q(acronym__icontains=value)
    )


def _resolve_alliance(*, op, value, user):
    # Any text is a valid alliance filter: an alliance that does not exist (or is out of scope) simply has no hits.
    if not value.strip():
        return None
    return Q(alliance_id__in=_alliances_matching(value).values("pk"))


def _resolve_state(*, op, value, user):
    value = value.strip()
    if not value:
        return None
    states = FederalState.objects.filter(Q(code__iexact=value) | Q(name__iexact=value))
    return Q(alliance_id__in=Alliance.objects.filter(states__in=states).values("pk"))


def _state_values():
    return [(state.code, state.name) for state in FederalState.objects.order_by("name")]


STATUS_VALUES = {
    "entwurf": StrategyStatus.DRAFT,
    "eingereicht": StrategyStatus.SUBMITTED,
    "wiedergeoeffnet": StrategyStatus.REOPENED,
    "wieder-geoeffnet": StrategyStatus.REOPENED,
}


def _resolve_status(*, op, value, user):
    folded = filter_key(value).replace(" ", "-")
    status = STATUS_VALUES.get(folded) or (folded if folded in StrategyStatus.values else None)
    if status is None:
        return None
    # The status of the alliance's strategy in the entry's cycle.
    return Q(
        Exists(
            Strategy.objects.filter(alliance_id=OuterRef("alliance_id"), cycle_id=OuterRef("cycle_id"), status=status)
        )
    )


def _status_values():
    return [
        ("entwurf", str(StrategyStatus.DRAFT.label)),
        ("eingereicht", str(StrategyStatus.SUBMITTED.label)),
        ("wieder-geoeffnet", str(StrategyStatus.REOPENED.label)),
    ]


def kind_filter(kind_values):
    """An `art:` provider for the given {value: (kind codes)}; the kind codes themselves are accepted too."""

    known = {code for codes in kind_values.values() for code in codes}

    def resolve(*, op, value, user):
        folded = filter_key(value)
        if folded in kind_values:
            return Q(kind__in=list(kind_values[folded]))
        if folded in known:
            return Q(kind=folded)
        return None

    return resolve


def _kind_values():
    return [
        ("strategie", str(_("Strategie-Abschnitte"))),
        ("pdf", str(_("Seiten der PDF-Dokumente"))),
        ("frage", str(_("Fragen und Antworten"))),
        ("faq", str(_("FAQ"))),
    ]


def group_labels(alliance_ids, using="default"):
    """Alliance id → "ACRONYM – Name" (or the name alone) in one query."""
    labels = {}
    alliances = Alliance.objects.using(using).filter(pk__in=alliance_ids)
    for pk, acronym, name in alliances.values_list("pk", "acronym", "name"):
        labels[pk] = f"{acronym} – {name}" if acronym and acronym != name else name
    return labels


def register():
    registry.register_filter(
        SearchFilter(
            key="feld",
            aliases=("abschnitt", "section", "field"),
            help=_("feld:massnahmen – nur dieser Abschnitt der Strategie"),
            resolve=_resolve_section,
            values=_section_values,
        )
    )
    registry.register_filter(
        SearchFilter(
            key="buendnis",
            aliases=("bündnis", "alliance"),
            help=_("bündnis:DIANA – nur Texte dieses Bündnisses (Akronym, Kurzname oder Teil des Namens)"),
            resolve=_resolve_alliance,
        )
    )
    registry.register_filter(
        SearchFilter(
            key="land",
            aliases=("bundesland", "state"),
            help=_("land:BY oder land:Bayern – nur Bündnisse aus diesem Bundesland"),
            resolve=_resolve_state,
            values=_state_values,
        )
    )
    registry.register_filter(
        SearchFilter(
            key="status",
            aliases=(),
            help=_("status:eingereicht – nur Bündnisse, deren Strategie diesen Status hat"),
            resolve=_resolve_status,
            values=_status_values,
        )
    )
    registry.register_filter(
        SearchFilter(
            key="art",
            aliases=("kind", "typ", "type"),
            help=_("art:pdf – nur diese Art von Text"),
            resolve=kind_filter(KIND_VALUES),
            values=_kind_values,
        )
    )
    registry.register_group_labels(group_labels)
