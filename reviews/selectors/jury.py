"""Reads about jury sessions that services and pages share: declared conflicts, who a pitch concerns, feeds."""

from django.db.models import Q

from alliances.models import AllianceMembership
from portal.models import Role, User
from reviews.models import (
    Assignment,
    AssignmentStatus,
    JuryMember,
    JuryRole,
    JurySessionStatus,
    PitchSlot,
    PitchSlotStatus,
)


def conflicted_jurors(strategy_ids):
    """strategy id → ids of the experts who declared a conflict of interest with that strategy."""
    found = {}
    rows = Assignment.objects.filter(strategy_id__in=strategy_ids, status=AssignmentStatus.CONFLICTED)
    for strategy_id, expert_id in rows.values_list("strategy_id", "expert_id"):
        found.setdefault(strategy_id, set()).add(expert_id)
    return found


def session_conflicts(session):
    """(juror, slot) for each juror of `session` who declared a conflict with a strategy pitching there.

    A conflict declared after the planning shows up here, so the office sees which session needs a change.
    """
    slots = list(session.slots.filter(status=PitchSlotStatus.TAKEN).select_related("strategy__alliance"))
    conflicts = conflicted_jurors([slot.strategy_id for slot in slots])
    jurors = {
        member.user_id: member.user for member in session.members.filter(role=JuryRole.JUROR).select_related("user")
    }
    return [
        (jurors[juror_id], slot)
        for slot in slots
        for juror_id in sorted(conflicts.get(slot.strategy_id, ()))
        if juror_id in jurors
    ]


def conflicts_per_session(sessions):
    """Session id → number of (juror, pitch) conflicts, as `session_conflicts` finds them, for many sessions in a
    fixed number of queries."""
    taken = list(
        PitchSlot.objects.filter(session__in=sessions, status=PitchSlotStatus.TAKEN).values_list(
            "session_id", "strategy_id"
        )
    )
    conflicts = conflicted_jurors([strategy_id for _session, strategy_id in taken])
    jurors = {}
    for session_id, user_id in JuryMember.objects.filter(session__in=sessions, role=JuryRole.JUROR).values_list(
        "session_id", "user_id"
    ):
        jurors.setdefault(session_id, set()).add(user_id)
    found = {}
    for session_id, strategy_id in taken:
        count = len(conflicts.get(strategy_id, set()) & jurors.get(session_id, set()))
        if count:
            found[session_id] = found.get(session_id, 0) + count
    return found


def pitch_audience(slot, *, session=None):
    """Who a pitch concerns: the alliance's active managers and the session's members not conflicted with it."""
    session = session or slot.session
    users = list(
        User.objects.filter(
            is_active=True,
            memberships__alliance_id=slot.strategy.alliance_id,
            role=Role.ALLIANCE_MANAGER,
        )
    )
    conflicted = conflicted_jurors([slot.strategy_id]).get(slot.strategy_id, set())
    users += [
        member.user
        for member in session.members.select_related("user")
        if member.user.is_active and member.user_id not in conflicted
    ]
    if session.chair_id not in conflicted:
        users.append(session.chair)
    return list({user.pk: user for user in users}.values())


def feed_slots(user):
    """The pitches in a person's calendar feed: the office and the ministry see all; a juror or observer those of
    their sessions they are not conflicted with; a manager their own alliance's pitch."""
    slots = PitchSlot.objects.filter(status=PitchSlotStatus.TAKEN, session__status=JurySessionStatus.PLANNED)
    slots = slots.select_related("session", "strategy__alliance").order_by("starts_at", "pk")
    if not (user and user.is_active):
        return slots.none()
    if user.role in (Role.PROGRAMME_OFFICE, Role.MINISTRY):
        return slots
    if user.role == Role.ALLIANCE_MANAGER:
        alliances = AllianceMembership.objects.filter(user=user).values("alliance_id")
        return slots.filter(strategy__alliance_id__in=alliances)
    if user.role == Role.EXPERT:
        sessions = JuryMember.objects.filter(user=user).values("session_id")
        conflicted = Assignment.objects.filter(expert=user, status=AssignmentStatus.CONFLICTED).values("strategy_id")
        return slots.filter(Q(session_id__in=sessions) | Q(session__chair=user)).exclude(strategy_id__in=conflicted)
    return slots.none()
