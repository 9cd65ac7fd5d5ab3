import django_filters
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from alliances.models import FederalState, Strategy, StrategyStatus

# URL sort keys of the overview, mapped to the annotated or model field they order by.
OVERVIEW_ORDERINGS = {
    "alliance": "alliance__name",
    "status": "status",
    "submitted": "last_submitted_at",
    "missing": "missing_count",
    "changed": "updated_at",
}


def _descending(label):
    # django-filter's own lazy "%s (descending)", resolved only when the label is shown.
    return django_filters.OrderingFilter.descending_fmt % label


descending_label = lazy(_descending, str)


class TranslatedOrderingFilter(django_filters.OrderingFilter):
    """An OrderingFilter whose "(descending)" labels follow the active language.

    django-filter formats them once at import, so they kept the language of the process start.
    """

    def build_choices(self, fields, labels):
        ascending = [(param, labels.get(field, param)) for field, param in fields.items()]
        descending = [(f"-{param}", descending_label(label)) for param, label in ascending]
        return [choice for pair in zip(ascending, descending, strict=True) for choice in pair]


class OverviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=StrategyStatus.choices, empty_label=_("alle"))
    state = django_filters.ModelChoiceFilter(
        label=_("Bundesland"),
        field_name="alliance__states",
        queryset=FederalState.objects.all(),
        to_field_name="code",
        empty_label=_("alle"),
    )
    sort = TranslatedOrderingFilter(
        label=_("Sortierung"),
        empty_label=_("Bündnis (A–Z)"),
        fields=[(field, key) for key, field in OVERVIEW_ORDERINGS.items()],
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filter_queryset(self, queryset):
        # Ties of the chosen sort (same status, same day) break by name and pk, so no row repeats or goes
        # missing between pages.
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "alliance__name", "pk")
