"""Forms of the expert's pages: the conflict-of-interest declaration and the review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alliances.forms import CountedTextarea
from reviews import validators
from reviews.models import ConflictType, Recommendation

NOT_APPLICABLE = "na"


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Besteht ein Interessenkonflikt gegenüber diesem Bündnis oder einem seiner Partner?"),
        choices=[
            ("no", _("Nein, es besteht kein Interessenkonflikt.")),
            ("yes", _("Ja, es besteht ein Interessenkonflikt.")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Bitte erklären Sie, ob ein Interessenkonflikt besteht.")},
    )
    conflict_type = forms.ChoiceField(
        label=_("Art des Interessenkonflikts"),
        required=False,
        choices=[("", _("– bitte wählen –"))] + list(ConflictType.choices),
    )
    explanation = forms.CharField(
        label=_("Erläuterung"),
        required=False,
        max_length=5000,
        widget=CountedTextarea(attrs={"rows": 3}),
        help_text=_("Nur bei einem Interessenkonflikt: kurz, worin er besteht."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_conflict"):
            if not cleaned.get("conflict_type"):
                self.add_error("conflict_type", validators.CONFLICT_TYPE_MISSING)
            if not (cleaned.get("explanation") or "").strip():
                self.add_error("explanation", validators.CONFLICT_EXPLANATION_MISSING)
        return cleaned


class ReviewForm(forms.Form):
    """One score and one justification per criterion of the review's rubric, then the overall assessment.

    A draft may be incomplete; `submitting=True` asks for everything the submission needs, so a refused
    submission stores nothing.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    recommendation = forms.ChoiceField(
        label=_("Empfehlung"), required=False, widget=forms.RadioSelect, choices=Recommendation.choices
    )
    strengths = forms.CharField(
        label=_("Stärken"), required=False, max_length=20000, widget=CountedTextarea(attrs={"rows": 4})
    )
    weaknesses = forms.CharField(
        label=_("Schwächen"), required=False, max_length=20000, widget=CountedTextarea(attrs={"rows": 4})
    )
    proposed_conditions = forms.CharField(
        label=_("Vorgeschlagene Auflagen"),
        required=False,
        max_length=10000,
        widget=CountedTextarea(attrs={"rows": 3}),
        help_text=_("Nötig, wenn Sie „mit Auflagen fördern“ empfehlen."),
    )
    confidential_note = forms.CharField(
        label=_("Vertrauliche Notiz an das Ministerium"),
        required=False,
        max_length=10000,
        widget=CountedTextarea(attrs={"rows": 3}),
        help_text=_("Nur das Ministerium und der Projektträger lesen diese Notiz; andere Gutachter/innen nie."),
    )

    def __init__(self, *args, criteria, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.submitting = submitting
        for criterion in self.criteria:
            choices = [
                (str(point), f"{point} – {label}" if label else str(point)) for point, label in criterion.scale_points()
            ]
            if criterion.allows_not_applicable:
                choices.append((NOT_APPLICABLE, _("nicht anwendbar")))
            out_of_scale = validators.score_out_of_scale(criterion.display_title, criterion)
            self.fields[self.score_name(criterion)] = forms.ChoiceField(
                label=_("Bewertung"),
                required=False,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": out_of_scale},
            )
            self.fields[self.justification_name(criterion)] = forms.CharField(
                label=_("Begründung") if criterion.justification_required else _("Begründung (freiwillig)"),
                required=False,
                max_length=10000,
                widget=CountedTextarea(attrs={"rows": 3}),
            )

    @staticmethod
    def score_name(criterion):
        return f"score_{criterion.pk}"

    @staticmethod
    def justification_name(criterion):
        return f"justification_{criterion.pk}"

    def criterion_rows(self):
        return [
            {
                "criterion": criterion,
                "score": self[self.score_name(criterion)],
                "justification": self[self.justification_name(criterion)],
            }
            for criterion in self.criteria
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.submitting:
            return cleaned
        for criterion in self.criteria:
            score_name, justification_name = self.score_name(criterion), self.justification_name(criterion)
            if score_name in self.errors:
                continue
            if not cleaned.get(score_name):
                self.add_error(score_name, validators.points_missing(criterion.display_title))
            if criterion.justification_required and not (cleaned.get(justification_name) or "").strip():
                self.add_error(justification_name, validators.justification_missing(criterion.display_title))
        if not cleaned.get("recommendation"):
            self.add_error("recommendation", validators.RECOMMENDATION_MISSING)
        elif (
            cleaned["recommendation"] == Recommendation.FUND_WITH_CONDITIONS
            and not (cleaned.get("proposed_conditions") or "").strip()
        ):
            self.add_error("proposed_conditions", validators.CONDITIONS_MISSING)
        return cleaned

    def service_scores(self):
        """Criterion id → (value or None, not applicable, justification), as the services take them."""
        scores = {}
        for criterion in self.criteria:
            raw = self.cleaned_data.get(self.score_name(criterion)) or ""
            justification = self.cleaned_data.get(self.justification_name(criterion)) or ""
            not_applicable = raw == NOT_APPLICABLE
            value = int(raw) if raw and not not_applicable else None
            scores[criterion.pk] = (value, not_applicable, justification)
        return scores

    def service_fields(self):
        return {
            name: self.cleaned_data.get(name, "")
            for name in ("recommendation", "strengths", "weaknesses", "proposed_conditions", "confidential_note")
        }


def review_initial(review, scores=None):
    """The form's initial values from a review and its scores (`scores` given for an unsaved draft)."""
    initial = {"version": review.version}
    for name in ("recommendation", "strengths", "weaknesses", "proposed_conditions", "confidential_note"):
        initial[name] = getattr(review, name)
    for score in review.scores.all() if scores is None else scores:
        initial[f"score_{score.criterion_id}"] = (
            NOT_APPLICABLE if score.not_applicable else ("" if score.value is None else str(score.value))
        )
        initial[f"justification_{score.criterion_id}"] = score.justification
    return initial
