"""Each input rule of the alliances stage once, with its one German message; forms and services both call these."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.models import STRATEGY_SECTIONS, EvaluationCycle, Phase, QuestionTopic

# --- Amounts ------------------------------------------------------------------------------------------------

# One cell above this is surely a typing error: the whole phase II is capped at 7 Mio. EUR.
MAX_BUDGET_CELL = Decimal("7000000")
# Above this a cycle budget is surely a typing error: 24 alliances × 7 Mio. EUR are 168 Mio. EUR.
MAX_CYCLE_BUDGET = Decimal("1000000000")


def validate_cents(amount):
    """At most two decimal places."""
    if amount is not None and amount.is_finite() and amount.as_tuple().exponent < -2:
        raise ValidationError(_("Bitte höchstens zwei Nachkommastellen (Cent) angeben."), code="max_decimal_places")


def validate_amount_range(amount, *, limit, negative, too_high, shown_limit):
    """Not negative, not above `limit`, at most two decimal places; `too_high` shows `shown_limit`."""
    if amount < 0:
        raise ValidationError(negative, code="min_value")
    if amount > limit:
        raise ValidationError(too_high, code="max_value", params={"limit_value": shown_limit})
    validate_cents(amount)


def validate_budget_cell(amount):
    """One amount of a strategy's budget plan (None is an empty cell)."""
    if amount is None:
        return
    validate_amount_range(
        amount,
        limit=MAX_BUDGET_CELL,
        negative=_("Der Betrag darf nicht negativ sein."),
        too_high=_("Der Betrag ist unplausibel hoch: höchstens %(limit_value)s EUR je Feld."),
        shown_limit=MAX_BUDGET_CELL,
    )


def budget_amount_total(budget):
    """The sum of a budget plan that maps (year, category) to an amount or None."""
    return sum((amount for amount in budget.values() if amount is not None), Decimal("0"))


def validate_budget_within_cap(budget, cap):
    """The whole budget plan stays within the cycle's cap per alliance."""
    total = budget_amount_total(budget)
    if total > cap:
        raise ValidationError(
            _(
                "Der Finanzplan summiert sich auf %(total)s EUR und übersteigt damit den Höchstbetrag von "
                "%(cap)s EUR je Bündnis."
            )
            % {
                "total": number_format(total, 2, force_grouping=True),
                "cap": number_format(cap, 2, force_grouping=True),
            },
            code="cap",
        )


def validate_budget(budget, cap):
    """Every cell and the cap: the rules a strategy's budget plan must meet before it is stored."""
    for amount in budget.values():
        validate_budget_cell(amount)
    validate_budget_within_cap(budget, cap)


AMOUNT_INVALID = gettext_lazy("Bitte geben Sie einen Betrag in Euro ein, z. B. 125.000,00.")
CYCLE_BUDGET_REQUIRED = gettext_lazy("Bitte geben Sie das Budget der Runde an.")
CYCLE_BUDGET_INVALID = gettext_lazy("Bitte geben Sie einen Betrag in Euro ein, z. B. 120.000.000,00.")


def validate_cycle_budget(budget):
    """The budget of an evaluation cycle, in euros."""
    if budget is None:
        raise ValidationError(CYCLE_BUDGET_REQUIRED, code="required")
    if not budget.is_finite():
        raise ValidationError(CYCLE_BUDGET_INVALID, code="invalid")
    validate_amount_range(
        budget,
        limit=MAX_CYCLE_BUDGET,
        negative=_("Das Budget darf nicht negativ sein."),
        too_high=_("Das Budget ist unplausibel hoch: höchstens %(limit_value)s EUR."),
        shown_limit=number_format(MAX_CYCLE_BUDGET, 2, force_grouping=True),
    )


# --- Texts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextRule:
    """A required free text with an upper length; `too_long` takes `limit_value` and `show_value`."""

    limit: int
    required: str
    too_long: str


QUESTION_TEXT = TextRule(
    4000,
    gettext_lazy("Bitte geben Sie Ihre Frage ein."),
    gettext_lazy("Die Frage ist zu lang: höchstens %(limit_value)d Zeichen, eingegeben %(show_value)d."),
)
FAQ_QUESTION_TEXT = TextRule(
    QUESTION_TEXT.limit, gettext_lazy("Bitte formulieren Sie die Frage für die FAQ."), QUESTION_TEXT.too_long
)
ANSWER_TEXT = TextRule(
    10000,
    gettext_lazy("Bitte geben Sie eine Antwort ein."),
    gettext_lazy("Die Antwort ist zu lang: höchstens %(limit_value)d Zeichen, eingegeben %(show_value)d."),
)
COMMENT_TEXT = TextRule(
    4000,
    gettext_lazy("Bitte geben Sie einen Kommentar ein."),
    gettext_lazy("Der Kommentar ist zu lang: höchstens %(limit_value)d Zeichen, eingegeben %(show_value)d."),
)


SECTION_TOO_LONG = gettext_lazy("Der Text ist zu lang: höchstens %(limit_value)d Zeichen, eingegeben %(show_value)d.")


def validate_sections(sections):
    """Each section of a strategy within its length; the sections may be empty while a draft."""
    errors = {}
    for name, _label, limit in STRATEGY_SECTIONS:
        length = len((sections.get(name) or "").strip())
        if length > limit:
            errors[name] = ValidationError(
                SECTION_TOO_LONG, code="max_length", params={"limit_value": limit, "show_value": length}
            )
    if errors:
        raise ValidationError(errors)


def clean_text(text, rule):
    """The stripped text; ValidationError when it is empty or longer than the rule allows."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(rule.required, code="required")
    if len(text) > rule.limit:
        raise ValidationError(
            rule.too_long, code="max_length", params={"limit_value": rule.limit, "show_value": len(text)}
        )
    return text


TOPIC_REQUIRED = gettext_lazy("Bitte wählen Sie ein Thema.")


def validate_topic(topic):
    if topic not in QuestionTopic.values:
        raise ValidationError(TOPIC_REQUIRED, code="topic")


def clean_reason(reason, message):
    """A reason that must be given; `message` names what it justifies."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message, code="required")
    return reason


def validate_future_deadline(moment, now):
    if moment <= now:
        raise ValidationError(_("Die neue Frist muss in der Zukunft liegen."), code="past")


def validate_extension_after(moment, current_deadline):
    """An extension that ended before the alliance's current deadline would shorten it, not extend it."""
    if moment <= current_deadline:
        raise ValidationError(
            _("Eine Verlängerung muss nach der jetzigen Frist des Bündnisses enden (%(deadline)s Uhr).")
            % {"deadline": berlin_time(current_deadline)},
            code="not_later",
        )


# --- Cycle settings -----------------------------------------------------------------------------------------

# The dates of a cycle in the order the phases follow each other.
CYCLE_DATE_FIELDS = [
    "submission_opens_at",
    "submission_deadline",
    "review_deadline",
    "panel_deadline",
    "decision_deadline",
]
# When reminders go out, in hours before a deadline: the first, the second and the last.
CYCLE_REMINDER_FIELDS = ["first_reminder_hours", "second_reminder_hours", "last_reminder_hours"]
# A reminder earlier than this before a deadline would come before the work has started.
MAX_REMINDER_HOURS = 90 * 24
# What the programme office may set on a cycle.
CYCLE_SETTING_FIELDS = ["name", *CYCLE_DATE_FIELDS, "released_at", "budget", "phase_override", *CYCLE_REMINDER_FIELDS]
CYCLE_NAME_MAX_LENGTH = 120


def cycle_field_label(name):
    return EvaluationCycle._meta.get_field(name).verbose_name


def berlin_time(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


CYCLE_NAME_REQUIRED = gettext_lazy("Bitte geben Sie einen Namen an.")
CYCLE_NAME_TOO_LONG = gettext_lazy("Der Name ist zu lang: höchstens %(limit_value)d Zeichen.")
PHASE_INVALID = gettext_lazy("Bitte wählen Sie eine der angebotenen Phasen.")


def cycle_name_errors(name):
    if not name:
        return [str(CYCLE_NAME_REQUIRED)]
    if len(name) > CYCLE_NAME_MAX_LENGTH:
        return [CYCLE_NAME_TOO_LONG % {"limit_value": CYCLE_NAME_MAX_LENGTH}]
    return []


def cycle_date_required_message(name):
    return _("Bitte geben Sie „%(field)s“ an.") % {"field": cycle_field_label(name)}


def cycle_settings_errors(values):
    """German messages per field for cycle settings that cannot be stored; an empty dict when all is well.

    `values` holds each of CYCLE_SETTING_FIELDS.
    """
    errors = {}

    def refuse(name, message):
        errors.setdefault(name, []).append(message)

    for message in cycle_name_errors(values["name"]):
        refuse("name", message)
    for date_name in CYCLE_DATE_FIELDS:
        if values[date_name] is None:
            refuse(date_name, cycle_date_required_message(date_name))
    dates = [(date_name, values[date_name]) for date_name in CYCLE_DATE_FIELDS if values[date_name] is not None]
    for (earlier_name, earlier), (later_name, later) in zip(dates, dates[1:], strict=False):
        if later <= earlier:
            refuse(
                later_name,
                _("„%(later)s“ muss nach „%(earlier)s“ (%(date)s) liegen.")
                % {
                    "later": cycle_field_label(later_name),
                    "earlier": cycle_field_label(earlier_name),
                    "date": berlin_time(earlier),
                },
            )
    released_at, panel_deadline = values["released_at"], values["panel_deadline"]
    if released_at is not None and panel_deadline is not None and released_at < panel_deadline:
        refuse(
            "released_at",
            _("Die Entscheidungen können erst nach dem Ende der Jurysitzungen (%(date)s) freigegeben werden.")
            % {"date": berlin_time(panel_deadline)},
        )
    try:
        validate_cycle_budget(values["budget"])
    except ValidationError as error:
        for message in error.messages:
            refuse("budget", message)
    if values["phase_override"] not in ("", *Phase.values):
        refuse("phase_override", str(PHASE_INVALID))
    for name, message in reminder_hours_errors(values):
        refuse(name, message)
    return errors


def reminder_hours_errors(values):
    """(field, German message) pairs for reminder hours that are missing, out of range or out of order."""
    errors = []
    hours = []
    for name in CYCLE_REMINDER_FIELDS:
        value = values[name]
        if value is None:
            errors.append((name, _("Bitte geben Sie „%(field)s“ an.") % {"field": cycle_field_label(name)}))
        elif not 1 <= value <= MAX_REMINDER_HOURS:
            errors.append(
                (
                    name,
                    _("Bitte geben Sie eine ganze Zahl von Stunden zwischen 1 und %(max)d an.")
                    % {"max": MAX_REMINDER_HOURS},
                )
            )
        else:
            hours.append((name, value))
    return errors + reminder_order_errors(hours)


def reminder_order_errors(hours):
    """(field, German message) pairs where a reminder does not come closer to the deadline than the one before, so
    that no two coincide; `hours` are (field, value) pairs in the order of CYCLE_REMINDER_FIELDS."""
    errors = []
    for (earlier_name, earlier), (later_name, later) in zip(hours, hours[1:], strict=False):
        if later >= earlier:
            errors.append(
                (
                    later_name,
                    _("„%(later)s“ muss näher an der Frist liegen als „%(earlier)s“ (%(hours)d Stunden).")
                    % {
                        "later": cycle_field_label(later_name),
                        "earlier": cycle_field_label(earlier_name),
                        "hours": earlier,
                    },
                )
            )
    return errors
