"""Submitting a strategy, and what the programme office does to a submission: reopen it, extend a deadline."""

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances import search, validators
from alliances.models import SECTION_FIELDS, DeadlineExtension, Reopening, StrategyStatus, Submission
from alliances.selectors import active_managers
from alliances.services.figures import bump_figures_version
from alliances.services.strategy import SubmissionRefused, _ensure_open_for_work, _locked_strategy, _touch
from alliances.signals import snapshot_frozen, strategy_submitted
from portal.models import NotificationKind
from portal.notifications import send_notification
from portal.uploads import CheckStatus


def snapshot_fingerprint(*, cycle_slug, alliance_slug, sections, budget, documents):
    canonical = json.dumps(
        {
            "cycle": cycle_slug,
            "alliance": alliance_slug,
            "sections": sections,
            "budget": budget,
            "documents": documents,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _move_to(strategy, status, user, now, reason):
    """A change of status is a new version of the strategy, kept in its history with `reason`."""
    strategy.status = status
    strategy.version += 1
    _touch(strategy, user, now, reason)
    bump_figures_version(cycle_id=strategy.cycle_id)


def _grant_extension(strategy, user, now, until, reason):
    """Logs the extension and moves the strategy's deadline; the caller saves the strategy."""
    DeadlineExtension.objects.create(
        strategy=strategy, new_deadline=until, reason=reason, granted_by=user, granted_at=now
    )
    strategy.extended_deadline = until


@transaction.atomic
def submit_strategy(*, strategy, user, now=None):
    """Submits a complete strategy before its deadline.

    Side effects: freezes an immutable Submission (sections, budget, document hashes, who, when),
    locks editing, e-mails a receipt with timestamp and fingerprint to the alliance's managers, makes the snapshot's
    sections searchable for its experts (those of the earlier snapshot leave the search),
    sends `snapshot_frozen` inside the transaction and `strategy_submitted` after commit.
    Raises SubmissionRefused or StrategyLocked.
    """
    now = now or timezone.now()
    current = _locked_strategy(strategy)
    _ensure_open_for_work(current, now)
    documents = list(current.active_documents().order_by("kind", "uploaded_at"))
    waiting = [doc for doc in documents if doc.check_status == CheckStatus.PENDING]
    if waiting:
        raise SubmissionRefused(
            [
                _("„%(name)s“ wird noch geprüft. Bitte reichen Sie ein, sobald die Prüfung abgeschlossen ist.")
                % {"name": doc.original_name}
                for doc in waiting
            ]
        )
    missing = current.missing_items(documents)
    if missing:
        raise SubmissionRefused([_("Es fehlt noch: %(item)s.") % {"item": item} for item in missing])
    sections = {name: getattr(current, name) for name in SECTION_FIELDS}
    budget = [
        {"year": line.year, "category": line.category, "amount": str(line.amount)}
        for line in current.budget_lines.order_by("year", "category")
    ]
    document_facts = [
        {
            "id": str(doc.public_id),
            "kind": doc.kind,
            "name": doc.original_name,
            # The uploader's file, as the receipt promises; the portal serves the checked copy.
            "sha256": doc.original_sha256 or doc.sha256,
            "served_sha256": doc.sha256,
            "size": doc.size,
            "pages": doc.page_count,
        }
        for doc in documents
    ]
    latest = current.latest_submission
    number = (latest.number if latest else 0) + 1
    submission = Submission.objects.create(
        strategy=current,
        number=number,
        submitted_at=now,
        submitted_by=user,
        sections=sections,
        budget=budget,
        documents=document_facts,
        fingerprint=snapshot_fingerprint(
            cycle_slug=current.cycle.slug,
            alliance_slug=current.alliance.slug,
            sections=sections,
            budget=budget,
            documents=document_facts,
        ),
    )
    search.index_latest_submission(submission, current)
    snapshot_frozen.send(sender=Submission, submission=submission)
    _move_to(
        current, StrategyStatus.SUBMITTED, user, now, _("Eingereicht (Einreichung Nr. %(number)s)") % {"number": number}
    )
    send_notification(
        recipients=active_managers(current.alliance),
        kind=NotificationKind.SUBMISSION_RECEIPT,
        subject=_("Eingangsbestätigung: erweiterte WIR!-Strategie %(alliance)s") % {"alliance": current.alliance.name},
        template="alliances/email/receipt",
        context={"submission": submission, "strategy": current},
        cause=submission,
        cause_url=reverse("alliances:submission", args=[current.cycle.slug, current.alliance.slug, number]),
    )
    transaction.on_commit(lambda: strategy_submitted.send(sender=Submission, submission=submission))
    return submission


@transaction.atomic
def extend_deadline(*, strategy, user, new_deadline, reason, now=None):
    """Grants one alliance a later submission deadline.

    Side effects: logs a DeadlineExtension and records it in the strategy's history.
    Raises ValidationError when the date is not in the future, not after the alliance's current deadline, or no
    reason is given; then nothing is stored.
    """
    now = now or timezone.now()
    reason = validators.clean_reason(reason, _("Bitte begründen Sie die Fristverlängerung."))
    validators.validate_future_deadline(new_deadline, now)
    current = _locked_strategy(strategy)
    validators.validate_extension_after(new_deadline, current.deadline)
    _grant_extension(current, user, now, new_deadline, reason)
    _touch(current, user, now, _("Frist verlängert: %(reason)s") % {"reason": reason})
    return current


@transaction.atomic
def reopen_submission(*, strategy, user, reason, extend_until=None, now=None):
    """Reopens the latest submission so the alliance can change and resubmit its strategy.

    Side effects: records a Reopening with its reason, sets the strategy to "reopened"
    (and its deadline, if `extend_until` is given) and notifies the alliance's managers. No later stage
    needs to hear of it: experts learn of the resubmission. The earlier snapshot stays unchanged.
    """
    now = now or timezone.now()
    reason = validators.clean_reason(reason, _("Bitte begründen Sie die Wiederöffnung."))
    if extend_until is not None:
        validators.validate_future_deadline(extend_until, now)
    current = _locked_strategy(strategy)
    if current.status != StrategyStatus.SUBMITTED:
        raise ValidationError(_("Nur eine eingereichte Strategie kann wieder geöffnet werden."))
    if extend_until is not None:
        validators.validate_extension_after(extend_until, current.deadline)
    submission = current.latest_submission
    reopening = Reopening.objects.create(submission=submission, reopened_by=user, reopened_at=now, reason=reason)
    if extend_until is not None:
        _grant_extension(current, user, now, extend_until, reason)
    _move_to(current, StrategyStatus.REOPENED, user, now, _("Wieder geöffnet: %(reason)s") % {"reason": reason})
    send_notification(
        recipients=active_managers(current.alliance),
        kind=NotificationKind.SUBMISSION_REOPENED,
        subject=_("Ihre Strategie wurde wieder geöffnet"),
        template="alliances/email/reopened",
        context={"strategy": current, "reopening": reopening},
        cause=current,
        cause_url=reverse("alliances:strategy", args=[current.cycle.slug, current.alliance.slug]),
    )
    return reopening
