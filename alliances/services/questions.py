"""Questions and answers: alliances ask, the programme office answers, staff leave internal comments."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances import search, validators
from alliances.models import Question, QuestionComment, QuestionStatus, QuestionTopic, current_cycle
from alliances.selectors import active_managers, cycle_alliances
from alliances.services.conflicts import ChangedMeanwhile
from alliances.services.history import save_with_history
from portal import uploads
from portal.models import NotificationKind, Role, User
from portal.notifications import send_notification
from portal.uploads import CheckStatus

# Kept as names for callers that read the limits.
QUESTION_MAX_LENGTH = validators.QUESTION_TEXT.limit
ANSWER_MAX_LENGTH = validators.ANSWER_TEXT.limit
COMMENT_MAX_LENGTH = validators.COMMENT_TEXT.limit


class QuestionConflict(ChangedMeanwhile):
    """Someone else answered or changed the question since the form was loaded; `current` is the question now."""

    message_template = gettext_lazy(
        "Diese Frage wurde inzwischen von %(who)s beantwortet. Ihre Antwort wurde nicht gespeichert, "
        "ist aber unten erhalten. Bitte lesen Sie die gespeicherte Antwort und speichern Sie Ihre nur, "
        "wenn sie diese ersetzen soll."
    )
    changed_by = "answered_by"


def _active_users_with_role(role):
    return list(User.objects.filter(role=role, is_active=True))


def _notify(question, *, recipients, subject, template, **context):
    """E-mails a notice about the question, with a link to it."""
    send_notification(
        recipients=recipients,
        kind=NotificationKind.QUESTION,
        subject=subject,
        template=template,
        context={"question": question, **context},
        cause=question,
        cause_url=reverse("alliances:question_detail", args=[question.public_id]),
    )


def ask_question(*, cycle, alliance, user, topic, text, attachment=None, now=None):
    """An alliance manager asks the programme office a question, optionally with a PDF.

    Side effects: writes a given attachment to the quarantine folder first; then (one transaction) creates the
    Question (kept in history and searchable), with the attachment "wird geprüft", e-mails every programme office
    user a notice without the question's text, and queues the attachment's check after commit. If the transaction
    fails, the file is removed again.
    Raises ValidationError for an empty or too long text, an unknown topic, an alliance that does not take part
    in the cycle, or an attachment that is empty, too large or not a PDF; UploadNotStored (a Refusal with a
    German message) when the file cannot be written. Then nothing is kept.
    """
    now = now or timezone.now()
    text = validators.clean_text(text, validators.QUESTION_TEXT)
    validators.validate_topic(topic)
    received = uploads.receive_pdf(attachment) if attachment is not None else None

    def create(stored=None):
        return _create_question(
            cycle=cycle, alliance=alliance, user=user, topic=topic, text=text, received=received, stored=stored, now=now
        )

    if received is None:
        return create()
    return uploads.store_then_create(attachment, create)


@transaction.atomic
def _create_question(*, cycle, alliance, user, topic, text, received, stored, now):
    if not cycle_alliances(cycle).filter(pk=alliance.pk).exists():
        raise ValidationError(_("Dieses Bündnis nimmt an der Begutachtungsrunde nicht teil."), code="cycle")
    question = Question(cycle=cycle, alliance=alliance, asked_by=user, topic=topic, text=text, asked_at=now)
    if received is not None:
        question.attachment.name = stored
        question.attachment_name = received.original_name
        question.attachment_sha256 = received.sha256
        question.attachment_original_sha256 = received.sha256
        question.attachment_status = CheckStatus.PENDING
    save_with_history(question, user, _("Frage gestellt"))
    search.index_question(question)
    if received is not None:
        uploads.queue_pdf_check(question)
    _notify(
        question,
        recipients=_active_users_with_role(Role.PROGRAMME_OFFICE),
        subject=_("Neue Frage im Portal (%(topic)s)") % {"topic": question.get_topic_display()},
        template="alliances/email/question_asked",
    )
    return question


# Where in the portal the barrier was met: a page title or an address, kept short.
BARRIER_PAGE_MAX_LENGTH = 300


@transaction.atomic
def report_barrier(*, user, text, page="", now=None):
    """Any signed-in user reports a barrier in the portal (BITV 2.0 feedback); it reaches the programme office as a
    question with the topic "Barrierefreiheit" and no alliance, answered like any question.

    Side effects: creates the Question in the current cycle (kept in history, searchable by staff), e-mails every
    programme office user a notice without the text. Raises ValidationError for an empty
    or too long text or page, or when there is no cycle to file it under.
    """
    now = now or timezone.now()
    text = validators.clean_text(text, validators.QUESTION_TEXT)
    page = (page or "").strip()
    if len(page) > BARRIER_PAGE_MAX_LENGTH:
        raise ValidationError(
            _("Bitte nennen Sie die Seite in höchstens %(limit)s Zeichen.") % {"limit": BARRIER_PAGE_MAX_LENGTH}
        )
    cycle = current_cycle()
    if cycle is None:
        raise ValidationError(_("Das Portal nimmt derzeit keine Meldungen an. Bitte schreiben Sie uns eine E-Mail."))
    if page:
        text = _("%(text)s\n\nSeite: %(page)s") % {"text": text, "page": page}
    question = Question(
        cycle=cycle, alliance=None, asked_by=user, topic=QuestionTopic.ACCESSIBILITY, text=text, asked_at=now
    )
    save_with_history(question, user, _("Barriere gemeldet"))
    search.index_question(question)
    _notify(
        question,
        recipients=_active_users_with_role(Role.PROGRAMME_OFFICE),
        subject=_("Neue Meldung einer Barriere im Portal"),
        template="alliances/email/barrier_reported",
    )
    return question


def record_attachment_check(*, pk, outcome):
    """Records the worker's verdict on a question's attachment that waits for it; runs in the check's transaction.

    Side effects: a passed attachment points to its cleaned copy and takes its hash and what was removed; a
    refused one keeps only the German reason and no file. Both are kept in the question's history. The question
    itself is unchanged. Returns False when the attachment no longer waits.
    """
    question = Question.objects.select_for_update().filter(pk=pk).first()
    if question is None or question.attachment_status != CheckStatus.PENDING:
        return False
    if outcome.accepted:
        question.attachment.name = outcome.file_name
        question.attachment_sha256 = outcome.findings.sha256
        question.attachment_removed = list(outcome.removed)
        question.attachment_status = CheckStatus.CHECKED
        question.attachment_message = ""
    else:
        question.attachment.name = ""
        question.attachment_status = CheckStatus.REFUSED
        question.attachment_message = outcome.message
    save_with_history(question, question.asked_by, uploads.check_history_reason(outcome))
    return True


@transaction.atomic
def answer_question(*, question, user, answer, expected_version, now=None):
    """The programme office answers a question, or corrects its answer.

    The row is locked and its version compared, so of two concurrent answers exactly one wins.
    Side effects: stores the answer (kept in history, searchable with the question), raises the version and, on
    the first answer, e-mails the alliance's managers a notice with a link (for a barrier report: the person who
    reported it). Raises QuestionConflict when
    `expected_version` is stale, ValidationError for an empty or too long answer.
    """
    now = now or timezone.now()
    answer = validators.clean_text(answer, validators.ANSWER_TEXT)
    # Only the question row: a barrier report has no alliance, and an outer join cannot be locked.
    current = Question.objects.select_for_update(of=("self",)).select_related("cycle", "alliance").get(pk=question.pk)
    if current.version != expected_version:
        raise QuestionConflict(Question.objects.select_related("answered_by").get(pk=current.pk))
    first_answer = current.status == QuestionStatus.OPEN
    current.answer = answer
    current.status = QuestionStatus.ANSWERED
    current.answered_by = user
    current.answered_at = now
    current.version += 1
    save_with_history(current, user, _("Beantwortet") if first_answer else _("Antwort geändert"))
    search.index_question(current)
    if current.is_barrier_report:
        # The person who reported it reads the answer on the report page, not on the alliances' question pages.
        if first_answer:
            send_notification(
                recipients=[current.asked_by],
                kind=NotificationKind.QUESTION,
                subject=_("Ihre Meldung einer Barriere wurde beantwortet"),
                template="alliances/email/barrier_answered",
                context={"question": current},
                cause=current,
                cause_url=reverse("alliances:barrier_report"),
            )
        return current
    if first_answer:
        _notify(
            current,
            recipients=active_managers(current.alliance),
            subject=_("Ihre Frage wurde beantwortet"),
            template="alliances/email/question_answered",
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
    text = validators.clean_text(text, validators.COMMENT_TEXT)
    comment = QuestionComment.objects.create(question=question, author=user, text=text, created_at=now)
    if user.role == Role.MINISTRY:
        recipients = _active_users_with_role(Role.PROGRAMME_OFFICE)
    elif ask_ministry:
        recipients = _active_users_with_role(Role.MINISTRY)
    else:
        recipients = []
    if recipients:
        _notify(
            question,
            recipients=recipients,
            subject=_("Interne Rückfrage zu einer Frage im Portal"),
            template="alliances/email/question_comment",
            comment=comment,
        )
    return comment
