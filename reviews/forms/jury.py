"""The programme office's forms for jury sessions: the session itself, and cancelling a slot."""

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliances.forms.fields import DATETIME_INVALID, DateTimeLocalInput
from portal.models import Role, User
from reviews.models import JuryRole

BERLIN = ZoneInfo("Europe/Berlin")
# <input type="date"> and "time" send ISO values; a browser falling back to a text field lets people type German.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H.%M"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M"]
# One break per line: "12:30–13:15" (en dash, hyphen or "bis"; a dot instead of the colon is fine).
BREAK_LINE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*(?:–|-|—|bis)\s*(\d{1,2})[:.](\d{2})\s*$")


def _people(role):
    return User.objects.filter(role=role, is_active=True).order_by("full_name", "email", "pk")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


def _at(day, clock):
    return datetime.combine(day, clock, tzinfo=BERLIN)


def parse_breaks(text, day):
    """(start, end) in Europe/Berlin for each line of `text`; a line that is not "HH:MM–HH:MM" raises a German
    ValidationError naming the line."""
    breaks, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = BREAK_LINE.match(line)
        try:
            if not match:
                raise ValueError
            h1, m1, h2, m2 = (int(part) for part in match.groups())
            start, end = _at(day, time(h1, m1)), _at(day, time(h2, m2))
        except ValueError:
            errors.append(
                _("Zeile %(number)s („%(line)s“): bitte als Uhrzeit von–bis schreiben, z. B. 12:30–13:15.")
                % {"number": number, "line": line.strip()}
            )
            continue
        if end <= start:
            errors.append(
                _("Zeile %(number)s („%(line)s“): Die Pause muss nach ihrem Beginn enden.")
                % {"number": number, "line": line.strip()}
            )
            continue
        breaks.append((start, end))
    if errors:
        raise ValidationError(errors)
    return breaks


class JurySessionForm(forms.Form):
    """A session's date and times on the Berlin wall clock, its people and its timing; the service checks the rest
    (https link, overlaps, in the past, a chair among the jurors) and its reasons join the form's errors."""

    title = forms.CharField(label=_("Titel"), max_length=200)
    day = forms.DateField(
        label=_("Datum"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": _("Bitte geben Sie ein gültiges Datum an (TT.MM.JJJJ).")},
    )
    start_time = forms.TimeField(
        label=_("Beginn (Uhrzeit)"),
        input_formats=TIME_INPUT_FORMATS,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        error_messages={"invalid": _("Bitte geben Sie eine Uhrzeit wie 09:00 an.")},
    )
    end_time = forms.TimeField(
        label=_("Ende (Uhrzeit)"),
        input_formats=TIME_INPUT_FORMATS,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        error_messages={"invalid": _("Bitte geben Sie eine Uhrzeit wie 17:00 an.")},
    )
    video_url = forms.URLField(
        label=_("Link zur Videokonferenz"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Eine https-Adresse; das Portal selbst überträgt kein Video."),
        error_messages={"invalid": _("Bitte geben Sie eine vollständige Adresse an, die mit https:// beginnt.")},
    )
    chair = PersonChoiceField(
        label=_("Vorsitz"),
        queryset=_people(Role.EXPERT),
        empty_label=_("– bitte wählen –"),
        help_text=_("Der Vorsitz ist zugleich Jurymitglied."),
    )
    jurors = PeopleChoiceField(
        label=_("Jurymitglieder"), queryset=_people(Role.EXPERT), widget=forms.CheckboxSelectMultiple, required=False
    )
    observers = PeopleChoiceField(
        label=_("Beobachtung (Ministerium)"),
        queryset=_people(Role.MINISTRY),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    pitch_minutes = forms.IntegerField(label=_("Pitch (Minuten)"), min_value=1, max_value=240, initial=15)
    qa_minutes = forms.IntegerField(label=_("Fragen und Antworten (Minuten)"), min_value=0, max_value=240, initial=15)
    buffer_minutes = forms.IntegerField(label=_("Puffer (Minuten)"), min_value=0, max_value=240, initial=5)
    slides_deadline = forms.DateTimeField(
        label=_("Frist für die Pitch-Folien"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeLocalInput,
        help_text=_("Leer: drei Tage vor Beginn."),
        error_messages={"invalid": DATETIME_INVALID},
    )
    change_deadline = forms.DateTimeField(
        label=_("Frist für Terminwahl und -wechsel"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeLocalInput,
        help_text=_("Leer: sieben Tage vor Beginn."),
        error_messages={"invalid": DATETIME_INVALID},
    )
    breaks = forms.CharField(
        label=_("Pausen"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Eine Pause je Zeile, z. B. 12:30–13:15."),
    )

    @classmethod
    def initial_of(cls, session):
        """The form's values for an existing session, on the Berlin wall clock."""
        starts, ends = timezone.localtime(session.starts_at, BERLIN), timezone.localtime(session.ends_at, BERLIN)
        members = list(session.members.all())
        return {
            "title": session.title,
            "day": starts.date(),
            "start_time": starts.time(),
            "end_time": ends.time(),
            "video_url": session.video_url,
            "chair": session.chair_id,
            "jurors": [m.user_id for m in members if m.role == JuryRole.JUROR],
            "observers": [m.user_id for m in members if m.role == JuryRole.OBSERVER],
            "pitch_minutes": session.pitch_minutes,
            "qa_minutes": session.qa_minutes,
            "buffer_minutes": session.buffer_minutes,
            "slides_deadline": timezone.localtime(session.slides_deadline, BERLIN),
            "change_deadline": timezone.localtime(session.change_deadline, BERLIN),
            "breaks": "\n".join(
                f"{timezone.localtime(pause.starts_at, BERLIN):%H:%M}–{timezone.localtime(pause.ends_at, BERLIN):%H:%M}"
                for pause in session.breaks.all()
            ),
        }

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            data["starts_at"], data["ends_at"] = _at(day, start), _at(day, end)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error(
                    "end_time", _("Das Ende muss nach dem Beginn liegen (eine Sitzung endet am selben Tag).")
                )
            try:
                data["break_times"] = parse_breaks(data.get("breaks"), day)
            except ValidationError as error:
                self.add_error("breaks", error)
        return data

    def service_arguments(self):
        """The keyword arguments of `save_jury_session` (without cycle, user and session)."""
        data = self.cleaned_data
        # The chair sits in the jury: ticking them again is not needed.
        jurors = list(dict.fromkeys([data["chair"], *data["jurors"]]))
        return {
            "title": data["title"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "video_url": data["video_url"],
            "chair": data["chair"],
            "jurors": jurors,
            "observers": list(data["observers"]),
            "pitch_minutes": data["pitch_minutes"],
            "qa_minutes": data["qa_minutes"],
            "buffer_minutes": data["buffer_minutes"],
            "slides_deadline": data.get("slides_deadline"),
            "change_deadline": data.get("change_deadline"),
            "breaks": data["break_times"],
        }


class SlotCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Absage"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Steht in der Absage an alle Beteiligten."),
        error_messages={"required": _("Bitte geben Sie einen Grund an.")},
    )


class GenerateSlotsForm(forms.Form):
    offered = forms.BooleanField(label=_("den Bündnissen zur Wahl anbieten"), required=False)
