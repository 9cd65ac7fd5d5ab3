"""Pure planning of jury sessions: the slot times a session's settings give, and which alliance pitches when.

Nothing here touches the database; `reviews.services.jury_plan` loads plain data, calls `plan`, and applies a
proposal after checking it again against the current state.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


def slot_times(*, starts_at, ends_at, pitch_minutes, qa_minutes, buffer_minutes, breaks=()):
    """(start, end) of every pitch with its questions that fits into the session, in order.

    A buffer follows each pitch; a pitch never runs into a break (`breaks` are (start, end) pairs) and
    starts again after it. The buffer after the last pitch may run past the session's end.
    """
    length = timedelta(minutes=pitch_minutes + qa_minutes)
    step = timedelta(minutes=buffer_minutes)
    if length <= timedelta(0):
        return []
    pauses = sorted(breaks)
    times = []
    start = starts_at
    while start + length <= ends_at:
        end = start + length
        clash = next((pause for pause in pauses if pause[0] < end and start < pause[1]), None)
        if clash is not None:
            start = clash[1]
            continue
        times.append((start, end))
        start = end + step
    return times


@dataclass(frozen=True)
class SessionData:
    id: int
    day: date
    jurors: frozenset  # user ids of the jurors (observers do not count: they have no conflicts to keep)


@dataclass(frozen=True)
class SlotData:
    id: int
    session_id: int
    starts_at: datetime


@dataclass(frozen=True)
class AllianceData:
    strategy_id: int
    conflicted_jurors: frozenset = frozenset()
    blocked_days: frozenset = frozenset()


# Why an alliance stays unplaced, most specific first; the loader turns these into German sentences.
ALL_SESSIONS_CONFLICTED = "conflicted"
ALL_SESSIONS_BLOCKED = "blocked"
NO_SESSION = "no_session"
NO_FREE_SLOT = "full"
JUROR_LIMIT = "juror_limit"


@dataclass
class Plan:
    placements: dict = field(default_factory=dict)  # strategy id → slot id
    unplaced: dict = field(default_factory=dict)  # strategy id → reason code
    sessions_used: dict = field(default_factory=dict)  # session id → pitches after the plan


def plan(*, sessions, open_slots, alliances, pitches_per_session, juror_limits):
    """Places each alliance in one open slot; deterministic, no side effects.

    `sessions` are the planned sessions, `open_slots` their free slots, `alliances` the strategies still
    without a pitch; `pitches_per_session` maps session id → pitches it already holds; `juror_limits` maps a
    juror's id → the most sessions with pitches they sit in. A session is allowed for an alliance when none of
    its jurors is conflicted with it and its day is not blocked. The most constrained alliance goes first;
    each takes the earliest slot of the allowed session with the fewest pitches, so sessions fill evenly. An
    empty session only opens when each of its jurors still has room under their limit.
    """
    by_session = {session.id: session for session in sessions}
    free = {}
    for slot in sorted(open_slots, key=lambda s: (s.starts_at, s.id)):
        if slot.session_id in by_session:
            free.setdefault(slot.session_id, []).append(slot)
    used = {session.id: pitches_per_session.get(session.id, 0) for session in sessions}
    juror_load = {}
    for session in sessions:
        if used[session.id]:
            for juror in session.jurors:
                juror_load[juror] = juror_load.get(juror, 0) + 1

    def allowed(alliance):
        return [
            session
            for session in sessions
            if not (session.jurors & alliance.conflicted_jurors) and session.day not in alliance.blocked_days
        ]

    def can_open(session):
        return all(juror_load.get(juror, 0) < juror_limits.get(juror, 0) for juror in session.jurors)

    result = Plan()
    order = sorted(alliances, key=lambda a: (len(allowed(a)), a.strategy_id))
    for alliance in order:
        options = [session for session in allowed(alliance) if free.get(session.id)]
        usable = [session for session in options if used[session.id] or can_open(session)]
        if not usable:
            result.unplaced[alliance.strategy_id] = _reason(alliance, sessions, options, free)
            continue
        session = min(usable, key=lambda s: (used[s.id], free[s.id][0].starts_at, s.id))
        slot = free[session.id].pop(0)
        if not used[session.id]:
            for juror in session.jurors:
                juror_load[juror] = juror_load.get(juror, 0) + 1
        used[session.id] += 1
        result.placements[alliance.strategy_id] = slot.id
    result.sessions_used = used
    return result


def _reason(alliance, sessions, options_with_room, free):
    if options_with_room:
        return JUROR_LIMIT
    if not sessions:
        return NO_SESSION
    if all(session.jurors & alliance.conflicted_jurors for session in sessions):
        return ALL_SESSIONS_CONFLICTED
    if all(
        session.day in alliance.blocked_days
        for session in sessions
        if not (session.jurors & alliance.conflicted_jurors)
    ):
        return ALL_SESSIONS_BLOCKED
    return NO_FREE_SLOT
