"""Forms of jury mode: a juror's note on a pitch, the chair's attendance list and the jury's result."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alliances.forms import AmountField
from reviews import validators
from reviews.models import Recommendation

__all__ = ["AttendanceForm", "JuryNoteForm", "JuryResultForm"]


class JuryNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Ihre Notiz (nur für Sie sichtbar, bis der Pitch abgeschlossen ist)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
    )


class AttendanceForm(forms.Form):
    """One checkbox per member of the session; the unticked ones are recorded as absent."""

    present = forms.MultipleChoiceField(
        label=_("Anwesend"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (str(member.user_id), f"{member.user} ({member.get_role_display()})") for member in members
        ]
        if not self.is_bound:
            self.initial["present"] = [str(member.user_id) for member in members if member.present]


class JuryResultForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Starts empty: the jury's recommendation is chosen, never taken over from a default.
    recommendation = forms.ChoiceField(
        label=_("Empfehlung der Jury"),
        choices=[("", _("– bitte wählen –"))]
        + [choice for choice in Recommendation.choices if choice[0] != Recommendation.ABSTAIN],
        error_messages={"required": _("Bitte wählen Sie die Empfehlung der Jury.")},
    )
    proposed_amount = AmountField(
        label=_("Vorgeschlagener Betrag (EUR)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": _("Bitte geben Sie einen Betrag in Euro ein, z. B. 6.500.000,00."),
            "min_value": validators.AMOUNT_NOT_NEGATIVE,
        },
    )
    conditions = forms.CharField(
        label=_("Auflagen"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    statement = forms.CharField(
        label=_("Stellungnahme der Jury"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Bitte geben Sie die Stellungnahme der Jury ein.")},
    )
    change_reason = forms.CharField(
        label=_("Grund der Änderung des bisherigen Votums"),
        help_text=_("Nötig, wenn Empfehlung, Betrag oder Auflagen vom bisherigen Votum abweichen."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, replaces_votum=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Without a Votum there is nothing to replace, so no reason to give.
        if not replaces_votum:
            del self.fields["change_reason"]

    def service_values(self):
        """The input as record_jury_result's keyword arguments; version 0 (no Votum yet) expects none."""
        values = dict(self.cleaned_data)
        values["expected_version"] = values.pop("version") or None
        return values
