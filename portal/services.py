"""Business operations of the portal itself (notification settings, outbox handling)."""

from django.db import transaction

from portal.models import REQUIRED_NOTIFICATION_KINDS, MessageStatus, NotificationKind, NotificationPreference


def optional_notification_kinds():
    return [kind for kind in NotificationKind if kind not in REQUIRED_NOTIFICATION_KINDS]


@transaction.atomic
def set_notification_preferences(*, user, wanted_kinds):
    """Keeps exactly the optional kinds not in `wanted_kinds` switched off for `user`.

    Side effects: creates and deletes NotificationPreference rows. Required kinds stay on.
    """
    muted = {kind for kind in optional_notification_kinds() if kind not in set(wanted_kinds)}
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
