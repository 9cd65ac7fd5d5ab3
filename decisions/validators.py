"""Each input rule of a funding decision once, with its one German message; forms and services both use them."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from decisions.models import Outcome
from portal.formatting import euro

OUTCOME_REQUIRED = _("Bitte wählen Sie eine Entscheidung.")
AMOUNT_NOT_NEGATIVE = _("Der Betrag darf nicht negativ sein.")
AMOUNT_INVALID = _("Bitte geben Sie einen Betrag in Euro ein, z. B. 6.500.000,00.")
AMOUNT_TOO_HIGH = _("Der Betrag ist unplausibel hoch.")
REJECTION_IS_ZERO = _("Bei einer Ablehnung ist der bewilligte Betrag 0 EUR.")
APPROVAL_NEEDS_AMOUNT = _("Eine Bewilligung braucht einen Betrag über 0 EUR.")
PERIOD_OUT_OF_ORDER = _("Das Förderende liegt vor dem Förderbeginn.")
CONDITIONS_REQUIRED = _("Bitte nennen Sie die Auflagen.")
RATIONALE_REQUIRED = _("Bitte begründen Sie die Entscheidung (interne Begründung).")
LETTER_RATIONALE_REQUIRED = _(
    "Bei einer Ablehnung oder einer Kürzung unter den beantragten Betrag braucht der Bescheid eine Begründung "
    "für das Bündnis."
)
CORRECTION_REASON_REQUIRED = _("Bitte begründen Sie die Korrektur.")


def validate_decision_content(
    *,
    outcome,
    granted_amount,
    funding_start,
    funding_end,
    conditions,
    rationale,
    over_request_reason,
    requested,
    letter_rationale="",
):
    """Raises ValidationError with the first broken rule; `requested` is the sum the alliance asked for."""
    if outcome not in Outcome.values:
        raise ValidationError(OUTCOME_REQUIRED)
    if granted_amount is None or granted_amount < 0:
        raise ValidationError(AMOUNT_NOT_NEGATIVE)
    if outcome == Outcome.REJECTED and granted_amount != 0:
        raise ValidationError(REJECTION_IS_ZERO)
    if outcome != Outcome.REJECTED and granted_amount == 0:
        raise ValidationError(APPROVAL_NEEDS_AMOUNT)
    if funding_end < funding_start:
        raise ValidationError(PERIOD_OUT_OF_ORDER)
    if outcome == Outcome.APPROVED_WITH_CONDITIONS and not conditions.strip():
        raise ValidationError(CONDITIONS_REQUIRED)
    if not rationale.strip():
        raise ValidationError(RATIONALE_REQUIRED)
    if needs_letter_rationale(outcome=outcome, granted_amount=granted_amount, requested=requested) and not (
        letter_rationale.strip()
    ):
        raise ValidationError(LETTER_RATIONALE_REQUIRED)
    if granted_amount > requested and not over_request_reason.strip():
        raise ValidationError(over_request_message(granted=granted_amount, requested=requested))


def needs_letter_rationale(*, outcome, granted_amount, requested):
    """A rejection or a cut burdens the alliance, so its letter must give the reasons (§ 39 VwVfG); a grant in
    full needs none."""
    return outcome == Outcome.REJECTED or granted_amount < requested


def validate_correction_reason(reason):
    if not reason.strip():
        raise ValidationError(CORRECTION_REASON_REQUIRED)


def over_request_message(*, granted, requested):
    return _(
        "Der Betrag von %(granted)s liegt über der beantragten Summe von %(requested)s. Bitte begründen Sie das."
    ) % {"granted": euro(granted), "requested": euro(requested)}


def over_budget_message(*, total, budget):
    """The budget guard's message: confirming would lift the confirmed sum above the cycle's budget."""
    return _(
        "Mit dieser Entscheidung stiegen die bestätigten Mittel auf %(total)s und lägen über dem Budget "
        "von %(budget)s. Eine Bestätigung ist nur mit Begründung möglich."
    ) % {"total": euro(total), "budget": euro(budget)}
