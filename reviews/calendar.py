"""iCalendar (RFC 5545) files for pitch slots: invitations, cancellations and a person's feed.

One pitch is one event. Its UID is the slot's `uid`, which a move keeps, and its SEQUENCE the slot's
`sequence`, which each move or cancellation raises, so calendar clients update the event they already have.
Times are written in Europe/Berlin with the VTIMEZONE that describes it, so the UTC offset is right on both
sides of a daylight-saving change.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from icalendar import Calendar, Event

from portal.branding import CALENDAR_PRODUCT_ID

PRODID = CALENDAR_PRODUCT_ID
BERLIN = ZoneInfo("Europe/Berlin")
REQUEST = "REQUEST"
CANCEL = "CANCEL"
MIME_TYPE = "text/calendar; charset=utf-8; method=%s"


def _calendar(method=""):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def _event(slot, *, cancelled, now):
    session = slot.session
    alliance = slot.strategy.alliance.name if slot.strategy_id else _("freier Termin")
    event = Event()
    event.add("uid", f"{slot.uid}@wir-strategy-portal")
    event.add("sequence", slot.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", timezone.localtime(slot.starts_at, BERLIN))
    event.add("dtend", timezone.localtime(slot.ends_at, BERLIN))
    event.add("summary", _("Pitch %(alliance)s – %(session)s") % {"alliance": alliance, "session": session.title})
    # Clients differ in which of these they show as the place to join; the link is in all three.
    event.add("location", session.video_url)
    event.add("url", session.video_url)
    event.add(
        "description",
        _("Online-Pitch vor der Jury. Videokonferenz: %(url)s\nPortal: %(portal)s")
        % {"url": session.video_url, "portal": settings.PORTAL_BASE_URL},
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def invitation(slot, *, method=REQUEST, now=None):
    """One slot as a calendar file: a REQUEST (new or changed) or a CANCEL. Returns (file name, MIME type, text)."""
    with override("de"):
        calendar = _calendar(method)
        calendar.add_component(_event(slot, cancelled=method == CANCEL, now=now or timezone.now()))
    calendar.add_missing_timezones()
    name = "absage.ics" if method == CANCEL else "einladung.ics"
    return name, MIME_TYPE % method, calendar.to_ical().decode("utf-8")


def feed(slots, *, title, now=None):
    """The slots as one published calendar (no METHOD: a feed is read, not answered)."""
    now = now or timezone.now()
    with override("de"):
        calendar = _calendar()
        calendar.add("x-wr-calname", title)
        for slot in slots:
            calendar.add_component(_event(slot, cancelled=False, now=now))
    calendar.add_missing_timezones()
    return calendar.to_ical()
