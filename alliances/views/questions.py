"""Questions and answers: alliances ask, the programme office answers and publishes a FAQ."""

import logging

import rules
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances import services
from alliances.forms import (
    AnswerForm,
    CommentForm,
    FaqPublishForm,
    QuestionForm,
    QueueFilterForm,
)
from alliances.models import Alliance, Question, QuestionStatus, current_cycle
from alliances.selectors import cycle_alliances, question_comments, visible_questions
from portal.exceptions import Refusal
from portal.forms import add_refusal
from portal.rules import require_permission
from portal.uploads import QUICK_CHECK_CODES, pdf_download

access_log = logging.getLogger("portal.access")


def _question_or_404(request, public_id):
    """Role check first (403), then the user's scope (404)."""
    require_permission(request.user, "alliances.reach_questions")
    queryset = visible_questions(request.user).select_related("cycle", "alliance", "asked_by", "answered_by")
    question = get_object_or_404(queryset, public_id=public_id)
    require_permission(request.user, "alliances.view_question", question)
    return question


def _detail_url(question):
    return reverse("alliances:question_detail", args=[question.public_id])


def _detail_context(request, question, answer_form=None, comment_form=None):
    user = request.user
    can_answer = rules.has_perm("alliances.answer_question", user, question)
    can_comment = rules.has_perm("alliances.comment_question", user, question)
    if can_answer and answer_form is None:
        answer_form = AnswerForm(initial={"version": question.version, "answer": question.answer})
    if can_comment and comment_form is None:
        comment_form = CommentForm(can_ask_ministry=rules.has_perm("alliances.ask_ministry", user))
    return {
        "question": question,
        "can_answer": can_answer,
        "answer_form": answer_form,
        "can_comment": can_comment,
        "comment_form": comment_form,
        "comments": question_comments(question) if rules.has_perm("alliances.view_question_comments", user) else [],
        "can_publish": rules.has_perm("alliances.publish_question", user, question)
        and question.status == QuestionStatus.ANSWERED
        and not question.is_published,
        "is_staff_reader": rules.has_perm("alliances.view_question_queue", user),
    }


@require_GET
def my_questions(request):
    """The alliance manager's questions of the current cycle, with their answers."""
    require_permission(request.user, "alliances.reach_questions")
    if rules.has_perm("alliances.view_question_queue", request.user):
        return redirect("alliances:question_queue")
    cycle = current_cycle()
    questions = (
        (
            visible_questions(request.user)
            .filter(cycle=cycle)
            .select_related("alliance", "asked_by")
            .order_by("-asked_at")
        )
        if cycle
        else Question.objects.none()
    )
    return render(request, "alliances/questions/my_questions.html", {"cycle": cycle, "questions": list(questions)})


@require_http_methods(["GET", "POST"])
def question_ask(request):
    require_permission(request.user, "alliances.ask_question")
    cycle = current_cycle()
    if cycle is None:
        raise Http404
    alliances = cycle_alliances(cycle).filter(memberships__user=request.user).order_by("name")
    posted = request.method == "POST"
    form = QuestionForm(request.POST if posted else None, request.FILES if posted else None, alliances=alliances)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.ask_question(
                cycle=cycle,
                alliance=form.cleaned_data["alliance"],
                user=request.user,
                topic=form.cleaned_data["topic"],
                text=form.cleaned_data["text"],
                attachment=form.cleaned_data["attachment"] or None,
            )
        except ValidationError as error:
            form.add_error("attachment" if error.code in QUICK_CHECK_CODES else None, error)
        except Refusal as refused:
            # The attachment could not be written (disk full, folder not writable); nothing was kept.
            add_refusal(form, refused)
        else:
            if question.attachment_pending:
                messages.success(
                    request,
                    _("Ihre Frage wurde an den Projektträger gesendet. Der Anhang wird jetzt geprüft."),
                )
            else:
                messages.success(request, _("Ihre Frage wurde an den Projektträger gesendet."))
            return redirect(_detail_url(question))
    return render(
        request,
        "alliances/questions/ask.html",
        {
            "cycle": cycle,
            "form": form,
            "has_alliance": alliances.exists(),
            "upload_limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
        },
        status=422 if form.errors else 200,
    )


@require_GET
def question_queue(request):
    """All questions of the current cycle for the programme office (and, read-only, the ministry)."""
    require_permission(request.user, "alliances.view_question_queue")
    cycle = current_cycle()
    alliances = cycle_alliances(cycle).order_by("name") if cycle else Alliance.objects.none()
    filter_form = QueueFilterForm(request.GET or None, alliances=alliances)
    questions = (
        visible_questions(request.user)
        .filter(cycle=cycle)
        .select_related("alliance", "asked_by", "answered_by")
        .annotate(
            comment_count=Count("comments"),
            open_first=Case(
                When(status=QuestionStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("open_first", "asked_at")
    )
    if filter_form.is_valid():
        if filter_form.cleaned_data["status"]:
            questions = questions.filter(status=filter_form.cleaned_data["status"])
        if filter_form.cleaned_data["alliance"]:
            questions = questions.filter(alliance=filter_form.cleaned_data["alliance"])
    questions = list(questions)
    return render(
        request,
        "alliances/questions/queue.html",
        {
            "cycle": cycle,
            "questions": questions,
            "filter_form": filter_form,
            "open_count": sum(1 for question in questions if question.status == QuestionStatus.OPEN),
            "can_answer": rules.has_perm("alliances.answer_question", request.user),
        },
    )


@require_GET
def question_detail(request, public_id):
    question = _question_or_404(request, public_id)
    return render(request, "alliances/questions/detail.html", _detail_context(request, question))


@require_GET
def question_attachment(request, public_id):
    question = _question_or_404(request, public_id)
    # Only a checked copy leaves the portal; an attachment being checked or refused has none.
    if not question.has_checked_attachment:
        raise Http404
    access_log.info("question attachment %s downloaded by user %s", question.public_id, request.user.pk)
    return pdf_download(question.attachment, question.attachment_name)


@require_GET
def question_attachment_status(request, public_id):
    """The attachment's check, polled while it is still being checked."""
    question = _question_or_404(request, public_id)
    return render(request, "alliances/questions/partials/attachment.html", {"question": question})


@require_POST
def question_answer(request, public_id):
    question = _question_or_404(request, public_id)
    require_permission(request.user, "alliances.answer_question", question)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_question(
                question=question,
                user=request.user,
                answer=form.cleaned_data["answer"],
                expected_version=form.cleaned_data["version"],
            )
        except services.QuestionConflict as conflict:
            # The typed answer stays; a deliberate second save may then overwrite the newer answer.
            data = request.POST.copy()
            data["version"] = conflict.current.version
            form = AnswerForm(data)
            form.is_valid()
            add_refusal(form, conflict)
            question = _question_or_404(request, public_id)
            return render(
                request,
                "alliances/questions/detail.html",
                _detail_context(request, question, answer_form=form),
                status=409,
            )
        except ValidationError as error:
            form.add_error("answer", error)
        else:
            messages.success(request, _("Die Antwort wurde gespeichert. Das Bündnis wird per E-Mail benachrichtigt."))
            return redirect(_detail_url(question))
    return render(
        request, "alliances/questions/detail.html", _detail_context(request, question, answer_form=form), status=422
    )


@require_POST
def question_comment(request, public_id):
    question = _question_or_404(request, public_id)
    require_permission(request.user, "alliances.comment_question", question)
    can_ask = rules.has_perm("alliances.ask_ministry", request.user)
    form = CommentForm(request.POST, can_ask_ministry=can_ask)
    status = 422
    if form.is_valid():
        try:
            # `ask_ministry` is only there for the programme office; the service defaults it.
            services.add_question_comment(question=question, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("text", error)
        else:
            if not request.htmx:
                messages.success(request, _("Der interne Kommentar wurde gespeichert."))
                return redirect(_detail_url(question) + "#comments")
            form, status = CommentForm(can_ask_ministry=can_ask), 200
    context = _detail_context(request, question, comment_form=form)
    if request.htmx:
        return render(request, "alliances/questions/partials/comments.html", context, status=status)
    return render(request, "alliances/questions/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def question_publish(request, public_id):
    """The programme office rewrites an answered question without the alliance's identity and publishes it."""
    question = _question_or_404(request, public_id)
    require_permission(request.user, "alliances.publish_question", question)
    if question.is_published or question.status != QuestionStatus.ANSWERED:
        messages.error(
            request, _("Nur eine beantwortete Frage, die noch nicht in der FAQ steht, kann veröffentlicht werden.")
        )
        return redirect(_detail_url(question))
    initial = {"topic": question.topic, "question": question.text, "answer": question.answer}
    form = FaqPublishForm(request.POST if request.method == "POST" else None, initial=initial)
    identity_names = services.alliance_names_in(question.alliance, question.text, question.answer)
    warning = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.publish_to_faq(
                question=question,
                user=request.user,
                topic=data["topic"],
                question_text=data["question"],
                answer_text=data["answer"],
                confirm_identity=data["confirm_identity"],
            )
        except services.IdentityWarning as found:
            identity_names, warning = found.names, True
            add_refusal(form, found)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Der Eintrag steht jetzt in der FAQ. Die Bündnisse werden im nächsten "
                    "täglichen Überblick per E-Mail informiert."
                ),
            )
            return redirect("alliances:faq", question.cycle.slug)
    return render(
        request,
        "alliances/questions/publish.html",
        {
            "question": question,
            "form": form,
            "identity_names": identity_names,
            "warning": warning,
        },
        status=422 if form.errors else 200,
    )
