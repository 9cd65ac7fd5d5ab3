"""Form fields the alliances stage shares with later stages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.formatting import AmountNotUnderstood, amount_writing_hint, parse_euro

DATETIME_INVALID = _("Bitte geben Sie Datum und Uhrzeit gültig an.")


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date and time picker; it shows and sends minutes only."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def budget_field_name(year, category):
    return f"budget_{year}_{category}"


class AmountField(forms.DecimalField):
    """A euro amount typed the way people write it in the active language (portal.formatting.parse_euro).

    An ambiguous amount ("1.5" in German, "1,5" in English) is refused with a message that shows how to write
    it; it is never reinterpreted. The input carries the same hint for the live preview of static/js/portal.js.
    """

    widget = forms.TextInput
    default_error_messages = {"ambiguous": _("„%(value)s“ ist nicht eindeutig.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        # Evaluated when the input is rendered, so the hint speaks the request's language, not the import's.
        return {
            **super().widget_attrs(widget),
            "inputmode": "decimal",
            "data-amount": True,
            "data-amount-hint": lazy(amount_writing_hint, str)(),
        }

    def to_python(self, value):
        if not isinstance(value, str):
            return super().to_python(value)
        try:
            return parse_euro(value)
        except AmountNotUnderstood as refusal:
            if refusal.ambiguous:
                message = format_lazy("{} {}", self.error_messages["ambiguous"], lazy(amount_writing_hint, str)())
                raise ValidationError(message, code="ambiguous", params={"value": value.strip()}) from None
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
