import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from portal.logs import redact
from portal.models import MessageStatus, NotificationKind, OutgoingMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

# A periodic job that writes notices: run once more after a broker or database hiccup, and never for long.
PERIODIC_NOTICE_JOB = {
    "acks_late": True,
    "autoretry_for": (ConnectionError,),
    "retry_backoff": True,
    "max_retries": 5,
    "soft_time_limit": 120,
    "time_limit": 180,
}


def retry_countdown(attempts):
    """Seconds before the next delivery attempt: doubling from 60 s, but always shorter than the broker's
    visibility timeout, which would otherwise hand the waiting retry out a second time."""
    return min(2**attempts * 30, settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] - 60)


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1, soft_time_limit=60, time_limit=90)
def deliver_message(self, message_id):
    """Sends one outbox message; idempotent, retried with backoff, marked failed after the last attempt."""
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status not in (MessageStatus.QUEUED, MessageStatus.FAILED):
            return "skipped"
        email = EmailMultiAlternatives(
            message.subject, message.body_text, settings.DEFAULT_FROM_EMAIL, [message.recipient_email]
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        if message.attachment_filename:
            email.attach(message.attachment_filename, message.attachment_content, message.attachment_type)
        message.attempts += 1
        try:
            email.send()
        except Exception as error:  # noqa: BLE001 - any transport error is recorded and retried
            # An SMTP refusal quotes the recipient: the stored error and the log keep the message id instead.
            message.last_error = redact(f"{type(error).__name__}: {error}")[:2000]
            message.status = MessageStatus.FAILED if message.attempts >= MAX_ATTEMPTS else MessageStatus.QUEUED
            message.save(update_fields=["attempts", "last_error", "status"])
            logger.warning(
                "delivery of message %s failed (attempt %s): %s", message_id, message.attempts, message.last_error
            )
            if message.status == MessageStatus.QUEUED:
                transaction.on_commit(lambda: self.retry(countdown=retry_countdown(message.attempts), throw=False))
            return "failed"
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        if message.kind == NotificationKind.ACCOUNT:
            # A sign-in mail's link must not outlive its delivery in the outbox.
            message.body_text = message.body_html = ""
        message.save(update_fields=["attempts", "last_error", "status", "sent_at", "body_text", "body_html"])
        return "sent"


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_outbox():
    """Re-sends queued messages that waited more than five minutes (for instance while the broker was down)."""
    stale = OutgoingMessage.objects.filter(
        status=MessageStatus.QUEUED, created_at__lt=timezone.now() - timedelta(minutes=5)
    )
    ids = list(stale.values_list("pk", flat=True)[:500])
    for message_id in ids:
        deliver_message.delay(message_id)
    return len(ids)


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=MAX_ATTEMPTS * 2,
    soft_time_limit=60,
    time_limit=90,
)
def send_erasure_notice(request_id, address):
    """Tells a person that their account was erased. The one task that carries an address: after the erasure the
    database no longer holds it (see portal.privacy.erasure). Idempotent; mail server errors are retried."""
    from portal.privacy import erasure

    return erasure.send_erasure_notice(request_id=request_id, address=address)


# The inspection itself is bounded in a child process (UPLOAD_CHECK_SECONDS); the task's limits leave room for
# storing the cleaned copy around it.
UPLOAD_CHECK_TIME_LIMIT = settings.UPLOAD_CHECK_SECONDS + 120


@shared_task(acks_late=True, soft_time_limit=UPLOAD_CHECK_TIME_LIMIT, time_limit=UPLOAD_CHECK_TIME_LIMIT + 30)
def check_uploaded_pdf(model_label, pk):
    """Inspects and cleans one uploaded PDF (see portal.uploads.check_uploaded_pdf); safe to run twice."""
    from portal import uploads

    return uploads.check_uploaded_pdf(model_label=model_label, pk=pk)


@shared_task(**PERIODIC_NOTICE_JOB)
def sweep_pending_uploads():
    """Queues the check again for uploads still waiting after ten minutes (a lost worker, a broker outage)."""
    from portal import uploads

    waiting = uploads.pending_uploads(older_than=timezone.now() - timedelta(minutes=10))
    for model_label, pk in waiting:
        check_uploaded_pdf.delay(model_label, pk)
    return len(waiting)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def remove_leftover_files():
    """Removes files that no record will ever claim: quarantined uploads whose row was never stored (older than a
    day) and partial files of writes that were killed (older than an hour). Returns how many of each went."""
    from django.core.files.storage import default_storage

    from portal import uploads

    now = timezone.now()
    quarantined = uploads.remove_orphaned_quarantine_files(older_than=now - timedelta(days=1))
    partial = default_storage.remove_partial_files(older_than=now - timedelta(hours=1))
    return {"quarantine": quarantined, "partial": partial}


@shared_task(acks_late=True, soft_time_limit=30 * 60, time_limit=35 * 60)
def apply_retention_schedule():
    """The daily retention run (beat): deletes and anonymises what the schedule says is due; idempotent, and
    skipped while another run is still going."""
    from portal.privacy.services import apply_retention

    run = apply_retention()
    return run.counts if run is not None else "skipped: another run is still going"


@shared_task(acks_late=True, soft_time_limit=5 * 60, time_limit=6 * 60)
def truncate_client_addresses():
    """Cuts stored client addresses older than the sign-in throttle's window to their network (beat, every few
    minutes); idempotent."""
    from portal.privacy import addresses

    return addresses.truncate_client_addresses()
