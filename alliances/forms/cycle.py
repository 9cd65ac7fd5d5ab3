"""The programme office's form for a cycle's dates, budget and phase override."""

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from alliances import validators
from alliances.forms.fields import DATETIME_INVALID, AmountField, DateTimeLocalInput
from alliances.models import Phase
from alliances.validators import CYCLE_DATE_FIELDS, CYCLE_NAME_MAX_LENGTH, CYCLE_SETTING_FIELDS

DATE_HELP = {
    "submission_opens_at": _("Ab diesem Zeitpunkt können die Bündnisse ihre Strategie bearbeiten und einreichen."),
    "submission_deadline": _(
        "Bis zu diesem Zeitpunkt können die Bündnisse einreichen (einzelne Verlängerungen gelten weiter)."
    ),
    "review_deadline": _("Bis dahin geben die Gutachterinnen und Gutachter ihre Gutachten ab."),
    "panel_deadline": _("Bis dahin konsolidiert der Projektträger das Votum je Strategie."),
    "decision_deadline": _("Bis dahin bestätigt das Ministerium die Förderentscheidungen."),
    "released_at": _(
        "Optional. Ab diesem Zeitpunkt gilt die Phase „Freigegeben“; frühestens nach dem Ende der Jurysitzungen."
    ),
}


def _help_with_time_zone(name):
    return _("%(help)s Uhrzeit in deutscher Zeit (Europe/Berlin).") % {"help": DATE_HELP[name]}


# Formatting a lazy string translates it at once: the fields are built at import, so it waits for the page.
_lazy_help_with_time_zone = lazy(_help_with_time_zone, str)


def _datetime_field(name, required=True):
    return forms.DateTimeField(
        label=validators.cycle_field_label(name),
        required=required,
        widget=DateTimeLocalInput,
        help_text=_lazy_help_with_time_zone(name),
        error_messages={
            "required": validators.cycle_date_required_message(name),
            "invalid": DATETIME_INVALID,
        },
    )


def _reminder_field(name):
    return forms.IntegerField(
        label=validators.cycle_field_label(name),
        min_value=1,
        max_value=validators.MAX_REMINDER_HOURS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": validators.cycle_date_required_message(name),
            "invalid": _("Bitte geben Sie eine ganze Zahl von Stunden an."),
            "min_value": _("Bitte geben Sie mindestens %(limit_value)s Stunde an."),
            "max_value": _("Bitte geben Sie höchstens %(limit_value)s Stunden an."),
        },
    )


def phase_override_choices():
    return [("", _("keine – Phase ergibt sich aus den Terminen")), *Phase.choices]


class CycleSettingsForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        label=_("Name der Begutachtungsrunde"),
        max_length=CYCLE_NAME_MAX_LENGTH,
        error_messages={"required": validators.CYCLE_NAME_REQUIRED, "max_length": validators.CYCLE_NAME_TOO_LONG},
    )
    submission_opens_at = _datetime_field("submission_opens_at")
    submission_deadline = _datetime_field("submission_deadline")
    review_deadline = _datetime_field("review_deadline")
    panel_deadline = _datetime_field("panel_deadline")
    decision_deadline = _datetime_field("decision_deadline")
    released_at = _datetime_field("released_at", required=False)
    budget = AmountField(
        label=_("Budget der Runde (EUR)"),
        validators=[validators.validate_cycle_budget],
        help_text=_(
            "Gesamtbudget für die zweite Umsetzungsphase aller Bündnisse, z. B. 120.000.000,00. Ob es die "
            "bestätigten Förderentscheidungen deckt, prüft das Dashboard."
        ),
        error_messages={
            "required": validators.CYCLE_BUDGET_REQUIRED,
            "invalid": validators.CYCLE_BUDGET_INVALID,
        },
    )
    phase_override = forms.ChoiceField(
        label=_("Phase (manuell)"),
        required=False,
        choices=phase_override_choices,
        error_messages={"invalid_choice": validators.PHASE_INVALID},
        help_text=_(
            "Eine manuelle Phase gilt statt der aus den Terminen berechneten, bis Sie sie wieder auf "
            "„keine“ setzen; die Termine selbst bleiben unverändert. Eine Phase nach der Einreichung schließt "
            "die Bearbeitung für alle Bündnisse ohne eigene Fristverlängerung."
        ),
    )
    first_reminder_hours = _reminder_field("first_reminder_hours")
    second_reminder_hours = _reminder_field("second_reminder_hours")
    last_reminder_hours = _reminder_field("last_reminder_hours")
    reason = forms.CharField(
        label=_("Anlass der Änderung (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wird mit der Änderung in der Historie gespeichert."),
        error_messages={"max_length": _("Bitte fassen Sie den Anlass in höchstens %(limit_value)d Zeichen.")},
    )
    confirm_past = forms.BooleanField(
        label=_("Ja, die Frist soll in der Vergangenheit liegen."),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        # The same order rule as the service's, shown at the field it concerns.
        hours = [(name, cleaned[name]) for name in validators.CYCLE_REMINDER_FIELDS if cleaned.get(name) is not None]
        for name, message in validators.reminder_order_errors(hours):
            self.add_error(name, message)
        # The date inputs show minutes only: an unchanged date keeps its stored seconds.
        for name in [*CYCLE_DATE_FIELDS, "released_at"]:
            initial, value = self.initial.get(name), cleaned.get(name)
            if initial is None or value is None:
                continue
            shown = timezone.localtime(initial).replace(second=0, microsecond=0)
            if value == shown:
                cleaned[name] = initial
        return cleaned

    def changed_dates(self):
        """The date fields whose valid new value differs from the cycle's (call after is_valid())."""
        return [
            name
            for name in [*CYCLE_DATE_FIELDS, "released_at"]
            if name in self.cleaned_data and self.cleaned_data[name] != self.initial.get(name)
        ]

    @classmethod
    def initial_for(cls, cycle, version):
        initial = {name: getattr(cycle, name) for name in CYCLE_SETTING_FIELDS}
        initial["version"] = version
        return initial
