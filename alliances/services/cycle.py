"""The programme office's settings of an evaluation cycle: name, dates, budget and manual phase."""

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import EvaluationCycle
from alliances.services.history import save_with_history
from alliances.validators import (
    CYCLE_DATE_FIELDS,
    CYCLE_NAME_MAX_LENGTH,
    CYCLE_SETTING_FIELDS,
    MAX_CYCLE_BUDGET,
    berlin_time,
    cycle_field_label,
    cycle_settings_errors,
)
from portal.exceptions import Conflict, Refusal

# Moving one of these into the past ends a phase at once, so it needs a confirmation.
CYCLE_DEADLINE_FIELDS = ["submission_deadline", "review_deadline", "panel_deadline", "decision_deadline"]

__all__ = [
    "CYCLE_DATE_FIELDS",
    "CYCLE_DEADLINE_FIELDS",
    "CYCLE_NAME_MAX_LENGTH",
    "CYCLE_SETTING_FIELDS",
    "MAX_CYCLE_BUDGET",
    "CycleConflict",
    "CycleDeadlineWarning",
    "cycle_settings_version",
    "derived_phase",
    "update_cycle_settings",
]


class CycleConflict(Conflict):
    """Someone else changed the cycle's settings since the form was loaded; `current` is the cycle now."""

    def __init__(self, current):
        super().__init__(
            _(
                "Die Einstellungen wurden inzwischen von anderer Seite geändert. Ihre "
                "Eingaben wurden nicht gespeichert, sind aber unten erhalten. Bitte prüfen "
                "Sie die Historie und speichern Sie dann erneut."
            ),
            current=current,
        )


class CycleDeadlineWarning(Refusal):
    """A deadline would move into the past; `reasons` (also `messages`) name each one, in German. Nothing was stored."""

    def __init__(self, messages):
        super().__init__(reasons=messages)

    @property
    def messages(self):
        return self.reasons


def cycle_settings_version(cycle):
    """A short fingerprint of the editable settings: it changes whenever one of them changes, by any path."""

    def canonical_value(value):
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value

    canonical = json.dumps(
        {name: canonical_value(getattr(cycle, name)) for name in CYCLE_SETTING_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def derived_phase(cycle, moment=None):
    """The phase that follows from the cycle's dates alone, ignoring a manual override."""
    moment = moment or timezone.now()
    probe = EvaluationCycle(
        **{name: getattr(cycle, name) for name in CYCLE_DATE_FIELDS}, released_at=cycle.released_at, phase_override=""
    )
    return probe.phase_at(moment)


@transaction.atomic
def update_cycle_settings(
    *,
    cycle,
    user,
    name,
    submission_opens_at,
    submission_deadline,
    review_deadline,
    panel_deadline,
    decision_deadline,
    budget,
    phase_override="",
    released_at=None,
    reason="",
    expected_version=None,
    confirm_past=False,
    now=None,
):
    """The programme office changes a cycle's name, dates, budget and manual phase override.

    Dates are timezone-aware; they must follow each other in the order of the phases.
    Side effects: locks and saves the cycle, recorded in its history with the user and a change reason
    naming the changed settings (and `reason`, when given). Nothing is stored when nothing changed.
    Returns the names of the changed settings.
    Raises ValidationError (a message per field) for values that cannot be stored, CycleConflict when
    `expected_version` (see `cycle_settings_version`) is stale, and CycleDeadlineWarning when a deadline
    would move into the past and `confirm_past` is not set. Whether the budget still covers the confirmed
    funding decisions is checked by the decision stage, not here.
    """
    now = now or timezone.now()
    values = {
        "name": (name or "").strip(),
        "submission_opens_at": submission_opens_at,
        "submission_deadline": submission_deadline,
        "review_deadline": review_deadline,
        "panel_deadline": panel_deadline,
        "decision_deadline": decision_deadline,
        "released_at": released_at,
        "budget": budget,
        "phase_override": phase_override or "",
    }
    errors = cycle_settings_errors(values)
    if errors:
        raise ValidationError(errors)
    current = EvaluationCycle.objects.select_for_update().get(pk=cycle.pk)
    if expected_version is not None and expected_version != cycle_settings_version(current):
        raise CycleConflict(current)
    changed = [field_name for field_name in CYCLE_SETTING_FIELDS if getattr(current, field_name) != values[field_name]]
    if not changed:
        return []
    into_past = [
        field_name for field_name in CYCLE_DEADLINE_FIELDS if field_name in changed and values[field_name] < now
    ]
    if into_past and not confirm_past:
        raise CycleDeadlineWarning(
            [
                _("„%(field)s“ läge mit %(date)s in der Vergangenheit.")
                % {"field": cycle_field_label(field_name), "date": berlin_time(values[field_name])}
                for field_name in into_past
            ]
        )
    for field_name in changed:
        setattr(current, field_name, values[field_name])
    change_reason = _("Einstellungen geändert: %(fields)s") % {
        "fields": ", ".join(str(cycle_field_label(field_name)) for field_name in changed)
    }
    reason = (reason or "").strip()
    if reason:
        change_reason = f"{change_reason} – {reason}"
    save_with_history(current, user, change_reason)
    return changed
