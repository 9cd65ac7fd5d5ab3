"""The erasure of an account on request (Art. 17 DSGVO): a person files a request, an admin approves or rejects it.

Approval pseudonymises the account (`portal.privacy.services.pseudonymise_account`): what the registry declares is
blanked, pseudonymised or deleted; what the funding file must keep stays, bound to the pseudonym. What happens is
summarised from the same registry, for the confirmation pages, for the stored result and for the message to the
person.

The message after an approval cannot go through the outbox like every other mail: an outbox row carries the
recipient's address, and after the erasure the address must be nowhere in the database. So the German message is
rendered from the stored result and sent by a Celery task (`portal.tasks.send_erasure_notice`) whose arguments carry
the address: it lives only in the broker until the task has sent the mail (acks_late, retried with backoff). The
request records when the person was told (`notified_at`); if the broker cannot take the task at all, the queue shows
that the person still has to be told.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.branding import mail_subject
from portal.exceptions import Refusal
from portal.models import ErasureRequest, ErasureStatus, NotificationKind, RetentionRule, Role, User
from portal.notifications import send_notification
from portal.privacy import registry
from portal.privacy.registry import DataKind, Erasure
from portal.privacy.services import pseudonymise_account

logger = logging.getLogger(__name__)

NOTICE_SUBJECT = "Ihr Konto wurde gelöscht"


class ErasureRefused(Refusal):
    """An erasure request cannot be filed, withdrawn or decided now; `message` says why, in German."""


# --- What an erasure does, from the registry --------------------------------------------------------------------


def erasure_summary(*, user) -> dict:
    """What an erasure of `user` erases and what it keeps, per purpose, from the registry: the declarations with
    rows about the person (their history tables are counted with them). JSON-ready, German, counts only.

    `erased`: [{"purpose", "action", "data": [kinds of data], "count"}]; `kept`: [{"purpose", "legal_basis",
    "category", "count"}]. The account itself is erased (name and address replaced by a pseudonym) and never kept.
    """
    rules = {rule.code: rule for rule in RetentionRule.objects.all()}
    erased, kept = {}, {}
    for declaration in registry.declarations().values():
        if declaration.derived_from or not declaration.subjects:
            continue
        count = declaration.rows_of(user).count()
        if not count:
            continue
        purpose = str(declaration.purpose)
        if declaration.deletes_rows:
            _add(erased, (purpose, "delete"), purpose=purpose, action=str(Erasure.DELETE_ROW.label), count=count)
            continue
        changed = [
            item
            for item in declaration.fields
            if item.erasure in (Erasure.BLANK, Erasure.PSEUDONYM) and item.kind != DataKind.USER_REFERENCE
        ]
        if changed:
            actions = sorted({str(Erasure(item.erasure).label) for item in changed})
            line = _add(erased, (purpose, "change"), purpose=purpose, action=", ".join(actions), count=count)
            line.setdefault("data", [])
            for item in changed:
                label = str(DataKind(item.kind).label)
                if label not in line["data"]:
                    line["data"].append(label)
        if declaration.model == settings.AUTH_USER_MODEL:
            continue
        bases = [str(item.legal_basis) for item in declaration.fields if item.erasure == Erasure.KEEP]
        rule = rules.get(declaration.retention)
        if not bases and rule is not None:
            bases = [rule.legal_basis]
        legal_basis = "; ".join(dict.fromkeys(bases))
        _add(
            kept,
            (purpose, legal_basis),
            purpose=purpose,
            legal_basis=legal_basis,
            category=rule.label if rule is not None else declaration.retention,
            count=count,
        )
    return {
        "erased": sorted(erased.values(), key=lambda line: line["purpose"]),
        "kept": sorted(kept.values(), key=lambda line: line["purpose"]),
    }


def _add(lines, key, *, count, **values):
    line = lines.setdefault(key, {**values, "count": 0})
    line["count"] += count
    return line


# --- Reads -------------------------------------------------------------------------------------------------------


def latest_erasure_request(*, user):
    """The user's latest erasure request (open or decided), or None: for the "Meine Daten" page."""
    return ErasureRequest.objects.filter(user=user).order_by("-requested_at", "-pk").first()


def open_request_of(user):
    return ErasureRequest.objects.open().filter(user=user).first()


def erasure_queue():
    """Every request for the admin's queue: open ones first, then the decided ones, newest first."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        ErasureRequest.objects.select_related("user", "decided_by")
        .annotate(
            waiting=Case(When(status=ErasureStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("waiting", "-requested_at", "-pk")
    )


# --- Writes ------------------------------------------------------------------------------------------------------


def request_erasure(*, user, reason="") -> ErasureRequest:
    """Files an erasure request for `user`'s own account; a user with an open request gets that one back.

    Side effects: writes the request and its history record. No account changes until an admin approves.
    """
    if not user.is_active or user.anonymised_at is not None:
        raise ErasureRefused(_("Dieses Konto ist bereits gelöscht oder deaktiviert."))
    try:
        with transaction.atomic():
            existing = open_request_of(user)
            if existing is not None:
                return existing
            request = ErasureRequest(user=user, reason=reason.strip())
            request._history_user = user
            request.save()
            return request
    except IntegrityError:
        # A second POST that raced the first: the constraint allows one open request, which is the answer.
        return ErasureRequest.objects.open().get(user=user)


def withdraw_erasure_request(*, request, user) -> ErasureRequest:
    """Withdraws the open request of `user`'s own account; withdrawing it again changes nothing.

    Side effects: sets the status and the time, with a history record.
    """
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        if request.user_id != user.pk:
            raise ErasureRefused(_("Nur die Person selbst kann ihren Antrag zurückziehen."))
        if request.status == ErasureStatus.WITHDRAWN:
            return request
        if request.status != ErasureStatus.OPEN:
            raise ErasureRefused(
                _("Der Antrag ist bereits entschieden (%(status)s).") % {"status": request.get_status_display()}
            )
        request.status = ErasureStatus.WITHDRAWN
        request.decided_at = timezone.now()
        request._history_user = user
        request.save()
        return request


def _locked_open_request(request, user):
    """The request, locked, if `user` may decide it now; an ErasureRefused with the German reason otherwise."""
    if not (user.is_active and user.role == Role.ADMIN):
        raise ErasureRefused(_("Über Löschanträge entscheidet die Administration."))
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.user_id == user.pk:
        raise ErasureRefused(_("Über Ihren eigenen Antrag entscheidet eine andere Person der Administration."))
    if request.status != ErasureStatus.OPEN:
        raise ErasureRefused(
            _("Über diesen Antrag ist bereits entschieden: %(status)s.") % {"status": request.get_status_display()}
        )
    return request


def approve_erasure(*, request, user) -> ErasureRequest:
    """Approves an open erasure request (admins only, never one's own) and erases the account at once.

    Side effects, in one transaction: pseudonymises the account and erases every row the registry ties to the
    person (`pseudonymise_account`); stores on the request what was erased (counts per model) and what is kept
    under which legal basis, with a history record. After commit, queues the message to the person (Celery task
    `send_erasure_notice`, the address in its arguments only, see the module docstring). A second approval is
    refused with the reason; nothing happens twice.
    """
    with transaction.atomic():
        request = _locked_open_request(request, user)
        person = User.objects.select_for_update().get(pk=request.user_id)
        address = person.email
        summary = erasure_summary(user=person)
        counts = pseudonymise_account(user=person)
        request.refresh_from_db()  # the erasure blanked the person's reason in the row
        request.status = ErasureStatus.DONE
        request.decided_by = user
        request.decided_at = timezone.now()
        request.result = {"counts": counts, "erased": summary["erased"], "kept": summary["kept"]}
        request._history_user = user
        request.save()
        request_id = request.pk
        transaction.on_commit(lambda: _queue_notice(request_id, address))
        return request


def _queue_notice(request_id, address):
    from portal.tasks import send_erasure_notice

    try:
        # The address is the notice's one argument that names a person: the workers' logs and events show a mask.
        send_erasure_notice.apply_async((request_id, address), argsrepr=f"({request_id}, '[Adresse]')")
    except Exception as error:  # noqa: BLE001 - the broker may be down; the queue shows the person is not told yet
        logger.warning("erasure notice for request %s not queued: %s", request_id, type(error).__name__)


def notice_for(request) -> tuple[str, str]:
    """The German message (text, HTML) that tells the person what was erased and what is kept under which legal
    basis; rendered from the request's stored result, so it names nothing the erasure removed."""
    context = {"request": request, "result": request.result, "base_url": settings.PORTAL_BASE_URL}
    with translation.override("de"):
        return (
            render_to_string("portal/email/erasure_done.txt", context),
            render_to_string("portal/email/erasure_done.html", context),
        )


def send_erasure_notice(*, request_id, address) -> bool:
    """Sends the message about an approved erasure to `address` (the person's former address, which the database
    no longer holds) unless it was sent already. Returns whether it sent now.

    Side effects: one e-mail; sets `notified_at`. A failure of the mail server raises, and the task retries; a
    refused recipient is final (logged without the address).
    """
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().filter(pk=request_id, status=ErasureStatus.DONE).first()
        if request is None or request.notified_at is not None:
            return False
        body_text, body_html = notice_for(request)
        mail = EmailMultiAlternatives(mail_subject(NOTICE_SUBJECT), body_text, settings.DEFAULT_FROM_EMAIL, [address])
        mail.attach_alternative(body_html, "text/html")
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused:
            # Final, and its text names the address: not retried, not logged with it.
            logger.warning("erasure notice for request %s: the mail server refused the recipient", request_id)
            return False
        request.notified_at = timezone.now()
        request.save(update_fields=["notified_at"])
        return True


def reject_erasure(*, request, user, note) -> ErasureRequest:
    """Rejects an open erasure request with a German reason (admins only, never one's own); the account stays.

    Side effects: sets status, decider, time and reason, with a history record; writes the message with the reason
    to the person into the outbox (delivered after commit). A second rejection is refused with the reason.
    """
    note = (note or "").strip()
    if not note:
        raise ErasureRefused(_("Bitte begründen Sie die Ablehnung."))
    with transaction.atomic():
        request = _locked_open_request(request, user)
        request.status = ErasureStatus.REJECTED
        request.decided_by = user
        request.decided_at = timezone.now()
        request.decision_note = note
        request._history_user = user
        request.save()
        send_notification(
            recipients=[request.user],
            kind=NotificationKind.ACCOUNT,
            subject="Ihr Antrag auf Löschung Ihres Kontos",
            template="portal/email/erasure_rejected",
            context={"request": request},
            cause=request,
        )
        return request
