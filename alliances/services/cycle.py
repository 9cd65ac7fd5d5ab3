"""The programme office's settings of an evaluation cycle: name, dates, budget and manual phase."""

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import EvaluationCycle
from alliances.selectors import active_managers, strategies_losing_time
from alliances.services.history import save_with_history
from alliances.signals import review_deadline_moved
from alliances.validators import (
    CYCLE_DATE_FIELDS,
    CYCLE_NAME_MAX_LENGTH,
    CYCLE_REMINDER_FIELDS,
    CYCLE_SETTING_FIELDS,
    MAX_CYCLE_BUDGET,
    berlin_time,
    cycle_field_label,
    cycle_settings_errors,
)
from portal.exceptions import Conflict, Refusal
from portal.models import NotificationKind
from portal.notifications import send_notification

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
    first_reminder_hours=None,
    second_reminder_hours=None,
    last_reminder_hours=None,
    reason="",
    expected_version=None,
    confirm_past=False,
    now=None,
):
    """The programme office changes a cycle's name, dates, budget and manual phase override.

    Dates are timezone-aware; they must follow each other in the order of the phases. Reminder hours left at None
    stay as they are.
    Side effects: locks and saves the cycle, recorded in its history with the user and a change reason
    naming the changed settings (and `reason`, when given). A moved submission deadline e-mails the managers of
    every alliance it concerns (not submitted, no extension of its own) with the old and the new deadline; a moved
    review deadline sends `review_deadline_moved` (inside the transaction), on which the review stage tells its
    experts. Nothing is stored when nothing changed.
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
        "first_reminder_hours": first_reminder_hours,
        "second_reminder_hours": second_reminder_hours,
        "last_reminder_hours": last_reminder_hours,
    }
    for name in CYCLE_REMINDER_FIELDS:
        if values[name] is None:
            values[name] = getattr(cycle, name)
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
    before = {name: getattr(current, name) for name in ("submission_deadline", "review_deadline")}
    for field_name in changed:
        setattr(current, field_name, values[field_name])
    change_reason = _("Einstellungen geändert: %(fields)s") % {
        "fields": ", ".join(str(cycle_field_label(field_name)) for field_name in changed)
    }
    reason = (reason or "").strip()
    if reason:
        change_reason = f"{change_reason} – {reason}"
    save_with_history(current, user, change_reason)
    if "submission_deadline" in changed:
        _notify_moved_submission_deadline(current, before["submission_deadline"])
    if "review_deadline" in changed:
        review_deadline_moved.send(
            sender=EvaluationCycle, cycle=current, old_deadline=before["review_deadline"], user=user
        )
    return changed


def _notify_moved_submission_deadline(cycle, old_deadline):
    """E-mails the managers of each alliance whose deadline is the cycle's and who have not submitted."""
    for strategy in strategies_losing_time(cycle):
        strategy.cycle = cycle  # the saved cycle with the new deadline, without a query per alliance
        send_notification(
            recipients=active_managers(strategy.alliance),
            kind=NotificationKind.DEADLINE,
            subject=_("Geänderte Einreichungsfrist: %(alliance)s") % {"alliance": strategy.alliance.name},
            template="alliances/email/deadline_moved",
            context={"strategy": strategy, "cycle": cycle, "old_deadline": old_deadline},
            cause=strategy,
            cause_url=reverse("alliances:strategy", args=[cycle.slug, strategy.alliance.slug]),
        )
