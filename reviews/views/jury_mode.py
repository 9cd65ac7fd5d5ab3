"""Jury mode: the live session page of the chair, the jurors and the observers (the programme office and the
ministry read along), the jurors' private notes and the chair's controls and result form.

Scope first, then role: a session the reader does not sit in, and a pitch of an alliance the reader is conflicted
with, answer 404; a chair-only action by anyone else answers 403.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances.models import Submission
from portal.forms import add_refusal
from portal.models import Role
from portal.rules import require_permission
from reviews.exceptions import ReviewConflict
from reviews.forms.jury_mode import AttendanceForm, JuryNoteForm, JuryResultForm
from reviews.models import JuryNote, JurySession, PanelVotum, PitchSlot, PitchSlotStatus
from reviews.selectors.jury_mode import my_memberships, pitch_notes, session_state
from reviews.services.jury import JuryRefused
from reviews.services.jury_mode import (
    close_pitch,
    is_conflicted,
    record_attendance,
    record_jury_result,
    save_jury_note,
    start_pitch,
)


def _session(request, cycle_slug, session_id):
    """Role check first (403), then the session within the reader's scope (404)."""
    require_permission(request.user, "reviews.see_jury_session")
    return get_object_or_404(
        JurySession.objects.visible_to(request.user).select_related("cycle", "chair"),
        cycle__slug=cycle_slug,
        pk=session_id,
    )


def _pitch(request, session, slot_uid):
    """A pitch of the session; 404 for a juror conflicted with its alliance, who never sees it."""
    slot = get_object_or_404(
        PitchSlot.objects.filter(session=session, status=PitchSlotStatus.TAKEN).select_related("strategy__alliance"),
        uid=slot_uid,
    )
    if request.user.role == Role.EXPERT and is_conflicted(request.user, slot):
        raise Http404
    slot.session = session
    return slot


def _session_url(session):
    return reverse("reviews:jury_session", args=[session.cycle.slug, session.pk])


@require_GET
def my_jury_sessions(request):
    """The sessions a juror or a ministry observer sits in."""
    require_permission(request.user, "reviews.see_own_jury_sessions")
    return render(request, "reviews/jury/my_sessions.html", {"memberships": my_memberships(request.user)})


@require_GET
def jury_session(request, cycle_slug, session_id):
    """The session page: agenda, current pitch with timer and figures, the juror's own note, the chair's controls.

    The agenda and the current pitch refresh by htmx polling of `jury_session_live` every 5 seconds, not by
    server-sent events: the sync gunicorn workers would each be held by an open stream for the whole session,
    while polling a small partial survives proxies and scale-out, and 5 seconds is enough for a 15-minute pitch.
    """
    session = _session(request, cycle_slug, session_id)
    state = session_state(session, request.user, with_note=True)
    context = {"state": state, "session": session}
    if state.may_note_current:
        context["note_form"] = JuryNoteForm(initial={"text": state.own_note.text if state.own_note else ""})
    if state.is_chair:
        context["attendance_form"] = AttendanceForm(members=state.members)
    return render(request, "reviews/jury/session.html", context)


@require_GET
def jury_session_live(request, cycle_slug, session_id):
    """The polled part of the session page: agenda, current pitch and its figures, attendance (never the note)."""
    session = _session(request, cycle_slug, session_id)
    state = session_state(session, request.user)
    return render(request, "reviews/jury/partials/session_live.html", {"state": state, "session": session})


def _chair_action(request, cycle_slug, session_id, slot_uid, action, done):
    session = _session(request, cycle_slug, session_id)
    slot = _pitch(request, session, slot_uid)
    require_permission(request.user, "reviews.chair_jury_session", session)
    try:
        action(slot=slot, user=request.user)
    except JuryRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, done % {"alliance": slot.strategy.alliance.name})
    return redirect(_session_url(session))


@require_POST
def jury_pitch_start(request, cycle_slug, session_id, slot_uid):
    return _chair_action(request, cycle_slug, session_id, slot_uid, start_pitch, _("Der Pitch von %(alliance)s läuft."))


@require_POST
def jury_pitch_close(request, cycle_slug, session_id, slot_uid):
    return _chair_action(
        request, cycle_slug, session_id, slot_uid, close_pitch, _("Der Pitch von %(alliance)s ist abgeschlossen.")
    )


@require_POST
def jury_attendance(request, cycle_slug, session_id):
    """The chair records who is present; the unticked members count as absent."""
    session = _session(request, cycle_slug, session_id)
    require_permission(request.user, "reviews.chair_jury_session", session)
    members = list(session.members.select_related("user"))
    form = AttendanceForm(request.POST, members=members)
    if form.is_valid():
        try:
            record_attendance(session=session, user=request.user, present_ids=form.cleaned_data["present"])
        except JuryRefused as refused:
            for reason in refused.reasons:
                messages.error(request, reason)
        else:
            messages.success(request, _("Die Anwesenheit ist festgehalten."))
    else:
        messages.error(request, _("Anwesend sein können nur Mitglieder der Sitzung."))
    return redirect(_session_url(session) + "#attendance")


@require_http_methods(["GET", "POST"])
def jury_note(request, cycle_slug, session_id, slot_uid):
    """A juror's own note on a pitch: an htmx partial on the session page, or a page of its own without JavaScript.
    Once the chair closed the pitch, the page shows every juror's note on it, read-only."""
    session = _session(request, cycle_slug, session_id)
    slot = _pitch(request, session, slot_uid)
    require_permission(request.user, "reviews.write_jury_note", session)
    own = JuryNote.objects.filter(slot=slot, juror=request.user).first()
    form = JuryNoteForm(request.POST if request.method == "POST" else None, initial={"text": own.text if own else ""})
    refusal, saved = None, None
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_jury_note(slot=slot, juror=request.user, text=form.cleaned_data["text"])
        except JuryRefused as refused:
            refusal = refused
            add_refusal(form, refused)
        else:
            if not request.htmx:
                messages.success(request, _("Ihre Notiz ist gespeichert."))
                return redirect(_session_url(session))
    status = 422 if (form.is_bound and not form.is_valid()) else 200
    context = {"session": session, "slot": slot, "form": form, "saved": saved, "refusal": refusal}
    if request.htmx:
        template = (
            "reviews/jury/partials/session_note_status.html"
            if request.method == "POST"
            else ("reviews/jury/partials/session_note_form.html")
        )
        return render(request, template, context, status=status)
    context["notes"] = pitch_notes(slot, request.user)
    return render(request, "reviews/jury/session_note.html", context, status=status)


@require_http_methods(["GET", "POST"])
def jury_result(request, cycle_slug, session_id, slot_uid):
    """The chair records the jury's result on a closed pitch; it becomes the Votum or, with a reason, replaces it.
    A refusal stores nothing and shows the form again with its German reasons."""
    session = _session(request, cycle_slug, session_id)
    slot = _pitch(request, session, slot_uid)
    require_permission(request.user, "reviews.chair_jury_session", session)
    votum = PanelVotum.objects.filter(strategy=slot.strategy).first()
    latest = Submission.objects.filter(strategy=slot.strategy).order_by("-number").first()
    initial = {"version": votum.version if votum else 0, "proposed_amount": latest.budget_total if latest else None}
    if votum is not None:
        initial.update(
            recommendation=votum.recommendation,
            proposed_amount=votum.proposed_amount,
            conditions=votum.conditions,
            statement=votum.summary if votum.pitch_id == slot.pk else "",
        )
    form = JuryResultForm(
        request.POST if request.method == "POST" else None, initial=initial, replaces_votum=votum is not None
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_jury_result(slot=slot, user=request.user, **form.service_values())
        except ReviewConflict as conflict:
            add_refusal(form, conflict)
        except JuryRefused as refused:
            add_refusal(form, refused)
        else:
            messages.success(
                request,
                _("Das Ergebnis der Jury zu %(alliance)s ist als Votum gespeichert.")
                % {"alliance": slot.strategy.alliance.name},
            )
            return redirect(_session_url(session))
    status = 422 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "reviews/jury/result.html",
        {"session": session, "slot": slot, "form": form, "votum": votum, "requested": initial["proposed_amount"]},
        status=status,
    )
