"""Jury mode: the chair runs the session (pitches started and closed, attendance, the jury's result), and each
juror keeps private notes per pitch.

The jury's result is the panel's Votum (reviews.services.votum.save_votum), never a second record: it makes the
Votum, or replaces one only with a stated reason. History keeps every earlier state.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.models import JuryMember, JuryNote, JuryRole, JurySession, PanelVotum, PitchSlot, PitchSlotStatus
from reviews.selectors.jury import conflicted_jurors
from reviews.services.jury import JuryRefused
from reviews.services.votum import save_votum


def _local_time(moment):
    return timezone.localtime(moment).strftime("%H:%M")


def _require_chair(session, user):
    if user is None or session.chair_id != user.pk:
        raise JuryRefused(_("Nur der Vorsitz der Sitzung kann das tun."))


def _locked(slot):
    """The slot, its session locked first: one chair's clicks on two pitches are handled one after the other."""
    JurySession.objects.select_for_update().filter(pk=slot.session_id).first()
    return (
        PitchSlot.objects.select_for_update(of=("self",))
        .select_related("session", "strategy__alliance")
        .get(pk=slot.pk)
    )


def _require_pitch(slot):
    if slot.status != PitchSlotStatus.TAKEN:
        raise JuryRefused(_("Zu diesem Termin gibt es keinen Pitch."))
    if slot.session.is_cancelled:
        raise JuryRefused(_("Die Sitzung ist abgesagt."))


def is_conflicted(user, slot):
    """Whether `user` declared a conflict of interest with the alliance pitching in `slot`."""
    return user.pk in conflicted_jurors([slot.strategy_id]).get(slot.strategy_id, set())


@transaction.atomic
def start_pitch(*, slot, user, now=None):
    """The chair starts a pitch; its timer runs from now.

    Refused: not the chair, no pitch in the slot, a pitch started before, another pitch of the session still
    running. Side effects: the slot's start time (in history).
    """
    slot = _locked(slot)
    _require_chair(slot.session, user)
    _require_pitch(slot)
    if slot.is_closed:
        raise JuryRefused(_("Dieser Pitch ist bereits abgeschlossen."))
    if slot.started_at is not None:
        raise JuryRefused(_("Dieser Pitch läuft bereits."))
    running = (
        PitchSlot.objects.filter(session_id=slot.session_id, started_at__isnull=False, closed_at__isnull=True)
        .exclude(pk=slot.pk)
        .first()
    )
    if running is not None:
        raise JuryRefused(
            _("Der Pitch um %(time)s läuft noch; schließen Sie ihn zuerst ab.")
            % {"time": _local_time(running.starts_at)}
        )
    slot.started_at, slot._history_user = now or timezone.now(), user
    slot.save(update_fields=["started_at"])
    return slot


@transaction.atomic
def close_pitch(*, slot, user, now=None):
    """The chair closes a running pitch; from then on the jurors read each other's notes on it.

    Refused: not the chair, a pitch not started or already closed. Side effects: the slot's close time (in
    history); the jurors' notes on it can no longer be changed.
    """
    slot = _locked(slot)
    _require_chair(slot.session, user)
    _require_pitch(slot)
    if slot.is_closed:
        raise JuryRefused(_("Dieser Pitch ist bereits abgeschlossen."))
    if slot.started_at is None:
        raise JuryRefused(_("Ein Pitch kann erst abgeschlossen werden, wenn er begonnen hat."))
    slot.closed_at, slot._history_user = max(now or timezone.now(), slot.started_at), user
    slot.save(update_fields=["closed_at"])
    return slot


@transaction.atomic
def record_attendance(*, session, user, present_ids):
    """The chair records who is present: the members whose user ids are in `present_ids`, everyone else absent.

    Refused: not the chair, an id of someone who is not a member. Side effects: each changed member's `present`
    (in history). A juror conflicted with a pitch counts as absent for that pitch whatever is recorded here.
    """
    session = JurySession.objects.select_for_update().get(pk=session.pk)
    _require_chair(session, user)
    if session.is_cancelled:
        raise JuryRefused(_("Die Sitzung ist abgesagt."))
    members = list(session.members.select_for_update())
    present_ids = {int(pk) for pk in present_ids}
    if present_ids - {member.user_id for member in members}:
        raise JuryRefused(_("Anwesend sein können nur Mitglieder der Sitzung."))
    for member in members:
        present = member.user_id in present_ids
        if member.present is not present:
            member.present, member._history_user = present, user
            member.save(update_fields=["present"])
    return members


@transaction.atomic
def save_jury_note(*, slot, juror, text, now=None):
    """A juror's private note on one pitch, written until the chair closes it.

    Refused: not a juror of the session, no pitch in the slot, a closed pitch, a juror conflicted with the
    alliance. Side effects: the juror's note is created or replaced (no one else reads it before the close).
    """
    slot = _locked(slot)
    _require_pitch(slot)
    if not JuryMember.objects.filter(session_id=slot.session_id, user=juror, role=JuryRole.JUROR).exists():
        raise JuryRefused(_("Notizen schreiben nur die Jurymitglieder der Sitzung."))
    if is_conflicted(juror, slot):
        raise JuryRefused(_("Sie sind gegenüber diesem Bündnis befangen und nehmen an diesem Pitch nicht teil."))
    if slot.is_closed:
        raise JuryRefused(_("Der Pitch ist abgeschlossen; die Notiz kann nicht mehr geändert werden."))
    note, _created = JuryNote.objects.update_or_create(
        slot=slot, juror=juror, defaults={"text": (text or "").strip(), "updated_at": now or timezone.now()}
    )
    return note


def _result_differs(votum, *, recommendation, proposed_amount, conditions):
    return (votum.recommendation, votum.proposed_amount, votum.conditions.strip()) != (
        recommendation,
        proposed_amount,
        (conditions or "").strip(),
    )


@transaction.atomic
def record_jury_result(
    *, slot, user, recommendation, proposed_amount, conditions, statement, change_reason="", expected_version=None
):
    """The chair records the jury's result on a closed pitch: it becomes the strategy's Votum (the statement its
    summary, the pitch its origin), or replaces a Votum with another recommendation, amount or conditions only
    with a `change_reason`.

    Refused (nothing stored): not the chair, a chair conflicted with the alliance, a pitch not yet closed, a
    changed result without a reason, and everything save_votum refuses (reviews incomplete, a negative amount, no
    statement). Side effects: those of save_votum (the Votum in history and the search index, figures refreshed).
    """
    slot = _locked(slot)
    _require_chair(slot.session, user)
    _require_pitch(slot)
    if is_conflicted(user, slot):
        raise JuryRefused(_("Sie sind gegenüber diesem Bündnis befangen und können sein Ergebnis nicht festhalten."))
    if not slot.is_closed:
        raise JuryRefused(_("Das Ergebnis wird festgehalten, wenn der Pitch abgeschlossen ist."))
    strategy = slot.strategy
    current = PanelVotum.objects.filter(strategy=strategy).first()
    reason = (change_reason or "").strip()
    changed = current is not None and _result_differs(
        current, recommendation=recommendation, proposed_amount=proposed_amount, conditions=conditions
    )
    if changed and not reason:
        raise JuryRefused(
            _(
                "Für %(alliance)s liegt bereits ein Votum mit anderer Empfehlung, anderem Betrag oder anderen "
                "Auflagen vor. Bitte begründen Sie, warum das Ergebnis der Jury es ersetzt."
            )
            % {"alliance": strategy.alliance.name}
        )
    try:
        return save_votum(
            strategy=strategy,
            user=user,
            recommendation=recommendation,
            proposed_amount=proposed_amount,
            conditions=conditions,
            summary=statement or "",
            expected_version=expected_version,
            pitch=slot,
            change_reason=reason if current is not None else "",
        )
    except ValidationError as error:
        raise JuryRefused(reasons=error.messages) from error
