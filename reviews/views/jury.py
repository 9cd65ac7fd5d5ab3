"""Jury sessions: a person's private calendar feed (the page to start or end it, and the feed itself)."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portal.rules import require_permission
from reviews import calendar
from reviews.models import CalendarFeed
from reviews.selectors.jury import feed_slots
from reviews.services.calendar_feeds import create_calendar_feed, feed_owner, revoke_calendar_feed


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
