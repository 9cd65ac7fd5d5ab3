"""The jury planner's loader and its apply: reads the cycle's sessions, slots, conflicts and blocked days in a fixed
handful of queries, asks `reviews.jury_planner.plan` for a proposal, and applies one after checking it again."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import Strategy, StrategyStatus
from portal.models import User
from reviews import jury_planner
from reviews.models import (
    AllianceBlockedDate,
    ExpertProfile,
    JuryMember,
    JuryRole,
    JurySession,
    PitchSlot,
    PitchSlotStatus,
)
from reviews.selectors.jury import conflicted_jurors
from reviews.services.jury import JuryRefused, assign_slot


@dataclass
class JuryPlanProposal:
    cycle: object
    rows: list = field(default_factory=list)  # (slot, strategy) pairs to apply
    unplaced: list = field(default_factory=list)  # (strategy, German reason)
    # Sessions in which a juror sits for a pitch they declared a conflict with (declared after the planning).
    flagged: list = field(default_factory=list)  # (session, juror, strategy)

    def pairs(self):
        return [(slot.pk, strategy.pk) for slot, strategy in self.rows]


def _juror_limits(juror_ids):
    default = ExpertProfile._meta.get_field("max_jury_sessions").default
    limits = dict.fromkeys(juror_ids, default)
    limits.update(ExpertProfile.objects.filter(user_id__in=juror_ids).values_list("user_id", "max_jury_sessions"))
    return limits


def _reason_text(code, strategy, *, jurors_by_id, conflicted, blocked):
    if code == jury_planner.ALL_SESSIONS_CONFLICTED:
        names = ", ".join(sorted(str(jurors_by_id[pk]) for pk in conflicted if pk in jurors_by_id))
        return _("In jeder Sitzung sitzt ein Jurymitglied, das eine Befangenheit erklärt hat (%(names)s).") % {
            "names": names
        }
    if code == jury_planner.ALL_SESSIONS_BLOCKED:
        days = ", ".join(day.strftime("%d.%m.%Y") for day in sorted(blocked))
        return _("Jede Sitzung ohne befangenes Jurymitglied liegt an einem gesperrten Tag (%(days)s).") % {"days": days}
    if code == jury_planner.NO_SESSION:
        return _("Es gibt keine geplante Jurysitzung in der Zukunft.")
    if code == jury_planner.JUROR_LIMIT:
        return _(
            "Die passenden Sitzungen sind noch leer, und ihre Jurymitglieder haben die Höchstzahl an Sitzungen "
            "erreicht."
        )
    return _("In den Sitzungen, die für das Bündnis in Frage kommen, ist kein Termin mehr frei.")


def propose_jury_plan(*, cycle, now=None):
    """A proposal that fills the open slots of the cycle's future sessions with the submitted strategies still
    without a pitch, and explains each alliance it could not place. Reads only."""
    now = now or timezone.now()
    sessions = list(JurySession.objects.planned().filter(cycle=cycle, starts_at__gt=now))
    members = JuryMember.objects.filter(session__in=sessions, role=JuryRole.JUROR).values_list("session_id", "user_id")
    jurors_of = {}
    for session_id, user_id in members:
        jurors_of.setdefault(session_id, set()).add(user_id)
    juror_ids = {pk for ids in jurors_of.values() for pk in ids}
    jurors_by_id = User.objects.in_bulk(juror_ids)
    slots = PitchSlot.objects.filter(session__in=sessions).exclude(status=PitchSlotStatus.CANCELLED)
    taken = list(slots.filter(status=PitchSlotStatus.TAKEN).values_list("session_id", "strategy_id"))
    open_slots = {slot.pk: slot for slot in slots.filter(status=PitchSlotStatus.OPEN, starts_at__gt=now)}
    strategies = {
        strategy.pk: strategy
        for strategy in Strategy.objects.filter(cycle=cycle, status=StrategyStatus.SUBMITTED)
        .exclude(Q(pitch_slots__status=PitchSlotStatus.TAKEN))
        .select_related("alliance")
        .order_by("alliance__name")
    }
    conflicts = conflicted_jurors([*strategies, *(strategy_id for _session, strategy_id in taken)])
    blocked = {}
    rows = AllianceBlockedDate.objects.filter(alliance_id__in={s.alliance_id for s in strategies.values()})
    for alliance_id, day in rows.values_list("alliance_id", "date"):
        blocked.setdefault(alliance_id, set()).add(day)
    by_session = {session.pk: session for session in sessions}
    result = jury_planner.plan(
        sessions=[
            jury_planner.SessionData(
                id=session.pk,
                day=timezone.localdate(session.starts_at),
                jurors=frozenset(jurors_of.get(session.pk, ())),
            )
            for session in sessions
        ],
        open_slots=[
            jury_planner.SlotData(id=slot.pk, session_id=slot.session_id, starts_at=slot.starts_at)
            for slot in open_slots.values()
        ],
        alliances=[
            jury_planner.AllianceData(
                strategy_id=strategy.pk,
                conflicted_jurors=frozenset(conflicts.get(strategy.pk, ())),
                blocked_days=frozenset(blocked.get(strategy.alliance_id, ())),
            )
            for strategy in strategies.values()
        ],
        pitches_per_session=dict(Counter(session_id for session_id, _strategy in taken)),
        juror_limits=_juror_limits(juror_ids),
    )
    proposal = JuryPlanProposal(cycle=cycle)
    for strategy_id, slot_id in sorted(result.placements.items(), key=lambda item: open_slots[item[1]].starts_at):
        slot = open_slots[slot_id]
        slot.session = by_session[slot.session_id]
        proposal.rows.append((slot, strategies[strategy_id]))
    for strategy_id, code in result.unplaced.items():
        strategy = strategies[strategy_id]
        text = _reason_text(
            code,
            strategy,
            jurors_by_id=jurors_by_id,
            conflicted=conflicts.get(strategy_id, set()),
            blocked=blocked.get(strategy.alliance_id, set()),
        )
        proposal.unplaced.append((strategy, text))
    proposal.unplaced.sort(key=lambda row: row[0].alliance.name)
    taken_strategies = Strategy.objects.select_related("alliance").in_bulk([pk for _s, pk in taken])
    for session_id, strategy_id in taken:
        for juror_id in sorted(jurors_of.get(session_id, set()) & conflicts.get(strategy_id, set())):
            proposal.flagged.append((by_session[session_id], jurors_by_id[juror_id], taken_strategies[strategy_id]))
    return proposal


def _sessions_with_pitches_per_juror(juror_ids):
    rows = (
        JuryMember.objects.filter(user_id__in=juror_ids, role=JuryRole.JUROR)
        .annotate(pitches=Count("session__slots", filter=Q(session__slots__status=PitchSlotStatus.TAKEN)))
        .filter(pitches__gt=0)
        .values_list("user_id", flat=True)
    )
    return Counter(rows)


@transaction.atomic
def apply_jury_plan(*, proposal, user, now=None):
    """Applies a proposal as one unit: each pair is checked again against the current state (the slot still open,
    the alliance still without a pitch, no conflicted juror, no blocked day, no juror over their limit of sessions).

    Any refusal refuses the whole plan with every reason, and nothing is stored. Side effects: as `assign_slot`
    for each pair (the slots taken, the invitations in the outbox).
    """
    now = now or timezone.now()
    pairs = proposal.pairs()
    juror_ids = set(
        JuryMember.objects.filter(session__slots__pk__in=[slot for slot, _s in pairs], role=JuryRole.JUROR).values_list(
            "user_id", flat=True
        )
    )
    before = _sessions_with_pitches_per_juror(juror_ids)
    slots = PitchSlot.objects.in_bulk([slot for slot, _s in pairs])
    strategies = Strategy.objects.in_bulk([strategy for _slot, strategy in pairs])
    problems, placed = [], []
    for slot_id, strategy_id in pairs:
        try:
            placed.append(assign_slot(slot=slots[slot_id], strategy=strategies[strategy_id], user=user, now=now))
        except JuryRefused as refusal:
            problems.extend(refusal.reasons)
    limits = _juror_limits(juror_ids)
    after = _sessions_with_pitches_per_juror(juror_ids)
    problems.extend(
        _("%(who)s säße in mehr als %(limit)s Sitzungen.") % {"who": juror, "limit": limits[juror.pk]}
        for juror in User.objects.filter(pk__in=juror_ids).order_by("full_name", "email")
        if after[juror.pk] > limits[juror.pk] and after[juror.pk] > before[juror.pk]
    )
    if problems:
        raise JuryRefused(reasons=problems)
    return placed
