"""The one way the portal sends e-mail: every message is written to the outbox, then delivered by a task."""

import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.branding import mail_subject
from portal.models import (
    REQUIRED_NOTIFICATION_KINDS,
    MessageStatus,
    NotificationKind,
    NotificationPreference,
    OutgoingMessage,
    User,
)

logger = logging.getLogger(__name__)


def _wants(users, kind):
    if kind in REQUIRED_NOTIFICATION_KINDS:
        return users
    muted = set(NotificationPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", flat=True))
    return [user for user in users if user.pk not in muted]


def send_notification(
    *, recipients, kind, subject, template, context, cause=None, cause_url="", release_key="", attachment=None
):
    """Writes one German e-mail per recipient into the outbox and delivers it after commit.

    `recipients` are users; inactive ones and those who switched this kind off are skipped
    (legally required kinds cannot be switched off). With a `release_key` the messages are held
    until `release_held_messages` is called with that key. `attachment` is an optional (file name, MIME type,
    text) every message carries, such as a calendar invitation. Returns the created OutgoingMessages.
    """
    users = _wants([user for user in {user.pk: user for user in recipients}.values() if user.is_active], kind)
    if not users:
        return []
    with translation.override("de"):
        full_context = {**context, "base_url": settings.PORTAL_BASE_URL}
        body_text = render_to_string(f"{template}.txt", full_context)
        body_html = render_to_string(f"{template}.html", full_context)
        subject_line = mail_subject(subject)
        cause_label = str(cause)[:300] if cause is not None else ""
    attachment_filename, attachment_type, attachment_content = attachment or ("", "", "")
    messages = OutgoingMessage.objects.bulk_create(
        OutgoingMessage(
            recipient=user,
            recipient_email=user.email,
            kind=kind,
            subject=subject_line,
            body_text=body_text,
            body_html=body_html,
            cause_label=cause_label,
            cause_url=cause_url,
            cause_model=cause._meta.label_lower if cause is not None else "",
            cause_id=cause.pk if cause is not None else None,
            release_key=release_key,
            status=MessageStatus.HELD if release_key else MessageStatus.QUEUED,
            attachment_filename=attachment_filename,
            attachment_type=attachment_type,
            attachment_content=attachment_content,
        )
        for user in sorted(users, key=lambda u: u.email)
    )
    if not release_key:
        queue_for_delivery([message.pk for message in messages])
    return messages


def release_held_messages(*, release_key):
    """Queues the messages held under `release_key` (for instance a decision's e-mails) for delivery."""
    ids = list(
        OutgoingMessage.objects.filter(release_key=release_key, status=MessageStatus.HELD).values_list("pk", flat=True)
    )
    OutgoingMessage.objects.filter(pk__in=ids).update(status=MessageStatus.QUEUED, created_at=timezone.now())
    queue_for_delivery(ids)
    return len(ids)


def queue_for_delivery(ids):
    """Enqueues delivery tasks for these outbox messages once the transaction commits."""
    from portal.tasks import deliver_message

    def enqueue():
        for message_id in ids:
            try:
                deliver_message.delay(message_id)
            except Exception as error:  # noqa: BLE001 - the broker may be down; the periodic sweep re-sends it
                logger.warning("message %s stays queued: broker unavailable (%s)", message_id, error)

    transaction.on_commit(enqueue)


def send_account_mail(*, email, subject, body_text, body_html=""):
    """Writes a sign-in mail (a reset link, a new factor) for the active account of `email` into the outbox.

    Nothing is written for an address without an active account, so a reset request for an unknown address
    looks the same from outside. Returns the OutgoingMessage or None.
    """
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return None
    message = OutgoingMessage.objects.create(
        recipient=user,
        recipient_email=user.email,
        kind=NotificationKind.ACCOUNT,
        subject=mail_subject(subject),
        body_text=body_text,
        body_html=body_html or "",
    )
    queue_for_delivery([message.pk])
    return message
