from decimal import Decimal

from django import forms
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext_lazy as _

from alliances.models import STRATEGY_SECTIONS, BudgetCategory, DocumentKind
from portal.uploads import inspect_pdf

# One cell above this is surely a typing error: the whole phase II is capped at 7 Mio. EUR.
MAX_BUDGET_CELL = Decimal("7000000")


def budget_field_name(year, category):
    return f"budget_{year}_{category}"


class AmountField(forms.DecimalField):
    """A euro amount typed the way people write it: "250.000,50" in German, "250,000.50" in English."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip().replace("\u00a0", "").replace(" ", "").removesuffix("EUR").removesuffix("€")
            text = text.replace(get_format("THOUSAND_SEPARATOR"), "").replace(get_format("DECIMAL_SEPARATOR"), ".")
            value = text
        return super().to_python(value)


class StrategyForm(forms.Form):
    """The sections and the budget plan of a strategy, saved together as one draft."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, strategy, **kwargs):
        self.strategy = strategy
        super().__init__(*args, **kwargs)
        for name, label, limit in STRATEGY_SECTIONS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=limit,
                widget=forms.Textarea(attrs={"rows": 6, "maxlength": limit}),
                help_text=_("Höchstens %(limit)s Zeichen.") % {"limit": number_format(limit, force_grouping=True)},
                error_messages={
                    "max_length": _(
                        "Der Text ist zu lang: höchstens %(limit_value)d Zeichen, eingegeben %(show_value)d."
                    )
                },
            )
        for year in strategy.cycle.years:
            for category, category_label in BudgetCategory.choices:
                self.fields[budget_field_name(year, category)] = AmountField(
                    label=_("%(category)s %(year)s (EUR)") % {"category": category_label, "year": year},
                    required=False,
                    min_value=Decimal("0"),
                    max_value=MAX_BUDGET_CELL,
                    max_digits=12,
                    decimal_places=2,
                    localize=True,
                    widget=forms.TextInput(
                        attrs={"inputmode": "decimal", "class": "form-control form-control-sm text-end"}
                    ),
                    error_messages={
                        "invalid": _("Bitte geben Sie einen Betrag in Euro ein, z. B. 125.000,00."),
                        "min_value": _("Der Betrag darf nicht negativ sein."),
                        "max_value": _("Der Betrag ist unplausibel hoch: höchstens %(limit_value)s EUR je Feld."),
                        "max_decimal_places": _("Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
                        "max_digits": _("Der Betrag ist unplausibel hoch."),
                        "max_whole_digits": _("Der Betrag ist unplausibel hoch."),
                    },
                )

    def full_clean(self):
        super().full_clean()
        # The budget grid is rendered by hand, so mark invalid inputs for Bootstrap here.
        for name in self.errors:
            if name.startswith("budget_"):
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-describedby"] = f"id_{name}_fehler"

    def section_fields(self):
        return [self[name] for name, _label, _limit in STRATEGY_SECTIONS]

    def budget_rows(self):
        """Rows of (category label, [bound fields per year]) for the budget table."""
        years = self.strategy.cycle.years
        return [
            (label, [self[budget_field_name(year, category)] for year in years])
            for category, label in BudgetCategory.choices
        ]

    def clean(self):
        cleaned = super().clean()
        budget = self.budget_values(cleaned)
        total = sum((amount for amount in budget.values() if amount is not None), Decimal("0"))
        cap = self.strategy.cycle.max_grant_per_alliance
        if total > cap:
            raise forms.ValidationError(
                _(
                    "Der Finanzplan summiert sich auf %(total)s EUR und übersteigt damit den Höchstbetrag von "
                    "%(cap)s EUR je Bündnis."
                )
                % {
                    "total": number_format(total, 2, force_grouping=True),
                    "cap": number_format(cap, 2, force_grouping=True),
                }
            )
        return cleaned

    def budget_values(self, cleaned=None):
        cleaned = self.cleaned_data if cleaned is None else cleaned
        return {
            (year, category): cleaned.get(budget_field_name(year, category))
            for year in self.strategy.cycle.years
            for category in BudgetCategory.values
        }

    def section_values(self):
        return {name: self.cleaned_data.get(name, "") for name, _label, _limit in STRATEGY_SECTIONS}


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Art des Dokuments"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("PDF-Datei"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={
            "required": _("Bitte wählen Sie eine PDF-Datei aus."),
            "empty": _("Die Datei ist leer."),
        },
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        inspect_pdf(uploaded)
        return uploaded


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Begründung"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Bitte geben Sie eine Begründung an."),
            "min_length": _("Bitte begründen Sie in mindestens %(limit_value)d Zeichen."),
        },
    )


class ReopenForm(ReasonForm):
    extend_until = forms.DateTimeField(
        label=_("Neue Frist (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Uhrzeit in deutscher Zeit (Europe/Berlin)."),
    )


class DeadlineExtensionForm(ReasonForm):
    new_deadline = forms.DateTimeField(
        label=_("Neue Frist"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Uhrzeit in deutscher Zeit (Europe/Berlin)."),
        error_messages={
            "required": _("Bitte geben Sie die neue Frist an."),
            "invalid": _("Bitte geben Sie Datum und Uhrzeit gültig an."),
        },
    )

    field_order = ["new_deadline", "reason"]
