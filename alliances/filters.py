import django_filters
from django.utils.translation import gettext_lazy as _

from alliances.models import FederalState, Strategy, StrategyStatus

# Sort keys offered in the overview, mapped to the ORM ordering they stand for.
OVERVIEW_ORDERINGS = {
    "alliance": ("alliance__name",),
    "status": ("status", "alliance__name"),
    "submitted": ("last_submitted_at", "alliance__name"),
    "missing": ("missing_count", "alliance__name"),
    "changed": ("updated_at", "alliance__name"),
}


class OverviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StrategyStatus.choices, empty_label=_("alle")
    )
    state = django_filters.ModelChoiceFilter(
        label=_("Bundesland"), field_name="alliance__states", queryset=FederalState.objects.all(),
        to_field_name="code", empty_label=_("alle"),
    )
    sort = django_filters.OrderingFilter(
        label=_("Sortierung"),
        fields=[(fields[0], key) for key, fields in OVERVIEW_ORDERINGS.items()],
        field_labels={
            "alliance__name": _("Bündnis"),
            "status": _("Status"),
            "last_submitted_at": _("Eingereicht am"),
            "missing_count": _("Fehlende Angaben"),
            "updated_at": _("Letzte Änderung"),
        },
    )

    class Meta:
        model = Strategy
        fields = ["status", "state"]
