"""Jury sessions: a person's private calendar feed (the page to start or end it, and the feed itself), and an
alliance's own pitch with the slots it may choose from, its slides and the days on which it cannot pitch."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances.models import Strategy, StrategyStatus
from portal.rules import require_permission
from portal.uploads import UploadNotStored, pdf_download
from reviews import calendar
from reviews.forms.slides import BlockedDatesForm, PitchSlidesForm
from reviews.models import AllianceBlockedDate, CalendarFeed, PitchSlides, PitchSlot, PitchSlotStatus
from reviews.selectors.jury import feed_slots
from reviews.services.calendar_feeds import create_calendar_feed, feed_owner, revoke_calendar_feed
from reviews.services.jury import JuryRefused, offered_slots, pick_slot
from reviews.services.slides import SlidesRefused, current_slides, enter_blocked_dates, upload_pitch_slides


@require_http_methods(["GET", "POST"])
def calendar_feed_settings(request):
    """Starts, renews or ends the person's feed; a new feed's URL is shown this once."""
    require_permission(request.user, "reviews.use_calendar_feed")
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            revoke_calendar_feed(user=request.user)
        else:
            token = create_calendar_feed(user=request.user)
            new_url = request.build_absolute_uri(reverse("reviews:calendar_feed_ics", args=[token]))
    active = CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).first()
    return render(request, "reviews/jury/calendar_feed.html", {"active": active, "new_url": new_url})


@login_not_required
@require_GET
def calendar_feed_ics(request, token):
    """The person's pitches as iCalendar, read-only; calendar apps fetch it without signing in, so the token is
    the only key, and an unknown or revoked one answers 404."""
    user = feed_owner(token)
    if user is None:
        raise Http404
    response = HttpResponse(
        calendar.feed(feed_slots(user), title="WIR! Pitches"), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="wir-pitches.ics"'
    return response


def _own_strategy(request, cycle_slug, alliance_slug):
    return get_object_or_404(
        Strategy.objects.visible_to(request.user).select_related("alliance", "cycle"),
        cycle__slug=cycle_slug,
        alliance__slug=alliance_slug,
    )


@require_http_methods(["GET", "POST"])
def alliance_pitch(request, cycle_slug, alliance_slug):
    """An alliance's pitch: its slot with the video link, and the offered slots its managers may choose from."""
    require_permission(request.user, "reviews.see_alliance_pitch")
    strategy = _own_strategy(request, cycle_slug, alliance_slug)
    can_choose = rules.has_perm("reviews.choose_pitch_slot", request.user)
    refusal = None
    if request.method == "POST":
        if not can_choose:
            raise PermissionDenied
        slot = get_object_or_404(PitchSlot.objects.filter(session__cycle=strategy.cycle), pk=request.POST.get("slot"))
        try:
            pick_slot(slot=slot, strategy=strategy, user=request.user)
        except JuryRefused as refused:
            refusal = refused
        else:
            messages.success(request, _("Ihr Pitch-Termin ist gebucht; die Einladung kommt per E-Mail."))
            return redirect("reviews:alliance_pitch", cycle_slug, alliance_slug)
    return _pitch_page(request, strategy, refusal=refusal, status=409 if refusal else 200)


def _pitch_page(request, strategy, *, refusal=None, slides_form=None, dates_form=None, status=200):
    pitch = PitchSlot.objects.filter(strategy=strategy, status=PitchSlotStatus.TAKEN).select_related("session").first()
    offered = offered_slots(strategy=strategy) if strategy.status == StrategyStatus.SUBMITTED else []
    now = timezone.now()
    if pitch is not None and pitch.session.change_deadline <= now:
        offered = []
    is_manager = rules.has_perm("reviews.upload_pitch_slides", request.user)
    blocked = list(AllianceBlockedDate.objects.filter(alliance=strategy.alliance).values_list("date", flat=True))
    latest = PitchSlides.objects.filter(strategy=strategy).first()
    standing = current_slides(strategy) if latest is not None and not latest.is_checked else None
    return render(
        request,
        "reviews/jury/alliance_pitch.html",
        {
            "strategy": strategy,
            "pitch": pitch,
            "offered": offered,
            "can_choose": is_manager and rules.has_perm("reviews.choose_pitch_slot", request.user),
            "refusal": refusal,
            "latest_slides": latest,
            "standing_slides": standing,
            "slides_open": pitch is not None and pitch.session.slides_deadline > now,
            "change_open": pitch is not None and pitch.session.change_deadline > now,
            "can_upload": is_manager,
            "slides_form": slides_form or PitchSlidesForm(),
            "blocked_dates": blocked,
            "dates_form": dates_form or BlockedDatesForm(initial={"dates": BlockedDatesForm.initial_text(blocked)}),
        },
        status=status,
    )


@require_POST
def pitch_slides(request, cycle_slug, alliance_slug):
    """The alliance's managers upload their pitch slides (PDF) until the session's slides deadline; the worker
    checks them, and the page shows the check's outcome."""
    require_permission(request.user, "reviews.upload_pitch_slides")
    strategy = _own_strategy(request, cycle_slug, alliance_slug)
    form = PitchSlidesForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            upload_pitch_slides(strategy=strategy, user=request.user, uploaded_file=form.cleaned_data["slides"])
        except (SlidesRefused, UploadNotStored) as refused:
            for reason in refused.reasons:
                form.add_error("slides", reason)
        else:
            messages.success(request, _("Ihre Pitch-Folien sind hochgeladen und werden jetzt geprüft."))
            return redirect("reviews:alliance_pitch", cycle_slug, alliance_slug)
    return _pitch_page(request, strategy, slides_form=form, status=400)


@require_GET
def pitch_slides_download(request, cycle_slug, alliance_slug, public_id):
    """Checked pitch slides as a PDF download, for the alliance, the programme office, the ministry, and the chair
    and jurors of the pitch's session who are not conflicted with the alliance."""
    require_permission(request.user, "reviews.see_pitch_slides")
    slides = get_object_or_404(
        PitchSlides.objects.select_related("strategy"),
        strategy__cycle__slug=cycle_slug,
        strategy__alliance__slug=alliance_slug,
        public_id=public_id,
    )
    if (
        not slides.is_checked
        or not slides.file
        or not rules.has_perm("reviews.read_pitch_slides", request.user, slides)
    ):
        raise Http404
    return pdf_download(slides.file, slides.original_name)


@require_POST
def pitch_blocked_dates(request, cycle_slug, alliance_slug):
    """The alliance's managers name the days on which it cannot pitch; the planner leaves them free."""
    require_permission(request.user, "reviews.enter_blocked_dates")
    strategy = _own_strategy(request, cycle_slug, alliance_slug)
    form = BlockedDatesForm(request.POST)
    if form.is_valid():
        try:
            enter_blocked_dates(
                strategy=strategy,
                user=request.user,
                dates=form.cleaned_data["dates"],
                reason=form.cleaned_data["reason"],
            )
        except SlidesRefused as refused:
            raise PermissionDenied(refused.message) from None
        messages.success(request, _("Die gesperrten Tage sind gespeichert."))
        return redirect("reviews:alliance_pitch", cycle_slug, alliance_slug)
    return _pitch_page(request, strategy, dates_form=form, status=400)
