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
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliances.models import STRATEGY_SECTIONS, Strategy, StrategyStatus, budget_table
from decisions import charts, dashboard
from decisions import services as decision_services
from decisions.models import DecisionStatus, FundingDecision
from dossiers import rendering
from dossiers.models import STRATEGY_KINDS, Dossier, DossierDownload, DossierKind, DossierStatus
from reviews import services as review_services
from reviews.models import Assignment, PanelVotum, Review

logger = logging.getLogger(__name__)

# Raise when the print templates change, so that unchanged inputs still get a fresh rendering.
PRINT_LAYOUT_VERSION = 2


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


def released_decision(strategy):
    """The strategy's decision as the alliance last received it: the most recently released one."""
    return (
        FundingDecision.objects.filter(strategy=strategy, status=DecisionStatus.RELEASED)
        .select_related("strategy__alliance", "strategy__cycle", "supersedes")
        .order_by("-released_at", "-pk")
        .first()
    )


def _letter_inputs(strategy):
    decision = released_decision(strategy)
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
    sections = [
        {"name": name, "label": str(label), "text": submission.sections.get(name, "")}
        for name, label, _limit in STRATEGY_SECTIONS
    ]
    toc = [{"anchor": "profil", "title": "Profil des Bündnisses"}]
    toc += [{"anchor": f"abschnitt-{s['name']}", "title": s["label"]} for s in sections]
    toc.append({"anchor": "finanzplan", "title": "Finanzplan"})
    toc += [{"anchor": u.anchor, "title": f"Anlage {i}: {u.title}"} for i, u in enumerate(uploads, start=1)]
    return {
        "strategy": strategy,
        "alliance": strategy.alliance,
        "cycle": strategy.cycle,
        "submission": submission,
        "sections": sections,
        "budget": budget_table(strategy.cycle.years, submission.budget),
        "uploads": uploads,
        "toc": toc,
        "generated_at": timezone.now(),
        "subject": strategy.alliance.name,
        "title": f"Erweiterte WIR!-Strategie: {strategy.alliance.name}",
    }


def _score_rows(review, criteria):
    scores = {score.criterion_id: score for score in review.scores.all()}
    return [{"criterion": criterion, "score": scores.get(criterion.pk)} for criterion in criteria]


def evaluation_context(strategy):
    """The strategy dossier plus scores, charts, every review with names, the Votum and the decision."""
    context = strategy_context(strategy)
    row = dashboard.row_for(strategy=strategy)
    submission = context["submission"]
    reviews, criterion_rows = review_services.submitted_reviews_by_criterion(strategy=strategy, submission=submission)
    criteria = [item["criterion"] for item in criterion_rows]
    for review in reviews:
        review.score_rows = _score_rows(review, criteria)
    points = dashboard.score_points(cycle=strategy.cycle)
    means = dashboard.criterion_means(cycle=strategy.cycle, strategy=strategy)
    decision = (
        FundingDecision.objects.filter(strategy=strategy, is_current=True)
        .exclude(status=DecisionStatus.WITHDRAWN)
        .order_by("-proposed_at")
        .first()
    )
    context.update(
        {
            "stats": row,
            "expected": row.reviews_expected or 0,
            "reviews": reviews,
            "show_names": True,
            "distribution": charts.score_distribution(rows=[row], points=points),
            "heatmap": charts.criterion_heatmap(rows=[row], means=means),
            "votum": PanelVotum.objects.filter(strategy=strategy).first(),
            "decision": decision,
            "title": f"Bewertungs-Dossier: {strategy.alliance.name}",
        }
    )
    toc = context["toc"]
    finance_index = next(i for i, entry in enumerate(toc) if entry["anchor"] == "finanzplan") + 1
    toc[finance_index:finance_index] = [
        {"anchor": "bewertung", "title": "Bewertung im Überblick"},
        {"anchor": "gutachten", "title": "Gutachten"},
        {"anchor": "votum", "title": "Votum der Jury"},
        {"anchor": "entscheidung", "title": "Förderentscheidung"},
    ]
    return context


def letter_context(strategy):
    """The released decision letter as stored at release. Its HTML is trusted: templates/decisions/letter.html
    escapes every user text (conditions, rationale, reason of a correction) when the letter is released."""
    decision = released_decision(strategy)
    if decision is None:
        raise DossierUnavailable(_("Für diese Strategie ist noch keine Förderentscheidung freigegeben."))
    letter = decision.letter_html or decision_services.render_letter(decision)
    alliance = strategy.alliance
    return {
        "strategy": strategy,
        "alliance": alliance,
        "cycle": strategy.cycle,
        "decision": decision,
        "letter": mark_safe(letter),  # noqa: S308 - rendered by our own autoescaping template, see above
        "generated_at": timezone.now(),
        "subject": alliance.name,
        "submission": None,
        "uploads": [],
        "title": f"Entscheidungsschreiben: {alliance.name}",
    }


def cycle_report_context(cycle):
    rows = dashboard.rows_for(cycle=cycle, filters=dashboard.DashboardFilters(sort="-median"))
    return {
        "cycle": cycle,
        "rows": rows,
        "budget": dashboard.budget_panel(cycle=cycle, rows=rows),
        "distribution": charts.score_distribution(rows=rows, points=dashboard.score_points(cycle=cycle)),
        "heatmap": charts.criterion_heatmap(rows=rows, means=dashboard.criterion_means(cycle=cycle)),
        "generated_at": timezone.now(),
        "subject": cycle.name,
        "submission": None,
        "uploads": [],
        "title": f"Bericht: {cycle.name}",
    }


def _render(dossier):
    if dossier.kind == DossierKind.STRATEGY:
        return "dossiers/print/strategy.html", strategy_context(dossier.strategy)
    if dossier.kind == DossierKind.EVALUATION:
        return "dossiers/print/evaluation.html", evaluation_context(dossier.strategy)
    if dossier.kind == DossierKind.CYCLE_REPORT:
        return "dossiers/print/cycle_report.html", cycle_report_context(dossier.cycle)
    if dossier.kind == DossierKind.DECISION_LETTER:
        return "dossiers/print/letter.html", letter_context(dossier.strategy)
    raise DossierUnavailable(_("Diese Art von Dossier wird als Archiv gebaut, nicht als PDF."))


def _build_archive(dossier):
    """Renders (or reuses) every evaluation dossier of the cycle and the cycle report, and zips them."""
    cycle = dossier.cycle
    strategies = list(submitted_strategies(cycle).select_related("alliance").order_by("alliance__name"))
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
            template, context = _render(dossier)
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


def submitted_strategies(cycle):
    return Strategy.objects.filter(cycle=cycle, status=StrategyStatus.SUBMITTED)
