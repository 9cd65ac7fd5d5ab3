"""Forms of jury mode: a juror's note on a pitch, the chair's attendance list and the jury's result."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.forms.office import VotumForm

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


class JuryResultForm(VotumForm):
    """The Votum's fields (the jury's result becomes the Votum), with the jury's statement as its summary."""

    summary = None
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
