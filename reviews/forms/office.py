from django import forms
from django.utils.translation import gettext_lazy as _

from alliances.forms import AmountField, ReasonForm
from alliances.models import FederalState
from reviews import validators
from reviews.models import ExpertProfile, Recommendation

__all__ = ["AssignForm", "ExpertProfileForm", "MatrixFilterForm", "ReasonForm", "ReviewPolicyForm", "VotumForm"]


class MatrixFilterForm(forms.Form):
    """The GET filter of the assignment matrix; an invalid value is ignored rather than refused."""

    suche = forms.CharField(
        label=_("Bündnis (Name oder Akronym)"), required=False, max_length=100, widget=forms.SearchInput
    )
    land = forms.ModelChoiceField(
        label=_("Bundesland"),
        queryset=FederalState.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("alle"),
    )
    # A search, not a list: a pool of hundreds of experts would make every page carry all their names.
    gutachter = forms.CharField(
        label=_("Gutachter/in (Name oder E-Mail)"), required=False, max_length=100, widget=forms.SearchInput
    )
    unterbesetzt = forms.BooleanField(label=_("nur mit zu wenigen Zuweisungen"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-check-input" if name == "unterbesetzt" else "form-select"
        for name in ("suche", "gutachter"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def filters(self):
        """The valid filters as keyword arguments of the matrix selectors; invalid ones are left out."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "search": cleaned.get("suche", ""),
            "state": cleaned.get("land"),
            "expert_search": cleaned.get("gutachter", ""),
            "understaffed": bool(cleaned.get("unterbesetzt")),
        }


class AssignForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Begründung für die Zuweisung trotz Hinweis auf Befangenheit"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, flagged, **kwargs):
        super().__init__(*args, **kwargs)
        self.flagged = flagged
        if not flagged:
            del self.fields["override_reason"]

    def clean_override_reason(self):
        reason = self.cleaned_data["override_reason"].strip()
        if self.flagged and len(reason) < 10:
            raise forms.ValidationError(
                _("Für diese Zuweisung ist eine schriftliche Begründung nötig (mindestens 10 Zeichen).")
            )
        return reason


class ExpertProfileForm(forms.ModelForm):
    class Meta:
        model = ExpertProfile
        fields = ["affiliation", "email_domain", "federal_state", "expertise_keywords", "declared_ties"]
        widgets = {
            "expertise_keywords": forms.Textarea(attrs={"rows": 2}),
            "declared_ties": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_email_domain(self):
        domain = self.cleaned_data["email_domain"].strip().lower().lstrip("@")
        if domain and ("." not in domain or " " in domain):
            raise forms.ValidationError(_("Bitte geben Sie eine Domain wie „uni-beispiel.de“ an."))
        return domain


class VotumForm(forms.Form):
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
    summary = forms.CharField(
        label=_("Zusammenfassung des Votums"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": validators.SUMMARY_MISSING},
    )

    def service_values(self):
        """The input as save_votum's keyword arguments; version 0 (no Votum yet) expects none."""
        values = dict(self.cleaned_data)
        values["expected_version"] = values.pop("version") or None
        return values


class CriterionForm(forms.Form):
    code = forms.SlugField(label=_("Kürzel"), max_length=40)
    title = forms.CharField(label=_("Titel"), max_length=200)
    title_en = forms.CharField(label=_("Titel (englisch)"), max_length=200, required=False)
    guiding_questions = forms.CharField(
        label=_("Leitfragen"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    weight = forms.IntegerField(label=_("Gewicht"), min_value=1, max_value=100)
    scale_min = forms.IntegerField(label=_("Skala von"), min_value=0, max_value=10, initial=0)
    scale_max = forms.IntegerField(label=_("Skala bis"), min_value=1, max_value=10, initial=5)
    justification_required = forms.BooleanField(label=_("Begründung erforderlich"), required=False, initial=True)
    allows_not_applicable = forms.BooleanField(label=_("„nicht anwendbar“ erlaubt"), required=False)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("scale_min") is not None
            and cleaned.get("scale_max") is not None
            and cleaned["scale_max"] <= cleaned["scale_min"]
        ):
            raise forms.ValidationError(_("Das Ende der Skala muss über dem Anfang liegen."))
        return cleaned


class BaseCriterionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        codes = [
            form.cleaned_data["code"].lower()
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]
        if len(codes) != len(set(codes)):
            raise forms.ValidationError(_("Jedes Kürzel darf nur einmal vorkommen."))
        if not codes:
            raise forms.ValidationError(_("Das Bewertungsschema braucht mindestens ein Kriterium."))


CriterionFormSet = forms.formset_factory(CriterionForm, formset=BaseCriterionFormSet, extra=1, can_delete=True)


class AssignmentImportForm(forms.Form):
    file = forms.FileField(label=_("CSV-Datei (Spalten: alliance, expert, override_reason)"), required=False)
    csv_text = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1_100_000)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("csv_text"):
            raise forms.ValidationError(_("Bitte wählen Sie eine CSV-Datei aus."))
        return cleaned

    def submitted_csv(self):
        """The uploaded file's bytes, or the text carried from the preview to the confirmation."""
        uploaded = self.cleaned_data.get("file")
        if uploaded:
            # One byte past the limit is enough for the import to refuse the file as too large.
            return uploaded.read(validators.MAX_ASSIGNMENT_CSV_BYTES + 1)
        return self.cleaned_data.get("csv_text", "")


def _whole_number_field(setting, *, label, help_text):
    return forms.IntegerField(
        label=label,
        min_value=setting.low,
        max_value=setting.high,
        help_text=help_text,
        error_messages={
            "required": setting.required,
            "invalid": validators.WHOLE_NUMBER,
            "min_value": setting.at_least,
            "max_value": setting.at_most,
        },
    )


class ReviewPolicyForm(forms.Form):
    experts_per_strategy = _whole_number_field(
        validators.EXPERTS_PER_STRATEGY,
        label=_("Gutachten je Strategie"),
        help_text=_("So viele Gutachter/innen weist der automatische Vorschlag jeder eingereichten Strategie zu."),
    )
    load_cap = _whole_number_field(
        validators.LOAD_CAP,
        label=_("Höchstzahl Strategien je Gutachter/in"),
        help_text=_("Mehr Strategien werden einer Person weder von Hand noch automatisch zugewiesen."),
    )
    disagreement_threshold = forms.DecimalField(
        label=_("Schwelle für Uneinigkeit (Punkte auf 0–100)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_(
            "Liegen die gewichteten Bewertungen einer Strategie um mehr als diesen Wert auseinander "
            "(höchste minus niedrigste), markiert das Dashboard sie als „uneinig“."
        ),
        error_messages={
            "required": validators.THRESHOLD_REQUIRED,
            "invalid": _("Bitte geben Sie die Schwelle als Zahl zwischen 0 und 100 an, z. B. 25 oder 22,5."),
            "min_value": validators.THRESHOLD_RANGE,
            "max_value": validators.THRESHOLD_RANGE,
            "max_digits": validators.THRESHOLD_RANGE,
            "max_whole_digits": validators.THRESHOLD_RANGE,
            "max_decimal_places": validators.THRESHOLD_DECIMALS,
        },
    )
    reason = forms.CharField(
        label=_("Anlass der Änderung (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wird mit der Änderung in der Historie gespeichert."),
        error_messages={"max_length": _("Bitte fassen Sie den Anlass in höchstens %(limit_value)d Zeichen.")},
    )
