"""Form fields the alliances stage shares with later stages."""

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

DATETIME_INVALID = _("Bitte geben Sie Datum und Uhrzeit gültig an.")


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date and time picker; it shows and sends minutes only."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


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
