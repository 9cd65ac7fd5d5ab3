"""Planning jury sessions: the session itself, its slots, and who pitches when (by the office or the alliance).

Every change a person must know about (a pitch set, moved or cancelled) is e-mailed through the outbox with a
calendar file; a move or a cancellation raises the slot's SEQUENCE so calendars replace the earlier event.
"""

import copy
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import Strategy, StrategyStatus
from portal.exceptions import Refusal
from portal.models import NotificationKind, Role, User
from portal.notifications import send_notification
from reviews import calendar
from reviews.jury_planner import slot_times
from reviews.models import (
    AllianceBlockedDate,
    JuryBreak,
    JuryMember,
    JuryRole,
    JurySession,
    JurySessionStatus,
    PitchSlot,
    PitchSlotStatus,
)
from reviews.models.jury import MAX_SESSION_LENGTH
from reviews.selectors.jury import conflicted_jurors, pitch_audience


class JuryRefused(Refusal):
    """A jury planning step breaks a rule; the German reasons say which."""


def _local(moment):
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def _session_problems(*, cycle, session, starts_at, ends_at, video_url, chair, jurors, observers, breaks, now):
    problems = []
    if not (video_url or "").lower().startswith("https://"):
        problems.append(_("Der Link zur Videokonferenz muss mit https:// beginnen."))
    if ends_at <= starts_at:
        problems.append(_("Das Ende der Sitzung muss nach ihrem Beginn liegen."))
    elif ends_at - starts_at > MAX_SESSION_LENGTH:
        problems.append(_("Eine Jurysitzung dauert höchstens einen Tag."))
    if starts_at <= now:
        problems.append(_("Die Sitzung kann nicht in der Vergangenheit liegen."))
    problems.extend(
        _("%(who)s ist nicht als Gutachter/in registriert.") % {"who": user}
        for user in jurors
        if user.role != Role.EXPERT
    )
    problems.extend(
        _("Beobachten kann nur das Ministerium, nicht %(who)s.") % {"who": user}
        for user in observers
        if user.role != Role.MINISTRY
    )
    if chair not in jurors:
        problems.append(_("Den Vorsitz hat ein Jurymitglied der Sitzung."))
    for start, end in breaks:
        if not (starts_at <= start < end <= ends_at):
            problems.append(
                _("Die Pause %(start)s–%(end)s liegt nicht innerhalb der Sitzung.")
                % {"start": _local(start), "end": _local(end)}
            )
    overlapping = (
        JuryMember.objects.filter(
            user__in=[*jurors, *observers],
            session__status=JurySessionStatus.PLANNED,
            session__starts_at__lt=ends_at,
            session__ends_at__gt=starts_at,
        )
        .exclude(session=session)
        .select_related("user", "session")
    )
    problems.extend(
        _("%(who)s sitzt zur selben Zeit in der Sitzung „%(session)s“.")
        % {"who": member.user, "session": member.session.title}
        for member in overlapping
    )
    return problems


@transaction.atomic
def save_jury_session(
    *,
    cycle,
    user,
    title,
    starts_at,
    ends_at,
    video_url,
    chair,
    jurors,
    observers=(),
    pitch_minutes=15,
    qa_minutes=15,
    buffer_minutes=5,
    slides_deadline=None,
    change_deadline=None,
    breaks=(),
    session=None,
    now=None,
):
    """Creates a jury session, or changes `session`, with its members and breaks.

    Refuses (JuryRefused, every reason at once, nothing stored): a link that is not https, a session in the past or
    longer than a day, a member who sits in an overlapping session, a changed time that leaves a slot outside.
    Side effects: the session and its members are kept in history; a changed time, link or title re-sends every
    taken pitch's invitation with a higher SEQUENCE.
    """
    now = now or timezone.now()
    jurors, observers = list(dict.fromkeys(jurors)), list(dict.fromkeys(observers))
    slides_deadline = slides_deadline or starts_at - timedelta(days=3)
    change_deadline = change_deadline or starts_at - timedelta(days=7)
    if session is not None:
        session = JurySession.objects.select_for_update().get(pk=session.pk)
    # Locking the members serialises planning for them, so two sessions cannot both pass the overlap check.
    list(User.objects.select_for_update().filter(pk__in=[u.pk for u in (*jurors, *observers)]).values_list("pk"))
    problems = _session_problems(
        cycle=cycle,
        session=session,
        starts_at=starts_at,
        ends_at=ends_at,
        video_url=video_url,
        chair=chair,
        jurors=jurors,
        observers=observers,
        breaks=breaks,
        now=now,
    )
    if slides_deadline > starts_at or change_deadline > starts_at:
        problems.append(_("Die Fristen für Folien und Terminwahl liegen vor dem Beginn der Sitzung."))
    changed_invitation = False
    if session is not None:
        outside = session.slots.exclude(status=PitchSlotStatus.CANCELLED).filter(
            Q(starts_at__lt=starts_at) | Q(ends_at__gt=ends_at)
        )
        if outside.exists():
            problems.append(_("Es gibt Pitch-Termine außerhalb der neuen Zeit; verschieben Sie diese zuerst."))
        changed_invitation = (session.starts_at, session.ends_at, session.video_url, session.title) != (
            starts_at,
            ends_at,
            video_url,
            title,
        )
    if problems:
        raise JuryRefused(reasons=problems)
    session = session or JurySession(cycle=cycle)
    for name, value in {
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "video_url": video_url,
        "chair": chair,
        "pitch_minutes": pitch_minutes,
        "qa_minutes": qa_minutes,
        "buffer_minutes": buffer_minutes,
        "slides_deadline": slides_deadline,
        "change_deadline": change_deadline,
    }.items():
        setattr(session, name, value)
    session._history_user = user
    session.save()
    wanted = {member.pk: JuryRole.JUROR for member in jurors} | {member.pk: JuryRole.OBSERVER for member in observers}
    for member in session.members.all():
        if member.user_id not in wanted:
            member._history_user = user
            member.delete()
        elif member.role != wanted[member.user_id]:
            member.role, member._history_user = wanted.pop(member.user_id), user
            member.save()
        else:
            wanted.pop(member.user_id)
    for user_id, role in wanted.items():
        member = JuryMember(session=session, user_id=user_id, role=role)
        member._history_user = user
        member.save()
    session.breaks.all().delete()
    JuryBreak.objects.bulk_create(JuryBreak(session=session, starts_at=s, ends_at=e) for s, e in sorted(breaks))
    if changed_invitation:
        for slot in session.slots.filter(status=PitchSlotStatus.TAKEN).select_related("strategy__alliance"):
            _bump(slot, user)
            _notify(slot, method=calendar.REQUEST, moved=True, now=now)
    return session


@transaction.atomic
def generate_slots(*, session, user, offered_to_alliances=False, now=None):
    """Lays out the session's open slots from its settings (pitch, questions, buffer, breaks).

    Refused once an alliance has a pitch in the session (move those first). Side effects: replaces the session's
    open slots, which no one has been invited to; returns the new slots.
    """
    session = JurySession.objects.select_for_update().get(pk=session.pk)
    if session.slots.filter(status=PitchSlotStatus.TAKEN).exists():
        raise JuryRefused(_("In dieser Sitzung sind bereits Bündnisse eingeplant; die Termine bleiben, wie sie sind."))
    if session.is_cancelled:
        raise JuryRefused(_("Die Sitzung ist abgesagt."))
    times = slot_times(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        pitch_minutes=session.pitch_minutes,
        qa_minutes=session.qa_minutes,
        buffer_minutes=session.buffer_minutes,
        breaks=[(pause.starts_at, pause.ends_at) for pause in session.breaks.all()],
    )
    if not times:
        raise JuryRefused(_("In die Sitzung passt kein Pitch mit seinen Fragen."))
    session.slots.filter(status=PitchSlotStatus.OPEN).delete()
    return PitchSlot.objects.bulk_create(
        PitchSlot(session=session, starts_at=start, ends_at=end, offered_to_alliances=offered_to_alliances)
        for start, end in times
    )


def _bump(slot, user, **changes):
    for name, value in changes.items():
        setattr(slot, name, value)
    slot.sequence += 1
    slot._history_user = user
    slot.save()


def _notify(slot, *, method, moved=False, recipients=None, reason="", session=None, now=None):
    session = session or slot.session
    cancelled = method == calendar.CANCEL
    alliance = slot.strategy.alliance.name
    if cancelled:
        subject = _("Pitch abgesagt: %(alliance)s") % {"alliance": alliance}
    elif moved:
        subject = _("Pitch verschoben: %(alliance)s") % {"alliance": alliance}
    else:
        subject = _("Einladung zum Pitch: %(alliance)s") % {"alliance": alliance}
    send_notification(
        recipients=recipients if recipients is not None else pitch_audience(slot, session=session),
        kind=NotificationKind.JURY,
        subject=subject,
        template="reviews/email/pitch_cancelled" if cancelled else "reviews/email/pitch_invitation",
        context={"slot": slot, "session": session, "alliance": alliance, "moved": moved, "reason": reason},
        cause=slot,
        attachment=calendar.invitation(slot, method=method, now=now),
    )


def _placement_problems(*, slot, strategy, session, now):
    problems = []
    if session.is_cancelled:
        problems.append(_("Die Sitzung „%(session)s“ ist abgesagt.") % {"session": session.title})
    if slot.starts_at <= now:
        problems.append(_("Der Termin liegt in der Vergangenheit."))
    if strategy.status != StrategyStatus.SUBMITTED or strategy.cycle_id != session.cycle_id:
        problems.append(
            _("Die Strategie von %(alliance)s ist in dieser Runde nicht eingereicht.")
            % {"alliance": strategy.alliance.name}
        )
    conflicted = conflicted_jurors([strategy.pk]).get(strategy.pk, set())
    problems.extend(
        _("%(who)s hat eine Befangenheit gegenüber %(alliance)s erklärt und sitzt in dieser Sitzung.")
        % {"who": member.user, "alliance": strategy.alliance.name}
        for member in session.members.filter(user_id__in=conflicted).select_related("user")
    )
    day = timezone.localdate(slot.starts_at)
    if AllianceBlockedDate.objects.filter(alliance_id=strategy.alliance_id, date=day).exists():
        problems.append(
            _("%(alliance)s kann am %(day)s nicht.")
            % {"alliance": strategy.alliance.name, "day": day.strftime("%d.%m.%Y")}
        )
    return problems


def _lock_open_slot(slot):
    slot = PitchSlot.objects.select_for_update(of=("self",)).select_related("session").get(pk=slot.pk)
    if slot.status != PitchSlotStatus.OPEN:
        raise JuryRefused(
            _(
                "Dieser Termin ist nicht mehr frei; ein anderes Bündnis hat ihn gerade gewählt. Bitte wählen Sie einen "
                "anderen aus der aktualisierten Liste."
            )
        )
    return slot


def _taken_slot_of(strategy):
    return (
        PitchSlot.objects.select_for_update(of=("self",))
        .filter(strategy=strategy, status=PitchSlotStatus.TAKEN)
        .first()
    )


@transaction.atomic
def assign_slot(*, slot, strategy, user, now=None):
    """The programme office sets an alliance's pitch into an open slot.

    Refused: a slot already taken or in the past, an alliance that already has a pitch (move it instead), a juror
    of the session conflicted with the alliance, the alliance's blocked day. Side effects: the slot is taken (in
    history) and the alliance's managers and the session's members get the invitation with a calendar file.
    """
    now = now or timezone.now()
    strategy = Strategy.objects.select_for_update(of=("self",)).select_related("alliance").get(pk=strategy.pk)
    slot = _lock_open_slot(slot)
    problems = _placement_problems(slot=slot, strategy=strategy, session=slot.session, now=now)
    if _taken_slot_of(strategy):
        problems.append(
            _("%(alliance)s hat bereits einen Pitch-Termin; verschieben Sie ihn.")
            % {"alliance": strategy.alliance.name}
        )
    if problems:
        raise JuryRefused(reasons=problems)
    slot.strategy, slot.status, slot._history_user = strategy, PitchSlotStatus.TAKEN, user
    slot.save()
    _notify(slot, method=calendar.REQUEST, now=now)
    return slot


def _move(*, pitch, target, user, now):
    """Moves the pitch to the target's time; the pitch keeps its UID, the freed time becomes the open slot."""
    old_session = pitch.session
    old_audience = {person.pk: person for person in pitch_audience(pitch, session=old_session)}
    moved_to = (target.session, target.starts_at, target.ends_at)
    freed = PitchSlot(
        session=old_session,
        starts_at=pitch.starts_at,
        ends_at=pitch.ends_at,
        offered_to_alliances=target.offered_to_alliances,
    )
    target.delete()
    _bump(pitch, user, session=moved_to[0], starts_at=moved_to[1], ends_at=moved_to[2])
    freed.save()
    new_audience = {person.pk: person for person in pitch_audience(pitch)}
    _notify(pitch, method=calendar.REQUEST, moved=True, recipients=list(new_audience.values()), now=now)
    left = [person for pk, person in old_audience.items() if pk not in new_audience]
    if left:
        # Those who leave are told of the pitch as they knew it: the old session and time, the new SEQUENCE.
        as_known = copy.copy(pitch)
        as_known.session, as_known.starts_at, as_known.ends_at = old_session, freed.starts_at, freed.ends_at
        _notify(as_known, method=calendar.CANCEL, recipients=left, session=old_session, now=now)
    return pitch


@transaction.atomic
def move_pitch(*, pitch, target, user, now=None):
    """The programme office moves a pitch into another open slot (in this or another session).

    Refused like `assign_slot`. Side effects: the pitch keeps its calendar UID with a higher SEQUENCE; everyone it
    concerns gets the changed invitation, members of the old session who are not in the new one a cancellation.
    """
    now = now or timezone.now()
    pitch = (
        PitchSlot.objects.select_for_update(of=("self",))
        .select_related("session", "strategy__alliance")
        .get(pk=pitch.pk)
    )
    if pitch.status != PitchSlotStatus.TAKEN:
        raise JuryRefused(_("Dieser Termin hat keinen Pitch, der verschoben werden könnte."))
    target = _lock_open_slot(target)
    problems = _placement_problems(slot=target, strategy=pitch.strategy, session=target.session, now=now)
    if problems:
        raise JuryRefused(reasons=problems)
    return _move(pitch=pitch, target=target, user=user, now=now)


@transaction.atomic
def cancel_slot(*, slot, user, reason="", now=None):
    """Cancels a slot. A pitch in it is called off (its time opens again as a new slot); an open slot is withdrawn.

    Side effects: a cancelled pitch raises its SEQUENCE and everyone it concerns gets a cancellation (METHOD:CANCEL);
    the slot is kept, cancelled, in history.
    """
    now = now or timezone.now()
    slot = (
        PitchSlot.objects.select_for_update(of=("self",))
        .select_related("session", "strategy__alliance")
        .get(pk=slot.pk)
    )
    if slot.status == PitchSlotStatus.CANCELLED:
        raise JuryRefused(_("Der Termin ist bereits abgesagt."))
    was_taken = slot.is_taken
    _bump(slot, user, status=PitchSlotStatus.CANCELLED)
    if was_taken:
        PitchSlot.objects.create(
            session=slot.session,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            offered_to_alliances=slot.offered_to_alliances,
        )
        _notify(slot, method=calendar.CANCEL, reason=reason, now=now)
    return slot


def offered_slots(*, strategy, now=None):
    """The open slots an alliance may choose from: offered, in a planned session of its cycle before the change
    deadline, on a day it has not blocked, without a juror conflicted with it."""
    now = now or timezone.now()
    conflicted = conflicted_jurors([strategy.pk]).get(strategy.pk, set())
    blocked = AllianceBlockedDate.objects.filter(alliance_id=strategy.alliance_id).values_list("date", flat=True)
    slots = (
        PitchSlot.objects.filter(
            status=PitchSlotStatus.OPEN,
            offered_to_alliances=True,
            session__cycle_id=strategy.cycle_id,
            session__status=JurySessionStatus.PLANNED,
            session__change_deadline__gt=now,
        )
        .exclude(session__members__user_id__in=conflicted)
        .select_related("session")
        .order_by("starts_at", "pk")
    )
    blocked = set(blocked)
    return [slot for slot in slots if timezone.localdate(slot.starts_at) not in blocked]


@transaction.atomic
def pick_slot(*, slot, strategy, user, now=None):
    """An alliance takes an offered slot, first come first served, or moves its pitch there.

    The slot's row lock decides between two alliances choosing the same slot at once: the second is refused with a
    German message and sees the fresh list. Refused after the change deadline of the slot's session (and of the
    session it leaves). Side effects: as `assign_slot` or `move_pitch`.
    """
    now = now or timezone.now()
    strategy = Strategy.objects.select_for_update(of=("self",)).select_related("alliance").get(pk=strategy.pk)
    if not strategy.alliance.memberships.filter(user=user).exists():
        raise JuryRefused(_("Sie können nur für Ihr eigenes Bündnis einen Termin wählen."))
    slot = _lock_open_slot(slot)
    problems = []
    if not slot.offered_to_alliances:
        problems.append(_("Dieser Termin steht nicht zur Wahl."))
    if slot.session.change_deadline <= now:
        problems.append(
            _("Die Frist für die Terminwahl in dieser Sitzung ist am %(when)s abgelaufen.")
            % {"when": _local(slot.session.change_deadline)}
        )
    current = _taken_slot_of(strategy)
    if current is not None and current.session.change_deadline <= now:
        problems.append(
            _("Ihr Termin kann nach dem %(when)s nicht mehr gewechselt werden.")
            % {"when": _local(current.session.change_deadline)}
        )
    problems += _placement_problems(slot=slot, strategy=strategy, session=slot.session, now=now)
    if problems:
        raise JuryRefused(reasons=problems)
    if current is not None:
        return _move(pitch=current, target=slot, user=user, now=now)
    slot.strategy, slot.status, slot._history_user = strategy, PitchSlotStatus.TAKEN, user
    slot.save()
    _notify(slot, method=calendar.REQUEST, now=now)
    return slot


@transaction.atomic
def set_blocked_dates(*, alliance, dates, reason=""):
    """Replaces the days on which `alliance` cannot pitch. Side effects: the blocked days are stored."""
    AllianceBlockedDate.objects.filter(alliance=alliance).exclude(date__in=dates).delete()
    for day in sorted(set(dates)):
        AllianceBlockedDate.objects.get_or_create(alliance=alliance, date=day, defaults={"reason": reason})
