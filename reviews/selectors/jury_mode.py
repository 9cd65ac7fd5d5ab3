"""Reads of jury mode: a session's agenda and current pitch as one person may see them, in a fixed number of queries
whatever the number of pitches (members, pitches, conflicts, and the current pitch's figures)."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from alliances.models import Submission
from portal.models import Role
from reviews import aggregates
from reviews.models import JuryMember, JuryNote, JuryRole, PanelVotum, PitchSlot, PitchSlotStatus
from reviews.selectors.jury import conflicted_jurors

PRESENT, ABSENT, CONFLICTED, UNKNOWN = "present", "absent", "conflicted", "unknown"
ATTENDANCE_LABELS = {
    PRESENT: _("anwesend"),
    ABSENT: _("abwesend"),
    CONFLICTED: _("abwesend (befangen)"),
    UNKNOWN: _("nicht erfasst"),
}


@dataclass
class Attendance:
    member: JuryMember
    state: str

    @property
    def label(self):
        return ATTENDANCE_LABELS[self.state]


@dataclass
class AgendaRow:
    """One pitch of the agenda; `kept_out` when the reader is conflicted with its alliance (no name, no figures)."""

    slot: PitchSlot
    kept_out: bool
    conflicted_members: list = field(default_factory=list)

    @property
    def status(self):
        if self.slot.is_closed:
            return "closed"
        return "running" if self.slot.is_running else "open"

    @property
    def status_label(self):
        return {"closed": _("abgeschlossen"), "running": _("läuft"), "open": _("offen")}[self.status]


@dataclass
class SessionState:
    session: object
    members: list
    rows: list
    current: AgendaRow | None = None
    overview: object = None
    requested: object = None
    attendance: list = field(default_factory=list)
    is_chair: bool = False
    is_juror: bool = False
    own_note: JuryNote | None = None

    @property
    def may_note_current(self):
        return self.is_juror and self.current is not None and not self.current.kept_out


def _attendance(members, conflicted):
    rows = []
    for member in members:
        if member.user_id in conflicted:
            state = CONFLICTED
        elif member.present is None:
            state = UNKNOWN
        else:
            state = PRESENT if member.present else ABSENT
        rows.append(Attendance(member, state))
    return rows


def session_state(session, user, *, with_note=False):
    """The session as `user` sees it: its members, the agenda, the current pitch (the running one, else the next
    not yet started) with its alliance's figures and the attendance for it, and with `with_note` the reader's own
    note on the current pitch."""
    members = list(session.members.select_related("user").order_by("role", "user__full_name", "pk"))
    slots = list(
        session.slots.filter(status=PitchSlotStatus.TAKEN)
        .select_related("strategy__alliance")
        .annotate(has_result=Exists(PanelVotum.objects.filter(pitch=OuterRef("pk"))))
        .order_by("starts_at", "pk")
    )
    conflicts = conflicted_jurors([slot.strategy_id for slot in slots]) if slots else {}
    reader_is_expert = user.role == Role.EXPERT
    by_user = {member.user_id: member for member in members}
    rows = []
    for slot in slots:
        slot.session = session
        conflicted = conflicts.get(slot.strategy_id, set())
        rows.append(
            AgendaRow(
                slot=slot,
                kept_out=reader_is_expert and user.pk in conflicted,
                conflicted_members=[by_user[pk] for pk in sorted(conflicted) if pk in by_user],
            )
        )
    state = SessionState(
        session=session,
        members=members,
        rows=rows,
        is_chair=session.chair_id == user.pk,
        is_juror=any(m.user_id == user.pk and m.role == JuryRole.JUROR for m in members),
    )
    state.current = next((row for row in rows if row.slot.is_running), None) or next(
        (row for row in rows if row.slot.started_at is None), None
    )
    current = state.current
    state.attendance = _attendance(
        members, conflicts.get(current.slot.strategy_id, set()) if current is not None else set()
    )
    if current is not None and not current.kept_out:
        state.overview = aggregates.score_overview(current.slot.strategy)
        latest = Submission.objects.filter(strategy_id=current.slot.strategy_id).order_by("-number").first()
        state.requested = latest.budget_total if latest is not None else None
        if with_note and state.is_juror:
            state.own_note = JuryNote.objects.filter(slot=current.slot, juror=user).first()
    return state


def pitch_notes(slot, user):
    """The notes on a pitch `user` may read: their own while it runs; once the chair closed it, every juror's."""
    notes = JuryNote.objects.filter(slot=slot).select_related("juror").order_by("juror__full_name", "pk")
    return list(notes) if slot.is_closed else list(notes.filter(juror=user))


def my_memberships(user):
    """The person's seats in jury sessions, the earliest first, with each session's cycle."""
    return list(
        JuryMember.objects.filter(user=user)
        .select_related("session__cycle")
        .order_by("session__starts_at", "session__pk")
    )
