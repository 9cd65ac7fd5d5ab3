"""Business operations on strategies. Each runs in one transaction and names its side effects."""

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliances.models import (
    SECTION_FIELDS,
    Alliance,
    AllianceMembership,
    BudgetLine,
    DeadlineExtension,
    DocumentDownload,
    DocumentKind,
    EvaluationCycle,
    FaqDigest,
    FaqEntry,
    FederalState,
    Phase,
    Question,
    QuestionComment,
    QuestionStatus,
    QuestionTopic,
    Reopening,
    Strategy,
    StrategyDocument,
    StrategyStatus,
    Submission,
)
from alliances.signals import strategy_submitted, submission_reopened
from portal.models import NotificationKind, Role, User
from portal.notifications import send_notification
from portal.uploads import inspect_pdf


class StrategyConflict(Exception):
    """Someone else saved the strategy since the form was loaded."""

    def __init__(self, current):
        super().__init__("stale strategy version")
        self.current = current


class StrategyLocked(Exception):
    """The strategy cannot change now: it is submitted, or the deadline has passed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class SubmissionRefused(Exception):
    """A submission was refused; `reasons` lists why, in German."""

    def __init__(self, reasons):
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = reasons


def _locked_strategy(strategy):
    return Strategy.objects.select_for_update().select_related("cycle", "alliance").get(pk=strategy.pk)


def _ensure_open_for_work(strategy, now):
    if not strategy.is_editable_status:
        raise StrategyLocked(_("Die Strategie ist eingereicht und kann nicht mehr bearbeitet werden."))
    if not strategy.accepts_work_at(now):
        if now < strategy.cycle.submission_opens_at:
            raise StrategyLocked(
                _("Die Einreichung beginnt erst am %(date)s.")
                % {"date": date_format(timezone.localtime(strategy.cycle.submission_opens_at), "DATETIME_FORMAT")}
            )
        raise StrategyLocked(
            _("Die Frist ist am %(date)s abgelaufen. Änderungen und Einreichung sind nicht mehr möglich.")
            % {"date": date_format(timezone.localtime(strategy.deadline), "DATETIME_FORMAT")}
        )


def _save_with_history(strategy, user, reason=None):
    strategy._history_user = user
    if reason:
        strategy._change_reason = reason
    strategy.save()


@transaction.atomic
def save_strategy_draft(*, strategy, user, sections, budget, expected_version, now=None):
    """Saves the sections and the budget plan of a draft.

    `budget` maps (year, category) to a Decimal or None (an empty cell).
    Side effects: updates the strategy and its budget lines, each change kept in history;
    raises StrategyConflict when `expected_version` is stale, StrategyLocked after the deadline.
    """
    now = now or timezone.now()
    current = _locked_strategy(strategy)
    if current.version != expected_version:
        raise StrategyConflict(current)
    _ensure_open_for_work(current, now)
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
        line._history_user = user
        line.save()
    current.version += 1
    current.updated_at = now
    current.updated_by = user
    _save_with_history(current, user)
    return current


def _touch(strategy, user, now, reason):
    strategy.updated_at = now
    strategy.updated_by = user
    _save_with_history(strategy, user, reason)


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
            previous.removed_at = now
            previous.removed_by = user
            previous._history_user = user
            previous.save()
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
    document._history_user = user
    document.file.save(f"{document.public_id}.pdf", uploaded_file, save=False)
    document.save()
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
        document.removed_at = now
        document.removed_by = user
        document._history_user = user
        document.save()
        _touch(current, user, now, _("Dokument entfernt: %(name)s") % {"name": document.original_name})
    return document


def record_document_download(*, document, user):
    """Side effects: stores who downloaded the document, and when."""
    return DocumentDownload.objects.create(document=document, user=user)


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


@transaction.atomic
def submit_strategy(*, strategy, user, now=None):
    """Submits a complete strategy before its deadline.

    Side effects: freezes an immutable Submission (sections, budget, document hashes, who, when),
    locks editing, e-mails a receipt with timestamp and fingerprint to the alliance's managers
    and sends `strategy_submitted` after commit. Raises SubmissionRefused or StrategyLocked.
    """
    now = now or timezone.now()
    current = _locked_strategy(strategy)
    _ensure_open_for_work(current, now)
    documents = list(current.documents.filter(removed_at__isnull=True).order_by("kind", "uploaded_at"))
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
            "sha256": doc.sha256,
            "size": doc.size,
            "pages": doc.page_count,
        }
        for doc in documents
    ]
    number = (current.submissions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
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
    current.status = StrategyStatus.SUBMITTED
    current.version += 1
    _touch(current, user, now, _("Eingereicht (Einreichung Nr. %(number)s)") % {"number": number})
    managers = current.alliance.memberships.select_related("user").filter(user__is_active=True)
    send_notification(
        recipients=[m.user for m in managers],
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
def extend_deadline(*, strategy, user, until, reason, now=None):
    """Grants one alliance a later submission deadline.

    Side effects: logs a DeadlineExtension and records it in the strategy's history.
    Raises ValidationError when the date is not in the future or no reason is given.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Bitte begründen Sie die Fristverlängerung."))
    if until <= now:
        raise ValidationError(_("Die neue Frist muss in der Zukunft liegen."))
    current = _locked_strategy(strategy)
    DeadlineExtension.objects.create(
        strategy=current, new_deadline=until, reason=reason, granted_by=user, granted_at=now
    )
    current.extended_deadline = until
    _touch(current, user, now, _("Frist verlängert: %(reason)s") % {"reason": reason})
    return current


@transaction.atomic
def reopen_submission(*, strategy, user, reason, extend_until=None, now=None):
    """Reopens the latest submission so the alliance can change and resubmit its strategy.

    Side effects: records a Reopening with its reason, sets the strategy to "reopened"
    (and its deadline, if `extend_until` is given), notifies the alliance's managers and
    sends `submission_reopened` after commit. The earlier snapshot stays unchanged.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Bitte begründen Sie die Wiederöffnung."))
    if extend_until is not None and extend_until <= now:
        raise ValidationError(_("Die neue Frist muss in der Zukunft liegen."))
    current = _locked_strategy(strategy)
    if current.status != StrategyStatus.SUBMITTED:
        raise ValidationError(_("Nur eine eingereichte Strategie kann wieder geöffnet werden."))
    submission = current.submissions.order_by("-number").first()
    reopening = Reopening.objects.create(submission=submission, reopened_by=user, reopened_at=now, reason=reason)
    if extend_until is not None:
        DeadlineExtension.objects.create(
            strategy=current, new_deadline=extend_until, reason=reason, granted_by=user, granted_at=now
        )
        current.extended_deadline = extend_until
    current.status = StrategyStatus.REOPENED
    current.version += 1
    _touch(current, user, now, _("Wieder geöffnet: %(reason)s") % {"reason": reason})
    managers = current.alliance.memberships.select_related("user").filter(user__is_active=True)
    send_notification(
        recipients=[m.user for m in managers],
        kind=NotificationKind.SUBMISSION_REOPENED,
        subject=_("Ihre Strategie wurde wieder geöffnet"),
        template="alliances/email/reopened",
        context={"strategy": current, "reopening": reopening},
        cause=current,
        cause_url=reverse("alliances:strategy", args=[current.cycle.slug, current.alliance.slug]),
    )
    transaction.on_commit(lambda: submission_reopened.send(sender=Strategy, strategy=current, reopening=reopening))
    return reopening


def budget_amount_total(budget):
    return sum((amount for amount in budget.values() if amount is not None), Decimal("0"))


ALLIANCE_CSV_COLUMNS = ["slug", "name", "acronym", "region", "states", "innovation_field", "source"]


@dataclass
class AllianceImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def _parse_alliance_rows(csv_text):
    """Validates every row first; returns clean rows or raises ValidationError naming each bad line."""
    states_by_name = {state.name.lower(): state for state in FederalState.objects.all()}
    reader = csv.DictReader(io.StringIO(csv_text))
    missing_columns = [column for column in ALLIANCE_CSV_COLUMNS if column not in (reader.fieldnames or [])]
    if missing_columns:
        raise ValidationError(
            _("Zeile 1: Es fehlen die Spalten %(columns)s.") % {"columns": ", ".join(missing_columns)}
        )
    errors, rows, seen = [], [], {}
    url_validator = URLValidator(schemes=["http", "https"])
    for row in reader:
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            errors.append(_("Zeile %(line)s: falsche Anzahl von Feldern.") % {"line": line})
            continue
        values = {key: (row.get(key) or "").strip() for key in ALLIANCE_CSV_COLUMNS}
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", values["slug"]):
            errors.append(
                _("Zeile %(line)s: ungültiger Kurzname „%(slug)s“ (nur a–z, 0–9 und Bindestrich).")
                % {"line": line, "slug": values["slug"]}
            )
        elif values["slug"] in seen:
            errors.append(
                _("Zeile %(line)s: Kurzname „%(slug)s“ steht schon in Zeile %(first)s.")
                % {"line": line, "slug": values["slug"], "first": seen[values["slug"]]}
            )
        seen.setdefault(values["slug"], line)
        if not values["name"]:
            errors.append(_("Zeile %(line)s: Der Name fehlt.") % {"line": line})
        for column, limit in (("name", 200), ("acronym", 60), ("region", 300), ("source", 500)):
            if len(values[column]) > limit:
                errors.append(
                    _("Zeile %(line)s: %(column)s ist länger als %(limit)s Zeichen.")
                    % {"line": line, "column": column, "limit": limit}
                )
        try:
            url_validator(values["source"])
        except ValidationError:
            errors.append(_("Zeile %(line)s: Die Quelle muss eine gültige Web-Adresse sein.") % {"line": line})
        state_names = [name.strip() for name in values["states"].split(";") if name.strip()]
        unknown = [name for name in state_names if name.lower() not in states_by_name]
        if unknown:
            errors.append(
                _("Zeile %(line)s: unbekanntes Bundesland %(names)s.") % {"line": line, "names": ", ".join(unknown)}
            )
        values["states"] = [states_by_name[name.lower()] for name in state_names if name.lower() in states_by_name]
        rows.append(values)
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("Die Datei enthält keine Bündnisse."))
    return rows


@transaction.atomic
def import_alliances(*, csv_text):
    """Creates or updates alliances from CSV text; all or nothing.

    Side effects: creates and updates Alliance rows (kept in history). Raises ValidationError,
    naming every bad line, before anything is written.
    """
    rows = _parse_alliance_rows(csv_text)
    report = AllianceImportReport()
    for values in rows:
        fields = {
            "name": values["name"],
            "acronym": values["acronym"],
            "region": values["region"],
            "innovation_field": values["innovation_field"],
            "source_url": values["source"],
        }
        alliance = Alliance.objects.filter(slug=values["slug"]).first()
        if alliance is None:
            alliance = Alliance.objects.create(slug=values["slug"], **fields)
            alliance.states.set(values["states"])
            report.created.append(alliance.slug)
            continue
        changed = [name for name, value in fields.items() if getattr(alliance, name) != value]
        if set(alliance.states.all()) != set(values["states"]):
            alliance.states.set(values["states"])
            changed.append("states")
        if changed:
            for name, value in fields.items():
                setattr(alliance, name, value)
            alliance.save()
            report.updated.append((alliance.slug, changed))
        else:
            report.unchanged.append(alliance.slug)
    return report


# --- Questions and answers ----------------------------------------------------------------------------------

QUESTION_MAX_LENGTH = 4000
ANSWER_MAX_LENGTH = 10000
COMMENT_MAX_LENGTH = 4000


class QuestionConflict(Exception):
    """Someone else answered or changed the question since the form was loaded."""

    def __init__(self, current):
        super().__init__("stale question version")
        self.current = current


class IdentityWarning(Exception):
    """A FAQ text still names the alliance; `names` are the names found."""

    def __init__(self, names):
        super().__init__(", ".join(names))
        self.names = names


def _clean_text(text, *, limit, empty_message, too_long_message):
    text = (text or "").strip()
    if not text:
        raise ValidationError(empty_message, code="required")
    if len(text) > limit:
        raise ValidationError(too_long_message % {"limit": limit, "length": len(text)}, code="max_length")
    return text


def cycle_alliances(cycle):
    """The alliances taking part in a cycle: those with a strategy in it."""
    return Alliance.objects.filter(strategies__cycle=cycle).distinct()


def _active_users_with_role(role):
    return list(User.objects.filter(role=role, is_active=True))


def _question_url(question):
    return reverse("alliances:question_detail", args=[question.public_id])


@transaction.atomic
def ask_question(*, cycle, alliance, user, topic, text, attachment=None, now=None):
    """An alliance manager asks the programme office a question, optionally with a PDF.

    Side effects: stores the attachment under the private root (server-generated name), creates the
    Question (kept in history) and e-mails every programme office user a notice without the question's text.
    Raises ValidationError for an empty or too long text, an unknown topic, an alliance that does not take
    part in the cycle, or an attachment that is not an acceptable PDF.
    """
    now = now or timezone.now()
    text = _clean_text(
        text,
        limit=QUESTION_MAX_LENGTH,
        empty_message=_("Bitte geben Sie Ihre Frage ein."),
        too_long_message=_("Die Frage ist zu lang: höchstens %(limit)s Zeichen, eingegeben %(length)s."),
    )
    if topic not in QuestionTopic.values:
        raise ValidationError(_("Bitte wählen Sie ein Thema."), code="topic")
    if not cycle_alliances(cycle).filter(pk=alliance.pk).exists():
        raise ValidationError(_("Dieses Bündnis nimmt an der Begutachtungsrunde nicht teil."), code="cycle")
    question = Question(cycle=cycle, alliance=alliance, asked_by=user, topic=topic, text=text, asked_at=now)
    if attachment is not None:
        facts = inspect_pdf(attachment)
        question.attachment_name = facts.original_name
        question.attachment_sha256 = facts.sha256
        question.attachment.save(f"{question.public_id}.pdf", attachment, save=False)
    question._history_user = user
    question._change_reason = _("Frage gestellt")
    question.save()
    send_notification(
        recipients=_active_users_with_role(Role.PROGRAMME_OFFICE),
        kind=NotificationKind.QUESTION,
        subject=_("Neue Frage im Portal (%(topic)s)") % {"topic": question.get_topic_display()},
        template="alliances/email/question_asked",
        context={"question": question},
        cause=question,
        cause_url=_question_url(question),
    )
    return question


@transaction.atomic
def answer_question(*, question, user, answer, expected_version, now=None):
    """The programme office answers a question, or corrects its answer.

    The row is locked and its version compared, so of two concurrent answers exactly one wins.
    Side effects: stores the answer (kept in history), raises the version and, on the first answer,
    e-mails the alliance's managers a notice with a link. Raises QuestionConflict when `expected_version`
    is stale, ValidationError for an empty or too long answer.
    """
    now = now or timezone.now()
    answer = _clean_text(
        answer,
        limit=ANSWER_MAX_LENGTH,
        empty_message=_("Bitte geben Sie eine Antwort ein."),
        too_long_message=_("Die Antwort ist zu lang: höchstens %(limit)s Zeichen, eingegeben %(length)s."),
    )
    current = Question.objects.select_for_update().select_related("cycle", "alliance").get(pk=question.pk)
    if current.version != expected_version:
        raise QuestionConflict(Question.objects.select_related("answered_by").get(pk=current.pk))
    first_answer = current.status == QuestionStatus.OPEN
    current.answer = answer
    current.status = QuestionStatus.ANSWERED
    current.answered_by = user
    current.answered_at = now
    current.version += 1
    current._history_user = user
    current._change_reason = _("Beantwortet") if first_answer else _("Antwort geändert")
    current.save()
    if first_answer:
        managers = current.alliance.memberships.select_related("user").filter(user__is_active=True)
        send_notification(
            recipients=[membership.user for membership in managers],
            kind=NotificationKind.QUESTION,
            subject=_("Ihre Frage wurde beantwortet"),
            template="alliances/email/question_answered",
            context={"question": current},
            cause=current,
            cause_url=_question_url(current),
        )
    return current


@transaction.atomic
def add_question_comment(*, question, user, text, ask_ministry=False, now=None):
    """Adds an internal note between programme office and ministry; alliances never see it.

    Side effects: creates a QuestionComment. A programme office note with `ask_ministry` e-mails the
    ministry's users, a ministry note e-mails the programme office (a notice with a link, without the text).
    Raises ValidationError for an empty or too long text.
    """
    now = now or timezone.now()
    text = _clean_text(
        text,
        limit=COMMENT_MAX_LENGTH,
        empty_message=_("Bitte geben Sie einen Kommentar ein."),
        too_long_message=_("Der Kommentar ist zu lang: höchstens %(limit)s Zeichen, eingegeben %(length)s."),
    )
    comment = QuestionComment.objects.create(question=question, author=user, text=text, created_at=now)
    if user.role == Role.MINISTRY:
        recipients = _active_users_with_role(Role.PROGRAMME_OFFICE)
    elif ask_ministry:
        recipients = _active_users_with_role(Role.MINISTRY)
    else:
        recipients = []
    if recipients:
        send_notification(
            recipients=recipients,
            kind=NotificationKind.QUESTION,
            subject=_("Interne Rückfrage zu einer Frage im Portal"),
            template="alliances/email/question_comment",
            context={"question": question, "comment": comment},
            cause=question,
            cause_url=_question_url(question),
        )
    return comment


def alliance_names_in(alliance, *texts):
    """The alliance's name or acronym where it appears as a word in any of the texts (case-insensitive)."""
    found = []
    for name in (alliance.name, alliance.acronym):
        name = (name or "").strip()
        if len(name) < 2 or name in found:
            continue
        pattern = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.IGNORECASE)
        if any(pattern.search(text or "") for text in texts):
            found.append(name)
    return found


@transaction.atomic
def publish_to_faq(*, question, user, topic, question_text, answer_text, confirm_identity=False, now=None):
    """Publishes an answered question, rewritten without the alliance's identity, to the cycle's FAQ.

    The original question stays private. Side effects: creates a FaqEntry (kept in history) that the
    next daily digest announces to every alliance of the cycle. Raises IdentityWarning when the texts
    still name the alliance and `confirm_identity` is not set, ValidationError when the question is not
    answered, was already published, or a text is empty or too long.
    """
    now = now or timezone.now()
    current = Question.objects.select_for_update().select_related("cycle", "alliance").get(pk=question.pk)
    if current.status != QuestionStatus.ANSWERED:
        raise ValidationError(_("Nur eine beantwortete Frage kann in die FAQ übernommen werden."), code="open")
    if FaqEntry.objects.filter(source_question=current).exists():
        raise ValidationError(_("Diese Frage steht bereits in der FAQ."), code="published")
    if topic not in QuestionTopic.values:
        raise ValidationError(_("Bitte wählen Sie ein Thema."), code="topic")
    question_text = _clean_text(
        question_text,
        limit=QUESTION_MAX_LENGTH,
        empty_message=_("Bitte formulieren Sie die Frage für die FAQ."),
        too_long_message=_("Die Frage ist zu lang: höchstens %(limit)s Zeichen, eingegeben %(length)s."),
    )
    answer_text = _clean_text(
        answer_text,
        limit=ANSWER_MAX_LENGTH,
        empty_message=_("Bitte geben Sie eine Antwort ein."),
        too_long_message=_("Die Antwort ist zu lang: höchstens %(limit)s Zeichen, eingegeben %(length)s."),
    )
    names = alliance_names_in(current.alliance, question_text, answer_text)
    if names and not confirm_identity:
        raise IdentityWarning(names)
    entry = FaqEntry(
        cycle=current.cycle,
        topic=topic,
        question=question_text,
        answer=answer_text,
        source_question=current,
        published_by=user,
        published_at=now,
    )
    entry._history_user = user
    entry._change_reason = _("In die FAQ übernommen")
    entry.save()
    # The question's own history records the publication too; its content stays unchanged.
    current._history_user = user
    current._change_reason = _("In die FAQ übernommen")
    current.save()
    return entry


def faq_search(queryset, query):
    """Case-insensitive search over the FAQ's questions and answers; every word must occur."""
    for word in (query or "").split()[:10]:
        queryset = queryset.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return queryset


def send_faq_digest(*, cycle, now=None):
    """Sends the day's one digest e-mail about new FAQ entries of a cycle to its alliances' managers.

    Covers the entries published since the previous digest. At most once per day (Europe/Berlin): the
    FaqDigest row for (cycle, day) is the claim, so a second run on the same day, even concurrently,
    sends nothing. Side effects: creates a FaqDigest and one outbox message per manager.
    Returns the number of entries announced (0 when nothing was sent).
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        if FaqDigest.objects.filter(cycle=cycle, day=day).exists():
            return 0
        last = FaqDigest.objects.filter(cycle=cycle).order_by("-sent_at").first()
        entries = FaqEntry.objects.filter(cycle=cycle, published_at__lte=now)
        if last is not None:
            entries = entries.filter(published_at__gt=last.sent_at)
        entries = list(entries.order_by("topic", "published_at"))
        if not entries:
            return 0
        try:
            with transaction.atomic():
                digest = FaqDigest.objects.create(cycle=cycle, day=day, entry_count=len(entries), sent_at=now)
        except IntegrityError:
            return 0  # another run claimed today's digest first
        managers = AllianceMembership.objects.filter(
            alliance__in=cycle_alliances(cycle), user__is_active=True, user__role=Role.ALLIANCE_MANAGER
        ).select_related("user")
        send_notification(
            recipients=[membership.user for membership in managers],
            kind=NotificationKind.FAQ_DIGEST,
            subject=ngettext(
                "Ein neuer FAQ-Eintrag zur %(cycle)s", "%(count)s neue FAQ-Einträge zur %(cycle)s", len(entries)
            )
            % {"count": len(entries), "cycle": cycle.name},
            template="alliances/email/question_faq_digest",
            context={"cycle": cycle, "entries": entries},
            cause=digest,
            cause_url=reverse("alliances:faq", args=[cycle.slug]),
        )
    return len(entries)


def send_faq_digests(*, now=None):
    """Runs `send_faq_digest` for every cycle; returns the number of entries announced."""
    return sum(send_faq_digest(cycle=cycle, now=now) for cycle in EvaluationCycle.objects.all())


# --- Cycle settings -----------------------------------------------------------------------------------------

# The dates of a cycle in the order the phases follow each other.
CYCLE_DATE_FIELDS = [
    "submission_opens_at",
    "submission_deadline",
    "review_deadline",
    "panel_deadline",
    "decision_deadline",
]
# Moving one of these into the past ends a phase at once, so it needs a confirmation.
CYCLE_DEADLINE_FIELDS = ["submission_deadline", "review_deadline", "panel_deadline", "decision_deadline"]
CYCLE_SETTING_FIELDS = ["name", *CYCLE_DATE_FIELDS, "released_at", "budget", "phase_override"]
CYCLE_NAME_MAX_LENGTH = 120
# Above this a cycle budget is surely a typing error: 24 alliances × 7 Mio. EUR are 168 Mio. EUR.
MAX_CYCLE_BUDGET = Decimal("1000000000")


class CycleConflict(Exception):
    """Someone else changed the cycle's settings since the form was loaded."""

    def __init__(self, current):
        super().__init__("stale cycle settings")
        self.current = current


class CycleDeadlineWarning(Exception):
    """A deadline would move into the past; `messages` name each one, in German. Nothing was stored."""

    def __init__(self, messages):
        super().__init__("; ".join(str(message) for message in messages))
        self.messages = messages


def cycle_settings_version(cycle):
    """A short fingerprint of the editable settings: it changes whenever one of them changes, by any path."""

    def canonical_value(value):
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value

    canonical = json.dumps(
        {name: canonical_value(getattr(cycle, name)) for name in CYCLE_SETTING_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def derived_phase(cycle, moment=None):
    """The phase that follows from the cycle's dates alone, ignoring a manual override."""
    moment = moment or timezone.now()
    probe = EvaluationCycle(
        **{name: getattr(cycle, name) for name in CYCLE_DATE_FIELDS}, released_at=cycle.released_at, phase_override=""
    )
    return probe.phase_at(moment)


def _cycle_field_label(name):
    return EvaluationCycle._meta.get_field(name).verbose_name


def _berlin(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _validate_cycle_settings(values):
    """German messages per field for values that cannot be stored; an empty dict when all is well."""
    errors = {}

    def refuse(name, message):
        errors.setdefault(name, []).append(message)

    name = values["name"]
    if not name:
        refuse("name", _("Bitte geben Sie einen Namen an."))
    elif len(name) > CYCLE_NAME_MAX_LENGTH:
        refuse("name", _("Der Name ist zu lang: höchstens %(limit)s Zeichen.") % {"limit": CYCLE_NAME_MAX_LENGTH})
    for date_name in CYCLE_DATE_FIELDS:
        if values[date_name] is None:
            refuse(date_name, _("Bitte geben Sie „%(field)s“ an.") % {"field": _cycle_field_label(date_name)})
    dates = [(date_name, values[date_name]) for date_name in CYCLE_DATE_FIELDS if values[date_name] is not None]
    for (earlier_name, earlier), (later_name, later) in zip(dates, dates[1:], strict=False):
        if later <= earlier:
            refuse(
                later_name,
                _("„%(later)s“ muss nach „%(earlier)s“ (%(date)s) liegen.")
                % {
                    "later": _cycle_field_label(later_name),
                    "earlier": _cycle_field_label(earlier_name),
                    "date": _berlin(earlier),
                },
            )
    released_at, panel_deadline = values["released_at"], values["panel_deadline"]
    if released_at is not None and panel_deadline is not None and released_at < panel_deadline:
        refuse(
            "released_at",
            _("Die Entscheidungen können erst nach dem Ende der Jurysitzungen (%(date)s) freigegeben werden.")
            % {"date": _berlin(panel_deadline)},
        )
    budget = values["budget"]
    if budget is None:
        refuse("budget", _("Bitte geben Sie das Budget der Runde an."))
    elif not budget.is_finite():
        refuse("budget", _("Bitte geben Sie einen Betrag in Euro ein, z. B. 120.000.000,00."))
    elif budget < 0:
        refuse("budget", _("Das Budget darf nicht negativ sein."))
    elif budget > MAX_CYCLE_BUDGET:
        refuse(
            "budget",
            _("Das Budget ist unplausibel hoch: höchstens %(limit)s EUR.")
            % {"limit": number_format(MAX_CYCLE_BUDGET, 2, force_grouping=True)},
        )
    elif budget.as_tuple().exponent < -2:
        refuse("budget", _("Bitte höchstens zwei Nachkommastellen (Cent) angeben."))
    if values["phase_override"] not in ("", *Phase.values):
        refuse("phase_override", _("Bitte wählen Sie eine der angebotenen Phasen."))
    return errors


@transaction.atomic
def update_cycle_settings(
    *,
    cycle,
    user,
    name,
    submission_opens_at,
    submission_deadline,
    review_deadline,
    panel_deadline,
    decision_deadline,
    budget,
    phase_override="",
    released_at=None,
    reason="",
    expected_version=None,
    confirm_past=False,
    now=None,
):
    """The programme office changes a cycle's name, dates, budget and manual phase override.

    Dates are timezone-aware; they must follow each other in the order of the phases.
    Side effects: locks and saves the cycle, recorded in its history with the user and a change reason
    naming the changed settings (and `reason`, when given). Nothing is stored when nothing changed.
    Returns the names of the changed settings.
    Raises ValidationError (a message per field) for values that cannot be stored, CycleConflict when
    `expected_version` (see `cycle_settings_version`) is stale, and CycleDeadlineWarning when a deadline
    would move into the past and `confirm_past` is not set. Whether the budget still covers the confirmed
    funding decisions is checked by the decision stage, not here.
    """
    now = now or timezone.now()
    values = {
        "name": (name or "").strip(),
        "submission_opens_at": submission_opens_at,
        "submission_deadline": submission_deadline,
        "review_deadline": review_deadline,
        "panel_deadline": panel_deadline,
        "decision_deadline": decision_deadline,
        "released_at": released_at,
        "budget": budget,
        "phase_override": phase_override or "",
    }
    errors = _validate_cycle_settings(values)
    if errors:
        raise ValidationError(errors)
    current = EvaluationCycle.objects.select_for_update().get(pk=cycle.pk)
    if expected_version is not None and expected_version != cycle_settings_version(current):
        raise CycleConflict(current)
    changed = [field_name for field_name in CYCLE_SETTING_FIELDS if getattr(current, field_name) != values[field_name]]
    if not changed:
        return []
    into_past = [
        field_name for field_name in CYCLE_DEADLINE_FIELDS if field_name in changed and values[field_name] < now
    ]
    if into_past and not confirm_past:
        raise CycleDeadlineWarning(
            [
                _("„%(field)s“ läge mit %(date)s in der Vergangenheit.")
                % {"field": _cycle_field_label(field_name), "date": _berlin(values[field_name])}
                for field_name in into_past
            ]
        )
    for field_name in changed:
        setattr(current, field_name, values[field_name])
    change_reason = _("Einstellungen geändert: %(fields)s") % {
        "fields": ", ".join(str(_cycle_field_label(field_name)) for field_name in changed)
    }
    reason = (reason or "").strip()
    if reason:
        change_reason = f"{change_reason} – {reason}"
    current._history_user = user
    current._change_reason = change_reason
    current.save()
    return changed
