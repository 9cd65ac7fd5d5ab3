"""Asking for a dossier: one row per kind, subject, inputs and generation, and one rendering at a time."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from dossiers import liveness
from dossiers.models import Dossier, DossierDownload, DossierStatus
from dossiers.services.inputs import dossier_inputs, fingerprint_of

logger = logging.getLogger(__name__)


@transaction.atomic
def request_dossier(
    *,
    kind,
    cycle=None,
    user=None,
    strategy=None,
    person=None,
    jury_session=None,
    force=False,
    enqueue=True,
    export_filters=None,
    language="",
):
    """Returns the dossier for the current inputs, rendered, pending or queued now. A dashboard export also
    takes the page's filters (`export_filters`) and its `language`; both are part of its inputs. A personal data
    export is about `person` and takes the `language` it is printed in; the record of processing activities too.
    A session's minutes are about `jury_session` (with its `cycle`).

    - None yet: a new queued dossier. Two concurrent requests make one row (the database's unique constraint
      decides; the loser returns the winner's row) and one rendering.
    - Ready: returned as it is, unless `force` or, for a cycle archive, parts were missing: then the next
      generation is queued, and the ready one stays readable until it is done.
    - Pending and alive: returned as it is; nothing is sent twice.
    - Failed, or interrupted (its worker fell silent or it overran, see dossiers/liveness.py): reset to queued
      and rendered afresh in the same row. A request never returns a stuck dossier.
    - Queued so long that its task must have been lost: its task is sent again.

    Side effects: may create a Dossier or reset one to queued and, unless `enqueue` is false (the caller renders
    it itself), enqueue its rendering on the `pdf` queue after commit. When the broker cannot be reached, the
    dossier stays queued (the periodic sweep sends it later) and gets `enqueue_failed = True` once the
    transaction has committed. Raises DossierUnavailable when the subject cannot have a dossier yet.
    """
    export = {"export_filters": export_filters or {}, "language": language}
    subject = {"cycle": cycle, "strategy": strategy, "person": person, "jury_session": jury_session}
    fingerprint = fingerprint_of(dossier_inputs(kind=kind, **subject, **export))
    key = {"kind": kind, **subject, "fingerprint": fingerprint}
    # Locks the current generation, so that two requests for a failed dossier reset and send it once.
    current = Dossier.objects.select_for_update(of=("self",)).filter(**key).order_by("-generation").first()
    if current is None:
        return _create_and_send(key, generation=0, user=user, enqueue=enqueue, fields=export)
    if current.status == DossierStatus.READY:
        if force or current.missing_parts:
            return _create_and_send(key, generation=current.generation + 1, user=user, enqueue=enqueue, fields=export)
        return current
    if current.status == DossierStatus.FAILED:
        return _reset_and_send(current, user=user, enqueue=enqueue)
    verdict = liveness.verdict_for(current, now=timezone.now())
    if verdict == liveness.Verdict.KEEP:
        return current
    if current.status == DossierStatus.QUEUED:
        if enqueue:
            enqueue_rendering(current)
        return current
    logger.warning("dossier %s was interrupted while rendering (%s); rendering it afresh", current.pk, verdict)
    return _reset_and_send(current, user=user, enqueue=enqueue)


def _create_and_send(key, *, generation, user, enqueue, fields=None):
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(**key, **(fields or {}), generation=generation, requested_by=user)
    except IntegrityError:
        # A concurrent request created it first; its transaction has committed, so the row is visible now.
        winner = Dossier.objects.filter(**key, generation=generation).first()
        if winner is None:
            raise
        return winner
    if enqueue:
        enqueue_rendering(dossier)
    return dossier


def _reset_and_send(dossier, *, user, enqueue):
    dossier.status = DossierStatus.QUEUED
    dossier.progress = 0
    dossier.error_message = ""
    dossier.warnings = []
    dossier.missing_parts = 0
    dossier.attempts = 0
    dossier.started_at = dossier.heartbeat_at = dossier.finished_at = None
    dossier.created_at = timezone.now()
    dossier.enqueued_at = None
    dossier.requested_by = user or dossier.requested_by
    dossier.save()
    if enqueue:
        enqueue_rendering(dossier)
    return dossier


def enqueue_rendering(dossier):
    """Sends the rendering task after commit and records when (`enqueued_at`, which the sweep reads); a broker
    that cannot be reached leaves the dossier queued, for the sweep to send later."""
    from dossiers.tasks import render_dossier_task

    dossier_id = dossier.pk
    dossier.enqueue_failed = False

    def enqueue():
        sent_at = timezone.now()
        try:
            render_dossier_task.delay(dossier_id)
        except Exception as error:  # noqa: BLE001 - broker down: the periodic sweep enqueues it later
            dossier.enqueue_failed = True
            logger.warning("dossier %s stays queued: broker unavailable (%s)", dossier_id, error)
            return
        Dossier.objects.filter(pk=dossier_id).update(enqueued_at=sent_at)

    transaction.on_commit(enqueue)


def record_download(*, dossier, user):
    """Side effects: stores who downloaded which dossier, and when."""
    return DossierDownload.objects.create(dossier=dossier, user=user)
