"""Reads of the alliances stage that several views and services share."""

from django.db.models import Exists, OuterRef, Q

from alliances.models import Alliance, FaqEntry, Question, QuestionComment


def cycle_alliances(cycle):
    """The alliances taking part in a cycle: those with a strategy in it."""
    return Alliance.objects.filter(strategies__cycle=cycle).distinct()


def strategies_losing_time(cycle):
    """The cycle's strategies that an earlier submission deadline would cut short: not submitted, and without a
    deadline of their own (an extension), so the cycle's deadline is theirs."""
    from alliances.models import Strategy, StrategyStatus

    return (
        Strategy.objects.filter(cycle=cycle, extended_deadline__isnull=True)
        .exclude(status=StrategyStatus.SUBMITTED)
        .select_related("alliance")
        .order_by("alliance__name")
    )


def active_managers(alliance):
    """The active users who manage `alliance`, the recipients of its notices."""
    return [membership.user for membership in alliance.memberships.select_related("user").filter(user__is_active=True)]


def faq_search(queryset, query):
    """Case-insensitive search over the FAQ's questions and answers; every word must occur."""
    for word in (query or "").split()[:10]:
        queryset = queryset.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return queryset


def is_published():
    """Annotation: whether a question has been published to the FAQ."""
    return Exists(FaqEntry.objects.filter(source_question=OuterRef("pk")))


def visible_questions(user):
    """The questions `user` may see, each annotated with `is_published`."""
    return Question.objects.visible_to(user).annotate(is_published=is_published())


def question_comments(question):
    return list(QuestionComment.objects.filter(question=question).select_related("author"))


def barrier_reports_of(user):
    """The barriers `user` reported (questions without an alliance), newest first, with their answers."""
    return Question.objects.filter(alliance__isnull=True, asked_by=user).select_related("cycle").order_by("-asked_at")
