"""Each input rule of the review stage once, with its one German message; forms and services both use these."""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class WholeNumberSetting:
    """A whole-number policy setting from `low` to `high` with its German messages; the policy form builds its
    field from the same values."""

    high: int
    required: str
    at_least: str
    at_most: str
    low: int = 1

    def validate(self, value):
        if value is None:
            raise ValidationError(self.required, code="required")
        if value < self.low:
            raise ValidationError(self.at_least % {"limit_value": self.low}, code="min_value")
        if value > self.high:
            raise ValidationError(self.at_most % {"limit_value": self.high}, code="max_value")


EXPERTS_PER_STRATEGY = WholeNumberSetting(
    high=MAX_EXPERTS_PER_STRATEGY, required=EXPERTS_REQUIRED, at_least=EXPERTS_AT_LEAST, at_most=EXPERTS_AT_MOST
)
LOAD_CAP = WholeNumberSetting(
    high=MAX_LOAD_CAP, required=LOAD_CAP_REQUIRED, at_least=LOAD_CAP_AT_LEAST, at_most=LOAD_CAP_AT_MOST
)


def validate_disagreement_threshold(value):
    if value is None or not value.is_finite():
        raise ValidationError(THRESHOLD_REQUIRED, code="required")
    if not Decimal("0") <= value <= Decimal("100"):
        raise ValidationError(THRESHOLD_RANGE, code="range")
    if value.as_tuple().exponent < -2:
        raise ValidationError(THRESHOLD_DECIMALS, code="decimal_places")


POLICY_VALIDATORS = {
    "experts_per_strategy": EXPERTS_PER_STRATEGY.validate,
    "load_cap": LOAD_CAP.validate,
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


# --- Reasons the programme office gives -----------------------------------------------------------------------

REOPEN_REASON_MISSING = _("Bitte begründen Sie die Wiederöffnung.")
WITHDRAW_REASON_MISSING = _("Bitte begründen Sie, warum die Zuweisung zurückgezogen wird.")


def required_reason(reason, missing):
    """The reason without surrounding blanks; raises ValidationError with `missing` when there is none."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(missing)
    return reason


# --- The Votum ----------------------------------------------------------------------------------------------

AMOUNT_NOT_NEGATIVE = _("Der vorgeschlagene Betrag darf nicht negativ sein.")
SUMMARY_MISSING = _("Bitte fassen Sie das Votum zusammen.")


# --- The rubric's CSV import --------------------------------------------------------------------------------

CRITERIA_CSV_COLUMNS = ["code", "title_de", "title_en", "weight", "guiding_questions_de"]
NO_CRITERIA = _("Die Datei enthält keine Kriterien.")


def validate_criteria_columns(fieldnames):
    missing = [column for column in CRITERIA_CSV_COLUMNS if column not in (fieldnames or [])]
    if missing:
        raise ValidationError(gettext("Zeile 1: Es fehlen die Spalten %(columns)s.") % {"columns": ", ".join(missing)})


def criterion_weight(text):
    """The weight typed in a criteria file as a positive whole number, or None."""
    try:
        weight = int((text or "").strip())
    except ValueError:
        return None
    return weight if weight > 0 else None


def criterion_row_problems(*, line, code, title, weight, seen_codes):
    """What is wrong with one line of a criteria file, in German; empty when it is fine."""
    problems = []
    if not code or code in seen_codes:
        problems.append(gettext("Zeile %(line)s: Kürzel fehlt oder ist doppelt.") % {"line": line})
    if not title:
        problems.append(gettext("Zeile %(line)s: Der Titel fehlt.") % {"line": line})
    if weight is None:
        problems.append(gettext("Zeile %(line)s: Das Gewicht muss eine positive ganze Zahl sein.") % {"line": line})
    return problems


# --- The assignments' CSV import ----------------------------------------------------------------------------

MAX_ASSIGNMENT_CSV_BYTES = 1024 * 1024
MAX_ASSIGNMENT_ROWS = 2000
ASSIGNMENT_CSV_REQUIRED_COLUMNS = ["alliance", "expert"]
ASSIGNMENT_CSV_COLUMNS = [*ASSIGNMENT_CSV_REQUIRED_COLUMNS, "override_reason"]

FILE_TOO_LARGE = _("Die Datei ist größer als 1 MB. Bitte teilen Sie sie auf.")
NOT_UTF8 = _(
    "Die Datei ist nicht UTF-8-kodiert. Bitte speichern Sie sie als „CSV UTF-8“ und laden Sie sie erneut hoch."
)
FILE_EMPTY = _("Die Datei ist leer.")
NO_ASSIGNMENTS = _("Die Datei enthält keine Zuweisungen.")
# A row's problem, named with its line by `on_line`.
WRONG_FIELD_COUNT = _("Erwartet werden %(expected)s Felder, die Zeile hat %(found)s.")
UNKNOWN_ALLIANCE = _("Unbekanntes Bündnis „%(slug)s“.")
NOT_SUBMITTED_IN_CYCLE = _("Die Strategie von %(alliance)s ist in dieser Runde nicht eingereicht.")
EMAIL_NOT_AN_EXPERT = _("„%(email)s“ ist nicht als Gutachter/in registriert.")
SAME_ASSIGNMENT_TWICE = _("Dieselbe Zuweisung steht bereits in Zeile %(first)s.")
ALREADY_ASSIGNED_TO = _("%(who)s ist der Strategie von %(alliance)s bereits zugewiesen.")
OVERRIDE_REASON_COLUMN_MISSING = _(
    "Hinweis auf Befangenheit (%(flags)s) – bitte begründen Sie die Zuweisung in der Spalte override_reason."
)
OVER_LOAD_CAP = _("%(who)s hätte damit mehr als die Höchstzahl von %(cap)s Strategien.")
# Both the import and a single assignment refuse an expert who declared a conflict.
DECLARED_CONFLICT = _("%(who)s hat sich für %(alliance)s für befangen erklärt.")


def on_line(line, problem, **params):
    return gettext("Zeile %(line)s: %(problem)s") % {"line": line, "problem": problem % params}


def validate_assignment_csv_size(size):
    if size > MAX_ASSIGNMENT_CSV_BYTES:
        raise ValidationError(FILE_TOO_LARGE)


def validate_utf8_text(text):
    # UTF-16 without BOM decodes as "valid" UTF-8 full of NUL bytes.
    if "\x00" in text:
        raise ValidationError(NOT_UTF8)


def validate_assignment_row_count(count):
    if count > MAX_ASSIGNMENT_ROWS:
        raise ValidationError(
            gettext("Die Datei hat mehr als %(max)s Zeilen. Bitte teilen Sie sie auf.") % {"max": MAX_ASSIGNMENT_ROWS}
        )


def not_csv(line):
    return gettext("Zeile %(line)s: Die Zeile ist kein gültiges CSV.") % {"line": line}


def assignment_csv_columns(line, header):
    """The header's column names in lower case; raises ValidationError for a missing, unknown or repeated one."""
    names = [name.lower() for name in header]
    missing = [name for name in ASSIGNMENT_CSV_REQUIRED_COLUMNS if name not in names]
    unknown = [name for name in names if name not in ASSIGNMENT_CSV_COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        raise ValidationError(
            gettext("Zeile %(line)s: Erwartet werden die Spalten %(columns)s (override_reason ist optional).")
            % {"line": line, "columns": ", ".join(ASSIGNMENT_CSV_COLUMNS)}
        )
    return names
