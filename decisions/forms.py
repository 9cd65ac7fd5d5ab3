from django import forms
from django.utils.translation import gettext_lazy as _

from alliances.forms import AmountField
from decisions import validators
from decisions.models import PROPOSAL_FIELDS, Outcome

# An <input type="date"> reads and sends ISO dates only; a browser that falls back to a text field lets people
# type the German form, which is accepted too.
DATE_VALUE_FORMAT = "%Y-%m-%d"
DATE_INPUT_FORMATS = [DATE_VALUE_FORMAT, "%d.%m.%Y"]


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Starts empty: a decision is chosen, never taken over from a default.
    outcome = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[("", _("– bitte wählen –")), *Outcome.choices],
        error_messages={"required": _("Bitte wählen Sie eine Entscheidung.")},
    )
    granted_amount = AmountField(
        label=_("Bewilligter Betrag (EUR)"),
        min_value=0,
        max_value=15000000,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": validators.AMOUNT_INVALID,
            "min_value": validators.AMOUNT_NOT_NEGATIVE,
            "max_value": validators.AMOUNT_TOO_HIGH,
        },
    )
    funding_start = forms.DateField(
        label=_("Förderbeginn"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format=DATE_VALUE_FORMAT, attrs={"type": "date"}),
    )
    funding_end = forms.DateField(
        label=_("Förderende"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format=DATE_VALUE_FORMAT, attrs={"type": "date"}),
    )
    conditions = forms.CharField(
        label=_("Auflagen"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    rationale = forms.CharField(
        label=_("Interne Begründung"),
        help_text=_("Nur für das Ministerium und den Projektträger; wird nicht an das Bündnis übermittelt."),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": validators.RATIONALE_REQUIRED},
    )
    # Required for a rejection or a cut; the service checks it against the requested sum.
    letter_rationale = forms.CharField(
        label=_("Begründung für den Bescheid"),
        help_text=_(
            "Erscheint im Bescheid an das Bündnis. Pflicht bei einer Ablehnung oder einer Kürzung unter den "
            "beantragten Betrag."
        ),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    over_request_reason = forms.CharField(
        label=_("Begründung, falls der Betrag über der Beantragung liegt"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def content(self):
        return {name: self.cleaned_data[name] for name in PROPOSAL_FIELDS}


class CorrectionForm(DecisionForm):
    supersession_reason = forms.CharField(
        label=_("Grund der Korrektur"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": validators.CORRECTION_REASON_REQUIRED},
    )


class ConfirmForm(forms.Form):
    # Who confirms proves it is them on allauth's re-authentication page (second factor), not here.
    budget_override_reason = forms.CharField(
        label=_("Begründung, falls das Budget überschritten wird"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
