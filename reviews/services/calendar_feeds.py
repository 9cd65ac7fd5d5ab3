"""A person's private calendar feed: a secret token in the URL, of which only the SHA-256 is stored."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from reviews.models import CalendarFeed


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_calendar_feed(*, user, now=None):
    """Revokes the person's current feed, if any, and starts a new one.

    Returns the new token; it is shown once and cannot be read back. Side effects: the old feed's URL stops working.
    """
    now = now or timezone.now()
    CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(user=user, token_hash=token_hash(token), created_at=now)
    return token


@transaction.atomic
def revoke_calendar_feed(*, user, now=None):
    """Ends the person's feed; its URL answers 404 from now on. Returns whether there was one to end."""
    return bool(
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now or timezone.now())
    )


def feed_owner(token):
    """The active user whose feed `token` opens, or None for an unknown or revoked token."""
    feed = (
        CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return feed.user if feed else None
