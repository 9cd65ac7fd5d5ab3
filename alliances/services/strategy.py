"""Writes on a strategy draft: its sections and budget, its documents. Each runs in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances import search, validators
from alliances.models import SECTION_FIELDS, BudgetLine, DocumentDownload, DocumentKind, Strategy, StrategyDocument
from alliances.services.conflicts import ChangedMeanwhile
from alliances.services.document_text import queue_document_text
from alliances.services.figures import bump_figures_version
from alliances.services.history import save_with_history
from portal import uploads
from portal.exceptions import Refusal
from portal.uploads import CheckStatus


class StrategyConflict(ChangedMeanwhile):
    """Someone else saved the strategy since the form was loaded; `current` is the strategy as it is now."""

    message_template = gettext_lazy(
        "Diese Strategie wurde inzwischen von %(who)s geändert. Ihre Eingaben wurden nicht gespeichert, "
        "sind aber unten erhalten. Bitte vergleichen Sie mit der aktuellen Fassung (Vorschau) und "
        "speichern Sie dann erneut."
    )
    changed_by = "updated_by"


class StrategyLocked(Refusal):
    """The strategy cannot change now: it is submitted, or the deadline has passed."""


class SubmissionRefused(Refusal):
    """A submission was refused; `reasons` lists why, in German."""

    def __init__(self, reasons):
        super().__init__(reasons=reasons)


def _locked_strategy(strategy):
    return Strategy.objects.select_for_update().select_related("cycle", "alliance").get(pk=strategy.pk)


def _ensure_open_for_work(strategy, now):
    if not strategy.is_editable_status:
        raise StrategyLocked(_("Die Strategie ist eingereicht und kann nicht mehr bearbeitet werden."))
    if not strategy.accepts_work_at(now):
        if now < strategy.cycle.submission_opens_at:
            raise StrategyLocked(
                _("Die Einreichung beginnt erst am %(date)s.")
                % {"date": validators.berlin_time(strategy.cycle.submission_opens_at)}
            )
        raise StrategyLocked(
            _("Die Frist ist am %(date)s abgelaufen. Änderungen und Einreichung sind nicht mehr möglich.")
            % {"date": validators.berlin_time(strategy.deadline)}
        )


@transaction.atomic
def save_strategy_draft(*, strategy, user, sections, budget, expected_version, now=None):
    """Saves the sections and the budget plan of a draft.

    `budget` maps (year, category) to a Decimal or None (an empty cell).
    Side effects: updates the strategy and its budget lines, each change kept in history, and its sections in the
    search index; raises StrategyConflict when `expected_version` is stale, StrategyLocked after the deadline,
    ValidationError for an amount or a total the budget rules refuse.
    """
    now = now or timezone.now()
    current = _locked_strategy(strategy)
    if current.version != expected_version:
        raise StrategyConflict(current)
    _ensure_open_for_work(current, now)
    validators.validate_sections(sections)
    validators.validate_budget(budget, current.cycle.max_grant_per_alliance)
    for name in SECTION_FIELDS:
        setattr(current, name, (sections.get(name) or "").strip())
    existing = {(line.year, line.category): line for line in current.budget_lines.all()}
    budget_changed = False
    for (year, category), amount in budget.items():
        line = existing.get((year, category))
        if amount is None:
            if line is not None:
                line._history_user = user
                line.delete()
                budget_changed = True
            continue
        if line is None:
            line = BudgetLine(strategy=current, year=year, category=category, amount=amount)
        elif line.amount == amount:
            continue
        line.amount = amount
        save_with_history(line, user)
        budget_changed = True
    if budget_changed:
        bump_figures_version(cycle_id=current.cycle_id)
    current.version += 1
    _touch(current, user, now)
    search.index_strategy(current)
    return current


def _touch(strategy, user, now, reason=None):
    strategy.updated_at = now
    strategy.updated_by = user
    save_with_history(strategy, user, reason)


def _mark_removed(document, user, now):
    """Hides the document from the draft, and its pages from the search; the file stays for earlier snapshots."""
    document.removed_at = now
    document.removed_by = user
    save_with_history(document, user)
    search.forget_document(document.pk)


def add_strategy_document(*, strategy, user, kind, uploaded_file, now=None):
    """Receives an uploaded PDF for a draft; the worker checks and cleans it after commit.

    Side effects: writes the raw file to the quarantine folder first, then (one transaction) creates a
    StrategyDocument "wird geprüft" and touches the strategy; queues the check after commit. If the transaction
    fails, the file is removed again. The document counts only once checked; a new main document replaces the
    previous one when it passes (see record_document_check).
    Raises ValidationError for an empty, too large or non-PDF file, StrategyLocked, and UploadNotStored (a
    Refusal with a German message) when the file cannot be written; then nothing is kept.
    """
    now = now or timezone.now()
    if kind not in DocumentKind.values:
        raise ValidationError(_("Bitte wählen Sie die Art des Dokuments."))
    received = uploads.receive_pdf(uploaded_file)
    # Nothing is written for a draft that is closed; the transaction below checks again under its lock.
    _ensure_open_for_work(Strategy.objects.select_related("cycle").get(pk=strategy.pk), now)
    return uploads.store_then_create(
        uploaded_file,
        lambda stored: _create_pending_document(
            strategy=strategy, user=user, kind=kind, received=received, stored=stored, now=now
        ),
    )


@transaction.atomic
def _create_pending_document(*, strategy, user, kind, received, stored, now):
    current = _locked_strategy(strategy)
    _ensure_open_for_work(current, now)
    document = StrategyDocument(
        strategy=current,
        kind=kind,
        original_name=received.original_name,
        size=received.size,
        sha256=received.sha256,
        original_sha256=received.sha256,
        page_count=0,
        check_status=CheckStatus.PENDING,
        uploaded_by=user,
        uploaded_at=now,
    )
    document.file.name = stored
    save_with_history(document, user, _("Hochgeladen, wird geprüft"))
    _touch(current, user, now, _("Dokument hochgeladen: %(name)s") % {"name": received.original_name})
    uploads.queue_pdf_check(document)
    return document


def record_document_check(*, pk, outcome, now=None):
    """Records the worker's verdict on a document that waits for it; runs in the check's transaction.

    Side effects: a passed document points to its cleaned copy and takes its hash, size and pages, with what was
    removed; a refused one keeps only the German reason and no file. Both are kept in the document's history
    (the reason names what was removed). A passed main document replaces the earlier main document.
    Returns False when the document no longer waits (checked before, by a redelivered task).
    """
    now = now or timezone.now()
    strategy_id = StrategyDocument.objects.filter(pk=pk).values_list("strategy_id", flat=True).first()
    if strategy_id is None:
        return False
    # The same order of locks as every other write on a draft: the strategy, then its document.
    Strategy.objects.select_for_update().filter(pk=strategy_id).first()
    document = StrategyDocument.objects.select_for_update().get(pk=pk)
    if document.check_status != CheckStatus.PENDING:
        return False
    uploads.apply_check_outcome(document, outcome)
    save_with_history(document, document.uploaded_by, uploads.check_history_reason(outcome))
    if document.is_checked and document.kind == DocumentKind.MAIN and document.removed_at is None:
        _keep_newest_main_document(document, now)
    if document.is_checked and document.removed_at is None:
        queue_document_text(document)
    return True


def _keep_newest_main_document(document, now):
    """Of the checked main documents of a draft, the latest upload stays; the others are marked removed."""
    mains = list(
        StrategyDocument.objects.select_for_update()
        .filter(
            strategy_id=document.strategy_id,
            kind=DocumentKind.MAIN,
            removed_at__isnull=True,
            check_status=CheckStatus.CHECKED,
        )
        .order_by("-uploaded_at", "-pk")
    )
    for previous in mains[1:]:
        _mark_removed(previous, document.uploaded_by, now)


@transaction.atomic
def remove_strategy_document(*, document, user, now=None):
    """Removes a document from a draft. The file is kept for earlier snapshots and history.

    Side effects: marks the document removed (its pages leave the search), touches the strategy.
    """
    now = now or timezone.now()
    current = _locked_strategy(document.strategy)
    _ensure_open_for_work(current, now)
    document = StrategyDocument.objects.select_for_update().get(pk=document.pk)
    if document.removed_at is None:
        _mark_removed(document, user, now)
        _touch(current, user, now, _("Dokument entfernt: %(name)s") % {"name": document.original_name})
    return document


def record_document_download(*, document, user):
    """Side effects: stores who downloaded the document, and when."""
    return DocumentDownload.objects.create(document=document, user=user)
