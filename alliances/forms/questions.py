"""Forms of the questions and answers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alliances import validators
from alliances.forms.widgets import CountedTextarea
from alliances.models import QuestionStatus, QuestionTopic
from portal.uploads import receive_pdf


def _text_field(label, rule, rows=6, help_text=None):
    """A required text field that checks `rule` (a validators.TextRule) with its messages."""
    return forms.CharField(
        label=label,
        max_length=rule.limit,
        widget=CountedTextarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"required": rule.required, "max_length": rule.too_long},
    )


class QuestionForm(forms.Form):
    alliance = forms.ModelChoiceField(
        label=_("Bündnis"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Bitte wählen Sie Ihr Bündnis."),
            "invalid_choice": _("Bitte wählen Sie eines Ihrer Bündnisse."),
        },
    )
    topic = forms.ChoiceField(
        label=_("Thema"),
        choices=[("", _("Bitte wählen"))] + list(QuestionTopic.choices),
        error_messages={
            "required": validators.TOPIC_REQUIRED,
            "invalid_choice": _("Bitte wählen Sie ein Thema aus der Liste."),
        },
    )
    text = _text_field(
        _("Ihre Frage"),
        validators.QUESTION_TEXT,
        help_text=_("Höchstens 4.000 Zeichen. Die Frage sehen nur Ihr Bündnis, der Projektträger und das Ministerium."),
    )
    attachment = forms.FileField(
        label=_("Anhang (PDF, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"empty": _("Die Datei ist leer.")},
    )

    def __init__(self, *args, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alliance"].queryset = alliances
        self.only_alliance = alliances[0] if len(alliances) == 1 else None
        if self.only_alliance is not None:
            # A manager of one alliance asks for it without choosing.
            self.fields["alliance"].required = False
            self.fields["alliance"].initial = self.only_alliance.pk
            self.fields["alliance"].widget = forms.HiddenInput()

    def clean_alliance(self):
        alliance = self.cleaned_data.get("alliance") or self.only_alliance
        if alliance is None:
            raise forms.ValidationError(self.fields["alliance"].error_messages["required"], code="required")
        return alliance

    def clean_attachment(self):
        uploaded = self.cleaned_data.get("attachment")
        if uploaded:
            # Only the quick checks; the worker inspects and cleans the file after the question is stored.
            receive_pdf(uploaded)
        return uploaded


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    answer = _text_field(
        _("Antwort"),
        validators.ANSWER_TEXT,
        rows=8,
    )


class CommentForm(forms.Form):
    text = _text_field(
        _("Interner Kommentar"),
        validators.COMMENT_TEXT,
        rows=3,
        help_text=_("Nur Projektträger und Ministerium sehen interne Kommentare."),
    )
    ask_ministry = forms.BooleanField(label=_("Das Ministerium per E-Mail um Stellungnahme bitten"), required=False)

    def __init__(self, *args, can_ask_ministry=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_ask_ministry:
            del self.fields["ask_ministry"]


class FaqPublishForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("Thema"), choices=QuestionTopic.choices, error_messages={"required": validators.TOPIC_REQUIRED}
    )
    question = _text_field(
        _("Frage für die FAQ (ohne Bezug auf ein Bündnis)"),
        validators.FAQ_QUESTION_TEXT,
        help_text=_("Formulieren Sie die Frage so, dass kein Bündnis, keine Person und keine Region erkennbar ist."),
    )
    answer = _text_field(
        _("Antwort"),
        validators.ANSWER_TEXT,
        rows=8,
    )
    confirm_identity = forms.BooleanField(
        label=_("Ich habe den Text geprüft und veröffentliche ihn trotzdem."),
        required=False,
    )


class FaqSearchForm(forms.Form):
    q = forms.CharField(label=_("Suche in der FAQ"), required=False, max_length=200, widget=forms.SearchInput)
    topic = forms.ChoiceField(
        label=_("Thema"), required=False, choices=[("", _("Alle Themen"))] + list(QuestionTopic.choices)
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alle"))] + list(QuestionStatus.choices)
    )
    alliance = forms.ModelChoiceField(
        label=_("Bündnis"), queryset=None, required=False, empty_label=_("Alle Bündnisse")
    )

    def __init__(self, *args, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alliance"].queryset = alliances


class BarrierReportForm(forms.Form):
    """A barrier in the portal, reported by anyone signed in (BITV 2.0 feedback)."""

    page = forms.CharField(
        label=_("Wo ist die Barriere? (Seite oder Adresse, optional)"),
        required=False,
        max_length=300,
        error_messages={"max_length": _("Bitte nennen Sie die Seite in höchstens %(limit_value)d Zeichen.")},
    )
    text = _text_field(
        _("Was hindert Sie?"),
        validators.QUESTION_TEXT,
        help_text=_(
            "Beschreiben Sie bitte, was nicht funktioniert und womit Sie das Portal nutzen, etwa mit Tastatur oder "
            "Screenreader. Höchstens 4.000 Zeichen."
        ),
    )
