"""An alliance's forms on its pitch page: the slides upload and the days on which it cannot pitch."""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# German first; ISO as well, since some browsers paste it.
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")


class PitchSlidesForm(forms.Form):
    slides = forms.FileField(
        label=gettext_lazy("Pitch-Folien (PDF)"),
        help_text=gettext_lazy("Eine neue Datei ersetzt die bisherige, sobald sie geprüft ist."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


def parse_day(text):
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day, no time of day
        except ValueError:
            continue
    raise ValidationError(
        _("„%(text)s“ ist kein Datum; bitte im Format TT.MM.JJJJ angeben.") % {"text": text}, code="invalid_date"
    )


class BlockedDatesForm(forms.Form):
    dates = forms.CharField(
        label=gettext_lazy("Tage, an denen Ihr Bündnis nicht pitchen kann"),
        help_text=gettext_lazy("Ein Datum je Zeile, im Format TT.MM.JJJJ. Leer lassen, wenn es keine gibt."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    reason = forms.CharField(label=gettext_lazy("Grund (optional)"), max_length=200, required=False)

    def clean_dates(self):
        days, errors = [], []
        for line in self.cleaned_data["dates"].replace(",", "\n").splitlines():
            text = line.strip()
            if not text:
                continue
            try:
                days.append(parse_day(text))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return sorted(set(days))

    @staticmethod
    def initial_text(days):
        return "\n".join(f"{day:%d.%m.%Y}" for day in days if isinstance(day, date))
