"""Requesting and rendering dossiers. Rendering runs in Celery workers, never inside a request."""

import hashlib
import json
import logging
import time

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import STRATEGY_SECTIONS, Strategy, StrategyStatus, budget_table
from dossiers import rendering
from dossiers.models import Dossier, DossierDownload, DossierKind, DossierStatus

logger = logging.getLogger(__name__)

# Raise when the print templates change, so that unchanged inputs still get a fresh rendering.
PRINT_LAYOUT_VERSION = 1


class DossierUnavailable(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def latest_submission(strategy):
    return strategy.submissions.order_by("-number").first()


def _strategy_inputs(strategy):
    submission = latest_submission(strategy)
    if submission is None:
        raise DossierUnavailable(_("Die Strategie ist noch nicht eingereicht."))
    alliance = strategy.alliance
    return {
        "submission": submission.fingerprint, "number": submission.number,
        "alliance": [alliance.name, alliance.acronym, alliance.region, alliance.innovation_field,
                     sorted(state.code for state in alliance.states.all())],
    }


def dossier_inputs(*, kind, cycle, strategy=None):
    """Everything a dossier's content depends on, as JSON-able data."""
    inputs = {"kind": kind, "layout": PRINT_LAYOUT_VERSION, "cycle": [cycle.slug, cycle.name]}
    if kind == DossierKind.STRATEGY:
        inputs["strategy"] = _strategy_inputs(strategy)
    return inputs


def fingerprint_of(inputs):
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode("utf-8")).hexdigest()


@transaction.atomic
def request_dossier(*, kind, cycle, user=None, strategy=None, force=False):
    """Returns a dossier for the current inputs: a ready or pending one if it exists, else a new queued one.

    Side effects: may create a Dossier and enqueue its rendering on the `pdf` queue after commit.
    Raises DossierUnavailable when the subject cannot have a dossier yet.
    """
    fingerprint = fingerprint_of(dossier_inputs(kind=kind, cycle=cycle, strategy=strategy))
    existing = (Dossier.objects.filter(kind=kind, cycle=cycle, strategy=strategy, fingerprint=fingerprint)
                .exclude(status=DossierStatus.FAILED).order_by("-created_at").first())
    if existing and not force:
        return existing
    dossier = Dossier.objects.create(kind=kind, cycle=cycle, strategy=strategy, fingerprint=fingerprint,
                                     requested_by=user)
    enqueue_rendering(dossier)
    return dossier


def enqueue_rendering(dossier):
    from dossiers.tasks import render_dossier_task

    dossier_id = dossier.pk

    def enqueue():
        try:
            render_dossier_task.delay(dossier_id)
        except Exception as error:  # noqa: BLE001 - broker down: the periodic sweep enqueues it later
            logger.warning("dossier %s stays queued: broker unavailable (%s)", dossier_id, error)

    transaction.on_commit(enqueue)


def _set_progress(dossier_id, percent):
    Dossier.objects.filter(pk=dossier_id).update(progress=percent)


def _uploads(submission, strategy):
    documents = {str(doc.public_id): doc for doc in strategy.documents.all()}
    uploads = []
    for number, facts in enumerate(submission.documents, start=1):
        document = documents.get(facts["id"])
        upload = rendering.Upload(anchor=f"anlage-{number}", title=facts["name"], path="")
        if document is None or not document.file:
            upload.error = _("Datei nicht gefunden")
        else:
            try:
                upload.path = document.file.path
            except NotImplementedError:
                upload.error = _("Datei nicht lesbar")
        uploads.append(upload)
    rendering.inspect_uploads([upload for upload in uploads if not upload.error])
    return uploads


def strategy_context(strategy):
    submission = latest_submission(strategy)
    uploads = _uploads(submission, strategy)
    sections = [{"name": name, "label": str(label), "text": submission.sections.get(name, "")}
                for name, label, _limit in STRATEGY_SECTIONS]
    toc = [{"anchor": "profil", "title": "Profil des Bündnisses"}]
    toc += [{"anchor": f"abschnitt-{s['name']}", "title": s["label"]} for s in sections]
    toc.append({"anchor": "finanzplan", "title": "Finanzplan"})
    toc += [{"anchor": u.anchor, "title": f"Anlage {i}: {u.title}"} for i, u in enumerate(uploads, start=1)]
    return {
        "strategy": strategy, "alliance": strategy.alliance, "cycle": strategy.cycle, "submission": submission,
        "sections": sections, "budget": budget_table(strategy.cycle.years, submission.budget),
        "uploads": uploads, "toc": toc, "generated_at": timezone.now(), "subject": strategy.alliance.name,
        "title": f"Erweiterte WIR!-Strategie: {strategy.alliance.name}",
    }


def _render(dossier):
    if dossier.kind == DossierKind.STRATEGY:
        context = strategy_context(dossier.strategy)
        return "dossiers/print/strategy.html", context
    raise DossierUnavailable(_("Diese Art von Dossier kann noch nicht erstellt werden."))


def render_dossier(*, dossier_id):
    """Renders one dossier; safe to run again for the same id.

    Side effects: sets status and progress as it goes; on success stores the PDF under the private root
    with its page count and render time; on failure keeps a readable German message and no file.
    """
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update(of=("self",)).select_related("strategy__alliance", "cycle").get(
            pk=dossier_id)
        if dossier.status == DossierStatus.READY:
            return dossier
        dossier.status = DossierStatus.RENDERING
        dossier.started_at = timezone.now()
        dossier.progress = 5
        dossier.attempts += 1
        dossier.save(update_fields=["status", "started_at", "progress", "attempts"])
    started = time.monotonic()
    try:
        template, context = _render(dossier)
        _set_progress(dossier_id, 20)
        html = rendering.render_html(template, context)
        _set_progress(dossier_id, 35)
        pdf, pages = rendering.build_pdf(
            html=html, uploads=[u for u in context.get("uploads", []) if not u.error],
            progress=lambda percent: _set_progress(dossier_id, percent),
        )
    except DossierUnavailable as unavailable:
        return _fail(dossier_id, unavailable.message)
    except Exception as error:  # noqa: BLE001 - every rendering fault ends as a readable failed dossier
        _fail(dossier_id, _("Das Dossier konnte nicht erstellt werden (%(error)s). Bitte versuchen Sie es "
                            "erneut.") % {"error": type(error).__name__})
        raise
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=dossier_id)
        dossier.file.save(f"{dossier.public_id}.pdf", ContentFile(pdf), save=False)
        dossier.page_count = pages
        dossier.render_seconds = round(time.monotonic() - started, 3)
        dossier.status = DossierStatus.READY
        dossier.progress = 100
        dossier.error_message = ""
        dossier.finished_at = timezone.now()
        dossier.save()
    return dossier


def _fail(dossier_id, message):
    Dossier.objects.filter(pk=dossier_id).update(status=DossierStatus.FAILED, error_message=message,
                                                 finished_at=timezone.now())
    return Dossier.objects.get(pk=dossier_id)


def record_download(*, dossier, user):
    """Side effects: stores who downloaded which dossier, and when."""
    return DossierDownload.objects.create(dossier=dossier, user=user)


def submitted_strategies(cycle):
    return Strategy.objects.filter(cycle=cycle, status=StrategyStatus.SUBMITTED)
