"""Questions and answers: alliances ask, the programme office answers and publishes a FAQ."""

import logging

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances import services
from alliances.forms_questions import (
    AnswerForm,
    CommentForm,
    FaqPublishForm,
    FaqSearchForm,
    QuestionForm,
    QueueFilterForm,
)
from alliances.models import (
    Alliance,
    EvaluationCycle,
    FaqEntry,
    Question,
    QuestionComment,
    QuestionStatus,
    QuestionTopic,
    current_cycle,
)
from alliances.shortcuts import redirect_to_current_cycle
from portal.models import Role
from portal.rules import require_permission

access_log = logging.getLogger("portal.access")


def _published():
    return Exists(FaqEntry.objects.filter(source_question=OuterRef("pk")))


def _question_or_404(request, public_id):
    """Role check first (403), then the user's scope (404)."""
    require_permission(request.user, "alliances.reach_questions")
    queryset = (
        Question.objects.visible_to(request.user)
        .select_related("cycle", "alliance", "asked_by", "answered_by")
        .annotate(is_published=_published())
    )
    question = get_object_or_404(queryset, public_id=public_id)
    require_permission(request.user, "alliances.view_question", question)
    return question


def _detail_url(question):
    return reverse("alliances:question_detail", args=[question.public_id])


def _comments(question):
    return list(QuestionComment.objects.filter(question=question).select_related("author"))


def _detail_context(request, question, answer_form=None, comment_form=None):
    user = request.user
    can_answer = rules.has_perm("alliances.answer_question", user, question)
    can_comment = rules.has_perm("alliances.comment_question", user, question)
    if can_answer and answer_form is None:
        answer_form = AnswerForm(initial={"version": question.version, "answer": question.answer})
    if can_comment and comment_form is None:
        comment_form = CommentForm(can_ask_ministry=user.role == Role.PROGRAMME_OFFICE)
    return {
        "question": question,
        "can_answer": can_answer,
        "answer_form": answer_form,
        "can_comment": can_comment,
        "comment_form": comment_form,
        "comments": _comments(question) if rules.has_perm("alliances.view_question_comments", user) else [],
        "can_publish": rules.has_perm("alliances.publish_question", user, question)
        and question.status == QuestionStatus.ANSWERED
        and not question.is_published,
        "is_staff_reader": user.role in (Role.PROGRAMME_OFFICE, Role.MINISTRY),
    }


@login_required
@require_GET
def my_questions(request):
    """The alliance manager's questions of the current cycle, with their answers."""
    require_permission(request.user, "alliances.reach_questions")
    if rules.has_perm("alliances.view_question_queue", request.user):
        return redirect("alliances:question_queue")
    cycle = current_cycle()
    questions = (
        (
            Question.objects.visible_to(request.user)
            .filter(cycle=cycle)
            .select_related("alliance", "asked_by")
            .annotate(is_published=_published())
            .order_by("-asked_at")
        )
        if cycle
        else Question.objects.none()
    )
    return render(request, "alliances/questions/my_questions.html", {"cycle": cycle, "questions": list(questions)})


@login_required
@require_http_methods(["GET", "POST"])
def question_ask(request):
    require_permission(request.user, "alliances.ask_question")
    cycle = current_cycle()
    if cycle is None:
        raise Http404
    alliances = services.cycle_alliances(cycle).filter(memberships__user=request.user).order_by("name")
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
            form.add_error(
                "attachment"
                if error.code in {"empty", "too_large", "not_pdf", "encrypted", "corrupt", "no_pages"}
                else None,
                error,
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


@login_required
@require_GET
def question_queue(request):
    """All questions of the current cycle for the programme office (and, read-only, the ministry)."""
    require_permission(request.user, "alliances.view_question_queue")
    cycle = current_cycle()
    alliances = services.cycle_alliances(cycle).order_by("name") if cycle else Alliance.objects.none()
    filter_form = QueueFilterForm(request.GET or None, alliances=alliances)
    questions = (
        Question.objects.visible_to(request.user)
        .filter(cycle=cycle)
        .select_related("alliance", "asked_by", "answered_by")
        .annotate(
            is_published=_published(),
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


@login_required
@require_GET
def question_detail(request, public_id):
    question = _question_or_404(request, public_id)
    return render(request, "alliances/questions/detail.html", _detail_context(request, question))


@login_required
@require_GET
def question_attachment(request, public_id):
    question = _question_or_404(request, public_id)
    if not question.attachment:
        raise Http404
    access_log.info("question attachment %s downloaded by user %s", question.public_id, request.user.pk)
    return FileResponse(
        question.attachment.open("rb"),
        as_attachment=True,
        filename=question.attachment_name,
        content_type="application/pdf",
    )


@login_required
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
            form.add_error(
                None,
                _(
                    "Diese Frage wurde inzwischen von %(who)s beantwortet. Ihre Antwort wurde nicht gespeichert, "
                    "ist aber unten erhalten. Bitte lesen Sie die gespeicherte Antwort und speichern Sie Ihre nur, "
                    "wenn sie diese ersetzen soll."
                )
                % {"who": conflict.current.answered_by or _("einer anderen Person")},
            )
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


@login_required
@require_POST
def question_comment(request, public_id):
    question = _question_or_404(request, public_id)
    require_permission(request.user, "alliances.comment_question", question)
    can_ask = request.user.role == Role.PROGRAMME_OFFICE
    form = CommentForm(request.POST, can_ask_ministry=can_ask)
    status = 422
    if form.is_valid():
        try:
            services.add_question_comment(
                question=question,
                user=request.user,
                text=form.cleaned_data["text"],
                ask_ministry=form.cleaned_data.get("ask_ministry", False),
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            if not request.htmx:
                messages.success(request, _("Der interne Kommentar wurde gespeichert."))
                return redirect(_detail_url(question) + "#kommentare")
            form, status = CommentForm(can_ask_ministry=can_ask), 200
    context = _detail_context(request, question, comment_form=form)
    if request.htmx:
        return render(request, "alliances/questions/partials/comments.html", context, status=status)
    return render(request, "alliances/questions/detail.html", context, status=status)


@login_required
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
            form.add_error(
                None,
                _(
                    "Der Text nennt noch das Bündnis (%(names)s). Bitte formulieren Sie ihn ohne Bezug auf das "
                    "Bündnis, oder bestätigen Sie unten, dass er trotzdem veröffentlicht werden soll."
                )
                % {"names": ", ".join(found.names)},
            )
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


@login_required
@require_GET
def faq_current(request):
    require_permission(request.user, "alliances.view_faq")
    return redirect_to_current_cycle("alliances:faq")


@login_required
@require_GET
def faq(request, cycle_slug):
    """The cycle's FAQ, grouped by topic and searchable; every alliance of the cycle reads it."""
    require_permission(request.user, "alliances.view_faq")
    cycle = get_object_or_404(EvaluationCycle, slug=cycle_slug)
    if (
        request.user.role == Role.ALLIANCE_MANAGER
        and not services.cycle_alliances(cycle).filter(memberships__user=request.user).exists()
    ):
        raise Http404
    form = FaqSearchForm(request.GET or None)
    entries = FaqEntry.objects.filter(cycle=cycle)
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        entries = services.faq_search(entries, query)
        if form.cleaned_data["topic"]:
            entries = entries.filter(topic=form.cleaned_data["topic"])
    by_topic = {}
    for entry in entries.order_by("-published_at"):
        by_topic.setdefault(entry.topic, []).append(entry)
    groups = [(value, label, by_topic[value]) for value, label in QuestionTopic.choices if value in by_topic]
    context = {
        "cycle": cycle,
        "form": form,
        "groups": groups,
        "query": query,
        "result_count": sum(len(items) for _value, _label, items in groups),
        "can_ask": rules.has_perm("alliances.ask_question", request.user),
    }
    if request.htmx and request.htmx.target == "faq-ergebnisse":
        return render(request, "alliances/questions/partials/faq_results.html", context)
    return render(request, "alliances/questions/faq.html", context)
