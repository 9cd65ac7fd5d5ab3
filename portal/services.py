"""Business operations of the portal itself (notification settings, outbox handling)."""

from django.db import transaction

from portal.models import (
    NOTIFICATION_KINDS_BY_ROLE,
    REQUIRED_NOTIFICATION_KINDS,
    MessageStatus,
    NotificationKind,
    NotificationPreference,
)


def notification_kinds_for(role):
    """The kinds of notification a user in `role` is ever sent (none for an unknown role)."""
    return NOTIFICATION_KINDS_BY_ROLE.get(role, frozenset())


def optional_notification_kinds(*, role=None):
    """The kinds a user may switch off, in the order of NotificationKind; with `role`, only those it receives."""
    kinds = [kind for kind in NotificationKind if kind not in REQUIRED_NOTIFICATION_KINDS]
    return kinds if role is None else [kind for kind in kinds if kind in notification_kinds_for(role)]


def required_notification_kinds(*, role=None):
    """The legally required kinds, which always go out; with `role`, only those it receives."""
    kinds = [kind for kind in NotificationKind if kind in REQUIRED_NOTIFICATION_KINDS]
    return kinds if role is None else [kind for kind in kinds if kind in notification_kinds_for(role)]


def notification_offer(role):
    """What the notification settings show a user in `role`: the kinds they may switch off and those always sent."""
    return {"optional": optional_notification_kinds(role=role), "required": required_notification_kinds(role=role)}


@transaction.atomic
def set_notification_preferences(*, user, wanted_kinds):
    """Keeps exactly the optional kinds of the user's role that are not in `wanted_kinds` switched off.

    Side effects: creates and deletes NotificationPreference rows. Required kinds stay on; kinds the role
    is never sent are ignored and not stored.
    """
    wanted = set(wanted_kinds)
    muted = {kind for kind in optional_notification_kinds(role=user.role) if kind not in wanted}
    NotificationPreference.objects.filter(user=user).exclude(kind__in=muted).delete()
    for kind in muted:
        NotificationPreference.objects.get_or_create(user=user, kind=kind)
    return muted


@transaction.atomic
def retry_message(*, message):
    """Queues a failed message again. Side effects: resets its status; delivery follows after commit."""
    from portal.notifications import queue_for_delivery

    if message.status != MessageStatus.FAILED:
        return False
    message.status = MessageStatus.QUEUED
    message.attempts = 0
    message.save(update_fields=["status", "attempts"])
    queue_for_delivery([message.pk])
    return True
