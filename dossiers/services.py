"""Requesting and rendering dossiers. Rendering runs in Celery workers, never inside a request."""

import hashlib
import io
import json
import logging
import time
import zipfile

from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliances.models import Strategy
from decisions import selectors
from decisions.models import FundingDecision
from dossiers import contents, rendering
from dossiers.contents import DossierUnavailable
from dossiers.models import STRATEGY_KINDS, Dossier, DossierDownload, DossierKind, DossierStatus
from reviews.models import Assignment, PanelVotum, Review

logger = logging.getLogger(__name__)

# Raise when the print templates change, so that unchanged inputs still get a fresh rendering.
PRINT_LAYOUT_VERSION = 3


def _strategy_inputs(strategy):
    submission = strategy.latest_submission
    if submission is None:
        raise DossierUnavailable(_("Die Strategie ist noch nicht eingereicht."))
    alliance = strategy.alliance
    return {
        "submission": submission.fingerprint,
        "number": submission.number,
        "alliance": [
            alliance.name,
            alliance.acronym,
            alliance.region,
            alliance.innovation_field,
            sorted(state.code for state in alliance.states.all()),
        ],
    }


def _evaluation_inputs(strategy):
    reviews = Review.objects.filter(assignment__strategy=strategy).values_list("pk", "version", "status")
    votum = PanelVotum.objects.filter(strategy=strategy).values_list("pk", "version").first()
    decisions = FundingDecision.objects.filter(strategy=strategy).values_list("pk", "version", "status", "is_current")
    assignments = strategy.assignments.values_list("pk", "status")
    return {
        "reviews": sorted(reviews),
        "votum": votum,
        "decisions": sorted(decisions),
        "assignments": sorted(assignments),
    }


def _letter_inputs(strategy):
    decision = selectors.released_decision(strategy)
    if decision is None:
        raise DossierUnavailable(_("Für diese Strategie ist noch keine Förderentscheidung freigegeben."))
    return {
        "decision": decision.pk,
        "released_at": decision.released_at.isoformat(),
        "letter": decision.letter_html,
        "alliance": strategy.alliance.name,
    }


def _cycle_inputs(cycle):
    strategies = Strategy.objects.filter(cycle=cycle).values_list(
        "pk", "version", "status", "alliance__name", "alliance__region", "alliance__innovation_field"
    )
    reviews = Review.objects.filter(assignment__strategy__cycle=cycle).values_list("pk", "version", "status")
    voten = PanelVotum.objects.filter(strategy__cycle=cycle).values_list("pk", "version")
    decisions = FundingDecision.objects.filter(strategy__cycle=cycle).values_list(
        "pk", "version", "status", "is_current"
    )
    # The report shows reviews expected per alliance, which follow the assignments.
    assignments = Assignment.objects.filter(strategy__cycle=cycle).values_list("pk", "status")
    return {
        "budget": str(cycle.budget),
        "strategies": sorted(strategies),
        "reviews": sorted(reviews),
        "voten": sorted(voten),
        "decisions": sorted(decisions),
        "assignments": sorted(assignments),
    }


def dossier_inputs(*, kind, cycle, strategy=None):
    """Everything a dossier's content depends on, as JSON-able data."""
    inputs = {"kind": kind, "layout": PRINT_LAYOUT_VERSION, "cycle": [cycle.slug, cycle.name]}
    if kind == DossierKind.DECISION_LETTER:
        inputs["letter"] = _letter_inputs(strategy)
    elif kind in STRATEGY_KINDS:
        inputs["strategy"] = _strategy_inputs(strategy)
    if kind == DossierKind.EVALUATION:
        inputs["evaluation"] = _evaluation_inputs(strategy)
    if kind in (DossierKind.CYCLE_REPORT, DossierKind.CYCLE_ARCHIVE):
        inputs["report"] = _cycle_inputs(cycle)
    return inputs


def fingerprint_of(inputs):
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode("utf-8")).hexdigest()


@transaction.atomic
def request_dossier(*, kind, cycle, user=None, strategy=None, force=False, enqueue=True):
    """Returns a dossier for the current inputs: a ready or pending one if it exists, else a new queued one.

    Side effects: may create a Dossier and, unless `enqueue` is false (the caller renders it itself), enqueue
    its rendering on the `pdf` queue after commit. When the broker cannot be reached, the dossier stays queued
    (the periodic sweep sends it later) and gets `enqueue_failed = True` once the transaction has committed.
    Raises DossierUnavailable when the subject cannot have a dossier yet.
    """
    fingerprint = fingerprint_of(dossier_inputs(kind=kind, cycle=cycle, strategy=strategy))
    existing = (
        Dossier.objects.filter(kind=kind, cycle=cycle, strategy=strategy, fingerprint=fingerprint)
        .exclude(status=DossierStatus.FAILED)
        .order_by("-created_at")
        .first()
    )
    if existing and not force:
        return existing
    dossier = Dossier.objects.create(
        kind=kind, cycle=cycle, strategy=strategy, fingerprint=fingerprint, requested_by=user
    )
    if enqueue:
        enqueue_rendering(dossier)
    return dossier


def enqueue_rendering(dossier):
    from dossiers.tasks import render_dossier_task

    dossier_id = dossier.pk
    dossier.enqueue_failed = False

    def enqueue():
        try:
            render_dossier_task.delay(dossier_id)
        except Exception as error:  # noqa: BLE001 - broker down: the periodic sweep enqueues it later
            dossier.enqueue_failed = True
            logger.warning("dossier %s stays queued: broker unavailable (%s)", dossier_id, error)

    transaction.on_commit(enqueue)


def _set_progress(dossier_id, percent):
    Dossier.objects.filter(pk=dossier_id).update(progress=percent)


def _build_archive(dossier):
    """Renders (or reuses) every evaluation dossier of the cycle and the cycle report, and zips them."""
    cycle = dossier.cycle
    strategies = list(
        Strategy.objects.submitted().filter(cycle=cycle).select_related("alliance").order_by("alliance__name")
    )
    parts = []
    for index, strategy in enumerate(strategies, start=1):
        part = request_dossier(kind=DossierKind.EVALUATION, cycle=cycle, strategy=strategy, enqueue=False)
        if part.status != DossierStatus.READY:
            part = render_dossier(dossier_id=part.pk)
        parts.append(part)
        _set_progress(dossier.pk, min(90, int(90 * index / (len(strategies) + 1))))
    report = request_dossier(kind=DossierKind.CYCLE_REPORT, cycle=cycle, enqueue=False)
    if report.status != DossierStatus.READY:
        report = render_dossier(dossier_id=report.pk)
    parts.append(report)
    failed = [part for part in parts if part.status != DossierStatus.READY]
    if failed:
        raise DossierUnavailable(
            ngettext(
                "%(count)s Dossier konnte nicht erstellt werden; das Archiv ist unvollständig.",
                "%(count)s Dossiers konnten nicht erstellt werden; das Archiv ist unvollständig.",
                len(failed),
            )
            % {"count": len(failed)}
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            with part.file.open("rb") as handle:
                archive.writestr(part.filename, handle.read())
    return buffer.getvalue(), sum(part.page_count or 0 for part in parts)


def render_dossier(*, dossier_id):
    """Renders one dossier; safe to run again for the same id. Returns None when the dossier no longer exists.

    Side effects: sets status and progress as it goes; on success stores the PDF under the private root
    with its page count and render time; on failure keeps a readable German message and no file.
    """
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("strategy__alliance", "cycle")
            .filter(pk=dossier_id)
            .first()
        )
        # A dossier deleted while its task waited (its subject was removed) leaves nothing to do.
        if dossier is None or dossier.status == DossierStatus.READY:
            return dossier
        dossier.status = DossierStatus.RENDERING
        dossier.started_at = timezone.now()
        dossier.progress = 5
        dossier.attempts += 1
        dossier.save(update_fields=["status", "started_at", "progress", "attempts"])
    started = time.monotonic()
    try:
        if dossier.kind == DossierKind.CYCLE_ARCHIVE:
            content, pages = _build_archive(dossier)
            extension = "zip"
        else:
            template, context = contents.template_and_context(dossier)
            _set_progress(dossier_id, 20)
            html = rendering.render_html(template, context)
            _set_progress(dossier_id, 35)
            content, pages = rendering.build_pdf(
                html=html,
                uploads=[u for u in context.get("uploads", []) if not u.error],
                progress=lambda percent: _set_progress(dossier_id, percent),
            )
            extension = "pdf"
        return _store(dossier_id, content, pages, started, extension=extension)
    except DossierUnavailable as unavailable:
        return _fail(dossier_id, unavailable.message)
    except OperationalError:
        raise  # the database is away: the task retries, the dossier stays "rendering" for the sweep
    except Exception as error:  # noqa: BLE001 - every rendering fault ends as a readable failed dossier
        logger.exception("dossier %s failed", dossier_id)
        return _fail(
            dossier_id,
            _("Das Dossier konnte nicht erstellt werden (%(error)s). Bitte versuchen Sie es erneut.")
            % {"error": type(error).__name__},
        )


def _store(dossier_id, content, pages, started, *, extension):
    """Stores the file and marks the dossier ready in one step; a file whose row is not saved is removed."""
    stored = None
    try:
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().get(pk=dossier_id)
            dossier.file.save(f"{dossier.public_id}.{extension}", ContentFile(content), save=False)
            stored = dossier.file.name
            dossier.page_count = pages
            dossier.render_seconds = round(time.monotonic() - started, 3)
            dossier.status = DossierStatus.READY
            dossier.progress = 100
            dossier.error_message = ""
            dossier.finished_at = timezone.now()
            dossier.save()
    except BaseException:
        if stored:
            dossier.file.storage.delete(stored)
        raise
    return dossier


def _fail(dossier_id, message):
    Dossier.objects.filter(pk=dossier_id).update(
        status=DossierStatus.FAILED, error_message=message, finished_at=timezone.now()
    )
    return Dossier.objects.get(pk=dossier_id)


def record_download(*, dossier, user):
    """Side effects: stores who downloaded which dossier, and when."""
    return DossierDownload.objects.create(dossier=dossier, user=user)
