"""Each input rule of the review stage once, with its one German message; forms and services both use these."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reviews.models import Recommendation

# --- Review policy ------------------------------------------------------------------------------------------

MAX_EXPERTS_PER_STRATEGY = 20
MAX_LOAD_CAP = 100

WHOLE_NUMBER = _("Bitte geben Sie eine ganze Zahl ein.")
EXPERTS_REQUIRED = _("Bitte geben Sie an, wie viele Gutachten je Strategie nötig sind.")
EXPERTS_AT_LEAST = _("Je Strategie ist mindestens %(limit_value)s Gutachten nötig.")
EXPERTS_AT_MOST = _("Je Strategie sind höchstens %(limit_value)s Gutachten möglich.")
LOAD_CAP_REQUIRED = _("Bitte geben Sie die Höchstzahl an Strategien je Gutachter/in an.")
LOAD_CAP_AT_LEAST = _("Die Höchstzahl muss mindestens %(limit_value)s sein.")
LOAD_CAP_AT_MOST = _("Die Höchstzahl darf höchstens %(limit_value)s sein.")
THRESHOLD_REQUIRED = _("Bitte geben Sie die Schwelle als Zahl zwischen 0 und 100 an.")
THRESHOLD_RANGE = _("Die Schwelle muss zwischen 0 und 100 Punkten liegen.")
THRESHOLD_DECIMALS = _("Bitte höchstens zwei Nachkommastellen angeben.")


def _in_range(value, *, required, low, high, at_least, at_most):
    if value is None:
        raise ValidationError(required, code="required")
    if value < low:
        raise ValidationError(at_least % {"limit_value": low}, code="min_value")
    if value > high:
        raise ValidationError(at_most % {"limit_value": high}, code="max_value")


def validate_experts_per_strategy(value):
    _in_range(
        value,
        required=EXPERTS_REQUIRED,
        low=1,
        high=MAX_EXPERTS_PER_STRATEGY,
        at_least=EXPERTS_AT_LEAST,
        at_most=EXPERTS_AT_MOST,
    )


def validate_load_cap(value):
    _in_range(
        value,
        required=LOAD_CAP_REQUIRED,
        low=1,
        high=MAX_LOAD_CAP,
        at_least=LOAD_CAP_AT_LEAST,
        at_most=LOAD_CAP_AT_MOST,
    )


def validate_disagreement_threshold(value):
    if value is None or not value.is_finite():
        raise ValidationError(THRESHOLD_REQUIRED, code="required")
    if not Decimal("0") <= value <= Decimal("100"):
        raise ValidationError(THRESHOLD_RANGE, code="range")
    if value.as_tuple().exponent < -2:
        raise ValidationError(THRESHOLD_DECIMALS, code="decimal_places")


POLICY_VALIDATORS = {
    "experts_per_strategy": validate_experts_per_strategy,
    "load_cap": validate_load_cap,
    "disagreement_threshold": validate_disagreement_threshold,
}


def review_policy_errors(values):
    """German messages per field for policy values that cannot be stored; an empty dict when all is well."""
    errors = {}
    for name, validate in POLICY_VALIDATORS.items():
        try:
            validate(values[name])
        except ValidationError as error:
            errors[name] = error.messages
    return errors


# --- Conflict-of-interest declaration -----------------------------------------------------------------------

DECLARATION_FIRST = _("Bitte erklären Sie zuerst, ob ein Interessenkonflikt besteht.")
CONFLICT_TYPE_MISSING = _("Bitte wählen Sie die Art des Interessenkonflikts.")
CONFLICT_EXPLANATION_MISSING = _("Bitte erläutern Sie den Interessenkonflikt kurz.")


# --- The review ---------------------------------------------------------------------------------------------


def score_out_of_scale(criterion_title, criterion):
    return gettext("%(criterion)s: Die Punktzahl muss zwischen %(min)s und %(max)s liegen.") % {
        "criterion": criterion_title,
        "min": criterion.scale_min,
        "max": criterion.scale_max,
    }


def not_applicable_not_allowed(criterion_title):
    return gettext("%(criterion)s: „nicht anwendbar“ ist hier nicht zulässig.") % {"criterion": criterion_title}


def points_missing(criterion_title):
    return gettext("%(criterion)s: Bitte vergeben Sie Punkte.") % {"criterion": criterion_title}


def justification_missing(criterion_title):
    return gettext("%(criterion)s: Bitte begründen Sie die Bewertung.") % {"criterion": criterion_title}


RECOMMENDATION_MISSING = _("Bitte geben Sie eine Empfehlung ab.")
CONDITIONS_MISSING = _("Bitte nennen Sie die vorgeschlagenen Auflagen.")


def validate_score(criterion, value, not_applicable):
    """Refuses points outside the criterion's scale and "not applicable" where it is not allowed."""
    if value is not None and not (criterion.scale_min <= value <= criterion.scale_max):
        raise ValidationError(score_out_of_scale(criterion.title, criterion))
    if not_applicable and not criterion.allows_not_applicable:
        raise ValidationError(not_applicable_not_allowed(criterion.title))


def review_problems(review):
    """What keeps a stored review from being submitted, in German; empty when it is complete."""
    problems = []
    scores = {score.criterion_id: score for score in review.scores.all()}
    for criterion in review.rubric.criteria.all():
        score = scores.get(criterion.pk)
        if score is None or (score.value is None and not score.not_applicable):
            problems.append(points_missing(criterion.title))
        elif criterion.justification_required and not score.justification:
            problems.append(justification_missing(criterion.title))
    if not review.recommendation:
        problems.append(str(RECOMMENDATION_MISSING))
    if review.recommendation == Recommendation.FUND_WITH_CONDITIONS and not review.proposed_conditions:
        problems.append(str(CONDITIONS_MISSING))
    return problems


# --- The Votum ----------------------------------------------------------------------------------------------

AMOUNT_NOT_NEGATIVE = _("Der vorgeschlagene Betrag darf nicht negativ sein.")
SUMMARY_MISSING = _("Bitte fassen Sie das Votum zusammen.")
