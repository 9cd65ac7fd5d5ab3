"""The programme office's jury planning: a cycle's sessions, a session's form, its schedule grid (drag and drop,
keyboard and plain forms all end in the same service call), cancelling a slot, and the automatic planner.

The ministry reads every page; its posts answer 403.
"""

import uuid

import rules
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from alliances.models import Strategy, StrategyStatus
from portal.forms import add_refusal
from portal.rules import require_permission
from reviews.forms.jury import GenerateSlotsForm, JurySessionForm, SlotCancelForm
from reviews.models import JurySession, JurySessionStatus, PitchSlot, PitchSlotStatus
from reviews.selectors.jury import conflicts_per_session, pitch_audience, session_conflicts
from reviews.services.jury import JuryRefused, assign_slot, cancel_slot, generate_slots, move_pitch, save_jury_session
from reviews.services.jury_plan import JuryPlanProposal, apply_jury_plan, propose_jury_plan
from reviews.views.base import cycle_for_office, render_form_page


def _cycle(request, cycle_slug, *, plans=False):
    """Role first (403: experts, managers; the ministry for anything that changes the plan), then the cycle (404)."""
    require_permission(request.user, "reviews.read_jury_plan")
    if plans or request.method == "POST":
        require_permission(request.user, "reviews.plan_jury_sessions")
    return cycle_for_office(request, cycle_slug)


def _session(cycle, session_id):
    session = get_object_or_404(JurySession.objects.filter(cycle=cycle).select_related("chair"), pk=session_id)
    session.cycle = cycle  # the page names the cycle through its session too
    return session


def _local(moment):
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


@require_GET
def jury_sessions(request, cycle_slug):
    """The cycle's sessions with their members, free and taken slots, and a flag where a juror is conflicted."""
    cycle = _cycle(request, cycle_slug)
    sessions = list(
        JurySession.objects.filter(cycle=cycle)
        .select_related("chair")
        .annotate(
            member_count=Count("members", distinct=True),
            open_count=Count("slots", filter=Q(slots__status=PitchSlotStatus.OPEN), distinct=True),
            taken_count=Count("slots", filter=Q(slots__status=PitchSlotStatus.TAKEN), distinct=True),
        )
        .order_by("starts_at", "pk")
    )
    conflicts = conflicts_per_session(sessions)
    for session in sessions:
        session.conflict_count = conflicts.get(session.pk, 0)
    return render(
        request,
        "reviews/jury/office_sessions.html",
        {"cycle": cycle, "sessions": sessions, "can_plan": rules.has_perm("reviews.plan_jury_sessions", request.user)},
    )


def _session_form_page(request, cycle, session):
    if request.method == "POST":
        form = JurySessionForm(request.POST)
        if form.is_valid():
            try:
                saved = save_jury_session(cycle=cycle, user=request.user, session=session, **form.service_arguments())
            except JuryRefused as refused:
                add_refusal(form, refused)
            else:
                if session is None:
                    messages.success(
                        request,
                        _("Die Jurysitzung „%(title)s“ ist angelegt. Legen Sie nun die Pitch-Termine an.")
                        % {"title": saved.title},
                    )
                else:
                    messages.success(
                        request, _("Die Jurysitzung „%(title)s“ ist gespeichert.") % {"title": saved.title}
                    )
                return redirect("reviews:jury_schedule", cycle.slug, saved.pk)
    else:
        form = JurySessionForm(initial=JurySessionForm.initial_of(session) if session else None)
    return render_form_page(
        request, "reviews/jury/office_session_form.html", form, cycle=cycle, session=session, form=form
    )


@require_http_methods(["GET", "POST"])
def jury_session_new(request, cycle_slug):
    """A new session: its time on the Berlin wall clock, its people, its timing and breaks."""
    cycle = _cycle(request, cycle_slug, plans=True)
    return _session_form_page(request, cycle, None)


@require_http_methods(["GET", "POST"])
def jury_session_edit(request, cycle_slug, session_id):
    """Changes a session; a changed time, link or title re-invites everyone with a pitch in it (the service)."""
    cycle = _cycle(request, cycle_slug, plans=True)
    session = _session(cycle, session_id)
    return _session_form_page(request, cycle, session)


# --- the schedule grid -----------------------------------------------------------------------------------------


def _grid(cycle, session, *, now):
    """The grid's rows (slots and breaks in time order), the open slots a pitch may move to, the alliances still
    without a pitch, and the conflict flags per pitch: a fixed number of queries, whatever the cycle's size."""
    slots = list(
        session.slots.exclude(status=PitchSlotStatus.CANCELLED)
        .select_related("strategy__alliance")
        .order_by("starts_at", "pk")
    )
    flags = {}
    for juror, slot in session_conflicts(session):
        flags.setdefault(slot.pk, []).append(juror.get_full_name())
    rows = [{"kind": "slot", "slot": slot, "at": slot.starts_at, "flags": flags.get(slot.pk, [])} for slot in slots]
    rows += [{"kind": "break", "pause": pause, "at": pause.starts_at} for pause in session.breaks.all()]
    rows.sort(key=lambda row: (row["at"], row["kind"] == "slot"))
    targets = list(
        PitchSlot.objects.filter(
            session__cycle=cycle,
            session__status=JurySessionStatus.PLANNED,
            status=PitchSlotStatus.OPEN,
            starts_at__gt=now,
        )
        .select_related("session")
        .order_by("starts_at", "pk")
    )
    unplanned = list(
        Strategy.objects.filter(cycle=cycle, status=StrategyStatus.SUBMITTED)
        .exclude(pitch_slots__status=PitchSlotStatus.TAKEN)
        .select_related("alliance")
        .order_by("alliance__name", "pk")
    )
    # The shared forms' choices come from the rows already read: the future pitches to move, the open slots to fill.
    future = [slot for slot in slots if slot.starts_at > now] if not session.is_cancelled else []
    return {
        "rows": rows,
        "targets": targets,
        "unplanned": unplanned,
        "pitches": [slot for slot in future if slot.is_taken],
        "open_slots": [slot for slot in future if slot.status == PitchSlotStatus.OPEN],
        "conflict_count": len(flags),
    }


def _preselection(request, *, refused):
    """What the shared forms show chosen, and which select takes the focus: a row's link names its pitch (?move=)
    or its slot (?slot=); after a refusal the posted choices stay, after a success the forms start empty."""
    if request.method == "POST":
        return {
            name: request.POST.get(name, "") if refused else "" for name in ("pitch", "target", "slot", "strategy")
        }, ""
    pitch, slot = request.GET.get("move", ""), request.GET.get("slot", "")
    autofocus = "move-target" if pitch else "assign-strategy" if slot else ""
    return {"pitch": pitch, "target": "", "slot": slot, "strategy": ""}, autofocus


def _render_schedule(request, cycle, session, *, refusal=None, focus_uid=None, status=200):
    now = timezone.now()
    selected, autofocus = _preselection(request, refused=refusal is not None)
    context = {
        "cycle": cycle,
        "session": session,
        "now": now,
        "refusal": refusal,
        "focus_uid": str(focus_uid) if focus_uid else "",
        "selected": selected,
        "autofocus": autofocus,
        "can_plan": rules.has_perm("reviews.plan_jury_sessions", request.user),
        "generate_form": GenerateSlotsForm(),
        "schedule_url": reverse("reviews:jury_schedule", args=[cycle.slug, session.pk]),
        # The cancel URL of any slot is this prefix + "<uid>/cancel/": one reverse() per page, not per row.
        "cancel_prefix": reverse(
            "reviews:jury_slot_cancel", args=[cycle.slug, session.pk, uuid.UUID(int=0)]
        ).removesuffix(f"{uuid.UUID(int=0)}/cancel/"),
        **_grid(cycle, session, now=now),
    }
    template = "reviews/jury/partials/schedule_grid.html" if request.htmx else "reviews/jury/office_schedule.html"
    return render(request, template, context, status=status)


def _posted_slot(queryset, value):
    """The slot named by a posted UID; a missing choice is None, an unknown or foreign one 404."""
    if not value:
        return None
    try:
        uid = uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(queryset, uid=uid)


def _schedule_action(request, cycle, session):
    """Runs the posted action; returns (success message, UID of the row to focus). Raises JuryRefused."""
    action = request.POST.get("action")
    in_cycle = PitchSlot.objects.filter(session__cycle=cycle)
    if action == "generate":
        form = GenerateSlotsForm(request.POST)
        form.is_valid()
        slots = generate_slots(
            session=session, user=request.user, offered_to_alliances=form.cleaned_data.get("offered", False)
        )
        count = len(slots)
        return ngettext("%(count)s Pitch-Termin angelegt.", "%(count)s Pitch-Termine angelegt.", count) % {
            "count": count
        }, None
    if action == "assign":
        slot = _posted_slot(in_cycle.filter(session=session), request.POST.get("slot"))
        strategy_id = request.POST.get("strategy", "")
        if slot is None:
            raise JuryRefused(_("Bitte wählen Sie einen freien Termin."))
        if not strategy_id.isdigit():
            raise JuryRefused(_("Bitte wählen Sie ein Bündnis, das eingeplant werden soll."))
        strategy = get_object_or_404(Strategy.objects.filter(cycle=cycle).select_related("alliance"), pk=strategy_id)
        slot = assign_slot(slot=slot, strategy=strategy, user=request.user)
        return _("%(alliance)s ist für %(when)s Uhr eingeplant; die Einladungen sind verschickt.") % {
            "alliance": strategy.alliance.name,
            "when": _local(slot.starts_at),
        }, slot.uid
    if action == "move":
        pitch = _posted_slot(in_cycle.filter(session=session), request.POST.get("pitch"))
        target = _posted_slot(in_cycle.select_related("session"), request.POST.get("target"))
        if pitch is None:
            raise JuryRefused(_("Bitte wählen Sie den Pitch, der verschoben werden soll."))
        if target is None:
            raise JuryRefused(_("Bitte wählen Sie einen freien Termin, auf den der Pitch verschoben wird."))
        left_at = pitch.starts_at
        moved = move_pitch(pitch=pitch, target=target, user=request.user)
        if moved.session_id == session.pk:
            focus = moved.uid
        else:
            # The pitch left this grid: the focus goes to the time it freed.
            freed = session.slots.filter(status=PitchSlotStatus.OPEN, starts_at=left_at).first()
            focus = freed.uid if freed else None
        return _(
            "Der Pitch von %(alliance)s ist auf %(when)s Uhr (%(session)s) verschoben; alle Beteiligten werden "
            "benachrichtigt."
        ) % {
            "alliance": moved.strategy.alliance.name,
            "when": _local(moved.starts_at),
            "session": moved.session.title,
        }, focus
    raise JuryRefused(_("Diese Aktion gibt es nicht."))


@require_http_methods(["GET", "POST"])
def jury_schedule(request, cycle_slug, session_id):
    """The session's slots and breaks in time order, with one shared move form and one shared assign form (?move=<uid>
    or ?slot=<uid> preselects a row's pitch or slot there). A post (a shared form or a drop) runs
    one action: htmx gets the grid back (422 with the reasons on a refusal), a plain form a redirect (PRG), or the
    page with the reasons (409)."""
    cycle = _cycle(request, cycle_slug)
    session = _session(cycle, session_id)
    if request.method == "POST":
        try:
            message, focus = _schedule_action(request, cycle, session)
        except JuryRefused as refused:
            return _render_schedule(request, cycle, session, refusal=refused, status=422 if request.htmx else 409)
        messages.success(request, message)
        if request.htmx:
            return _render_schedule(request, cycle, session, focus_uid=focus)
        url = reverse("reviews:jury_schedule", args=[cycle.slug, session.pk])
        return redirect(f"{url}#slot-{focus}" if focus else url)
    return _render_schedule(request, cycle, session)


@require_http_methods(["GET", "POST"])
def jury_slot_cancel(request, cycle_slug, session_id, slot_uid):
    """Confirms cancelling a slot, with the reason and whom the cancellation reaches; it cannot be undone."""
    cycle = _cycle(request, cycle_slug, plans=True)
    session = _session(cycle, session_id)
    slot = get_object_or_404(
        session.slots.exclude(status=PitchSlotStatus.CANCELLED).select_related("strategy__alliance"), uid=slot_uid
    )
    form = SlotCancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_slot(slot=slot, user=request.user, reason=form.cleaned_data["reason"])
        except JuryRefused as refused:
            add_refusal(form, refused)
        else:
            if slot.strategy_id:
                text = _(
                    "Der Pitch von %(alliance)s am %(when)s Uhr ist abgesagt; alle Beteiligten werden benachrichtigt."
                )
                messages.success(
                    request, text % {"alliance": slot.strategy.alliance.name, "when": _local(slot.starts_at)}
                )
            else:
                messages.success(
                    request, _("Der Termin am %(when)s Uhr ist gestrichen.") % {"when": _local(slot.starts_at)}
                )
            return redirect("reviews:jury_schedule", cycle.slug, session.pk)
    audience = pitch_audience(slot, session=session) if slot.strategy_id else []
    return render_form_page(
        request,
        "reviews/jury/office_slot_cancel.html",
        form,
        cycle=cycle,
        session=session,
        slot=slot,
        form=form,
        audience=sorted(audience, key=lambda person: (person.get_full_name().casefold(), person.email)),
    )


# --- the planner -------------------------------------------------------------------------------------------------


def _posted_proposal(request, cycle):
    """The previewed pairs as posted (hidden "slot:strategy" fields) as a proposal; apply_jury_plan checks them
    again. A pair that no longer names a slot or strategy of the cycle refuses the whole plan."""
    pairs = []
    for value in request.POST.getlist("pair"):
        slot_id, _colon, strategy_id = value.partition(":")
        if not (slot_id.isdigit() and strategy_id.isdigit()):
            raise JuryRefused(
                _("Der Vorschlag ist unvollständig übermittelt worden; bitte laden Sie die Vorschau neu.")
            )
        pairs.append((int(slot_id), int(strategy_id)))
    if not pairs:
        raise JuryRefused(_("Der Vorschlag enthält keinen Pitch, der eingeplant werden könnte."))
    slots = PitchSlot.objects.filter(session__cycle=cycle).select_related("session").in_bulk([s for s, _x in pairs])
    strategies = Strategy.objects.filter(cycle=cycle).select_related("alliance").in_bulk([s for _x, s in pairs])
    if any(slot_id not in slots or strategy_id not in strategies for slot_id, strategy_id in pairs):
        raise JuryRefused(_("Der Vorschlag nennt Termine oder Bündnisse, die es in dieser Runde nicht gibt."))
    return JuryPlanProposal(cycle=cycle, rows=[(slots[s], strategies[t]) for s, t in pairs])


@require_http_methods(["GET", "POST"])
def jury_planner(request, cycle_slug):
    """The automatic planner: a preview (who pitches when, who could not be placed and why, flagged sessions);
    applying takes exactly the previewed pairs, all or nothing."""
    cycle = _cycle(request, cycle_slug)
    refusal = None
    if request.method == "POST":
        try:
            placed = apply_jury_plan(proposal=_posted_proposal(request, cycle), user=request.user)
        except JuryRefused as refused:
            refusal = refused
        else:
            count = len(placed)
            text = ngettext(
                "%(count)s Pitch ist eingeplant; die Einladungen sind verschickt.",
                "%(count)s Pitches sind eingeplant; die Einladungen sind verschickt.",
                count,
            )
            messages.success(request, text % {"count": count})
            return redirect("reviews:jury_sessions", cycle.slug)
    proposal = propose_jury_plan(cycle=cycle)
    return render(
        request,
        "reviews/jury/planner.html",
        {
            "cycle": cycle,
            "proposal": proposal,
            "pairs": [f"{slot}:{strategy}" for slot, strategy in proposal.pairs()],
            "refusal": refusal,
            "can_plan": rules.has_perm("reviews.plan_jury_sessions", request.user),
        },
        status=409 if refusal else 200,
    )
