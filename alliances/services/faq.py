"""The FAQ: publishing an anonymised question and answer, and the daily digest e-mail about new entries."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliances import search, validators
from alliances.models import AllianceMembership, EvaluationCycle, FaqDigest, FaqEntry, Question, QuestionStatus
from alliances.selectors import cycle_alliances
from alliances.services.history import save_with_history
from portal.exceptions import Refusal
from portal.models import NotificationKind, Role
from portal.notifications import send_notification


class IdentityWarning(Refusal):
    """A FAQ text still names the alliance; `names` are the names found. Nothing was published."""

    def __init__(self, names):
        super().__init__(
            _(
                "Der Text nennt noch das Bündnis (%(names)s). Bitte formulieren Sie ihn ohne Bezug auf das "
                "Bündnis, oder bestätigen Sie unten, dass er trotzdem veröffentlicht werden soll."
            )
            % {"names": ", ".join(names)}
        )
        self.names = names


def alliance_names_in(alliance, *texts):
    """The alliance's name or acronym where it appears as a word in any of the texts (case-insensitive)."""
    found = []
    if alliance is None:  # a barrier report names no alliance
        return found
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

    The original question stays private. Side effects: creates a FaqEntry (kept in history, searchable) that the
    next daily digest announces to every alliance of the cycle. Raises IdentityWarning when the texts
    still name the alliance and `confirm_identity` is not set, ValidationError when the question is not
    answered, was already published, or a text is empty or too long.
    """
    now = now or timezone.now()
    # Only the question row: a barrier report has no alliance, and an outer join cannot be locked.
    current = Question.objects.select_for_update(of=("self",)).select_related("cycle", "alliance").get(pk=question.pk)
    if current.status != QuestionStatus.ANSWERED:
        raise ValidationError(_("Nur eine beantwortete Frage kann in die FAQ übernommen werden."), code="open")
    if FaqEntry.objects.filter(source_question=current).exists():
        raise ValidationError(_("Diese Frage steht bereits in der FAQ."), code="published")
    validators.validate_topic(topic)
    question_text = validators.clean_text(question_text, validators.FAQ_QUESTION_TEXT)
    answer_text = validators.clean_text(answer_text, validators.ANSWER_TEXT)
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
    save_with_history(entry, user, _("In die FAQ übernommen"))
    search.index_faq_entry(entry)
    # The question's own history records the publication too; its content stays unchanged.
    save_with_history(current, user, _("In die FAQ übernommen"))
    return entry


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
