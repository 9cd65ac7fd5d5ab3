"""Jury sessions: a person's private calendar feed (the page to start or end it, and the feed itself), and an
alliance's own pitch with the slots it may choose from."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alliances.models import Strategy, StrategyStatus
from portal.rules import require_permission
from reviews import calendar
from reviews.models import CalendarFeed, PitchSlot, PitchSlotStatus
from reviews.selectors.jury import feed_slots
from reviews.services.calendar_feeds import create_calendar_feed, feed_owner, revoke_calendar_feed
from reviews.services.jury import JuryRefused, offered_slots, pick_slot


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


@require_http_methods(["GET", "POST"])
def alliance_pitch(request, cycle_slug, alliance_slug):
    """An alliance's pitch: its slot with the video link, and the offered slots its managers may choose from."""
    require_permission(request.user, "reviews.see_alliance_pitch")
    strategy = get_object_or_404(
        Strategy.objects.visible_to(request.user).select_related("alliance", "cycle"),
        cycle__slug=cycle_slug,
        alliance__slug=alliance_slug,
    )
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
    pitch = PitchSlot.objects.filter(strategy=strategy, status=PitchSlotStatus.TAKEN).select_related("session").first()
    offered = offered_slots(strategy=strategy) if strategy.status == StrategyStatus.SUBMITTED else []
    if pitch is not None and pitch.session.change_deadline <= timezone.now():
        offered = []
    return render(
        request,
        "reviews/jury/alliance_pitch.html",
        {
            "strategy": strategy,
            "pitch": pitch,
            "offered": offered,
            "can_choose": can_choose,
            "refusal": refusal,
        },
        status=409 if refusal else 200,
    )
