"""Writes on a strategy draft: its sections and budget, its documents. Each runs in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances import validators
from alliances.models import SECTION_FIELDS, BudgetLine, DocumentDownload, DocumentKind, Strategy, StrategyDocument
from alliances.services.conflicts import ChangedMeanwhile
from alliances.services.history import save_with_history
from portal.exceptions import Refusal
from portal.uploads import inspect_pdf


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
    Side effects: updates the strategy and its budget lines, each change kept in history;
    raises StrategyConflict when `expected_version` is stale, StrategyLocked after the deadline,
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
    for (year, category), amount in budget.items():
        line = existing.get((year, category))
        if amount is None:
            if line is not None:
                line._history_user = user
                line.delete()
            continue
        if line is None:
            line = BudgetLine(strategy=current, year=year, category=category, amount=amount)
        elif line.amount == amount:
            continue
        line.amount = amount
        save_with_history(line, user)
    current.version += 1
    _touch(current, user, now)
    return current


def _touch(strategy, user, now, reason=None):
    strategy.updated_at = now
    strategy.updated_by = user
    save_with_history(strategy, user, reason)


def _mark_removed(document, user, now):
    """Hides the document from the draft; the file stays for earlier snapshots."""
    document.removed_at = now
    document.removed_by = user
    save_with_history(document, user)


@transaction.atomic
def add_strategy_document(*, strategy, user, kind, uploaded_file, now=None):
    """Checks and stores an uploaded PDF for a draft.

    A new main document replaces the previous one (which stays stored for earlier snapshots).
    Side effects: writes the file under the private root, creates a StrategyDocument, touches the strategy.
    Raises ValidationError for a file that is not an acceptable PDF.
    """
    now = now or timezone.now()
    current = _locked_strategy(strategy)
    _ensure_open_for_work(current, now)
    if kind not in DocumentKind.values:
        raise ValidationError(_("Bitte wählen Sie die Art des Dokuments."))
    facts = inspect_pdf(uploaded_file)
    if kind == DocumentKind.MAIN:
        for previous in current.documents.filter(kind=DocumentKind.MAIN, removed_at__isnull=True):
            _mark_removed(previous, user, now)
    document = StrategyDocument(
        strategy=current,
        kind=kind,
        original_name=facts.original_name,
        size=facts.size,
        sha256=facts.sha256,
        page_count=facts.page_count,
        uploaded_by=user,
        uploaded_at=now,
    )
    document.file.save(f"{document.public_id}.pdf", uploaded_file, save=False)
    save_with_history(document, user)
    _touch(current, user, now, _("Dokument hochgeladen: %(name)s") % {"name": facts.original_name})
    return document


@transaction.atomic
def remove_strategy_document(*, document, user, now=None):
    """Removes a document from a draft. The file is kept for earlier snapshots and history.

    Side effects: marks the document removed, touches the strategy.
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
