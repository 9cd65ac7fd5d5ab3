"""Forms of the strategy workspace and of the programme office's actions on a strategy."""

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from alliances import validators
from alliances.forms.fields import DATETIME_INVALID, AmountField, DateTimeLocalInput, budget_field_name
from alliances.forms.widgets import CountedTextarea, TextInput
from alliances.models import STRATEGY_SECTIONS, BudgetCategory, DocumentKind
from portal.uploads import receive_pdf


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
                widget=CountedTextarea(attrs={"rows": 6}),
                help_text=_("Höchstens %(limit)s Zeichen.") % {"limit": number_format(limit, force_grouping=True)},
                error_messages={"max_length": validators.SECTION_TOO_LONG},
            )
        for year in strategy.cycle.years:
            for category, category_label in BudgetCategory.choices:
                self.fields[budget_field_name(year, category)] = AmountField(
                    label=_("%(category)s %(year)s (EUR)") % {"category": category_label, "year": year},
                    required=False,
                    validators=[validators.validate_budget_cell],
                    widget=TextInput(attrs={"class": "form-control form-control-sm text-end"}),
                    error_messages={"invalid": validators.AMOUNT_INVALID},
                )

    def full_clean(self):
        super().full_clean()
        # The budget grid is rendered by hand, so mark invalid inputs for Bootstrap here.
        for name in self.errors:
            if name.startswith("budget_"):
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-describedby"] = f"id_{name}_error"

    def section_fields(self):
        return [self[name] for name, _label, _limit in STRATEGY_SECTIONS]

    def section_rows(self):
        """(bound field, its text area) per section, with the CSS classes crispy forms' Bootstrap 5 field gives it:
        the workspace writes the field's markup itself, which renders much faster than `as_crispy_field`."""
        rows = []
        for field in self.section_fields():
            css = "textarea form-control is-invalid" if field.errors else "textarea form-control"
            rows.append((field, field.as_widget(attrs={"class": css})))
        return rows

    def budget_rows(self):
        """Rows of (category label, [bound fields per year]) for the budget table."""
        years = self.strategy.cycle.years
        return [
            (label, [self[budget_field_name(year, category)] for year in years])
            for category, label in BudgetCategory.choices
        ]

    def clean(self):
        cleaned = super().clean()
        try:
            validators.validate_budget_within_cap(
                self.budget_values(cleaned), self.strategy.cycle.max_grant_per_alliance
            )
        except forms.ValidationError as error:
            self.add_error(None, error)
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
        # Only the quick checks; the worker inspects and cleans the file after it is stored.
        receive_pdf(uploaded)
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
        widget=DateTimeLocalInput,
        help_text=_("Uhrzeit in deutscher Zeit (Europe/Berlin)."),
    )


class DeadlineExtensionForm(ReasonForm):
    new_deadline = forms.DateTimeField(
        label=_("Neue Frist"),
        widget=DateTimeLocalInput,
        help_text=_("Uhrzeit in deutscher Zeit (Europe/Berlin)."),
        error_messages={
            "required": _("Bitte geben Sie die neue Frist an."),
            "invalid": DATETIME_INVALID,
        },
    )

    field_order = ["new_deadline", "reason"]
