"""E-mails to experts: reminders of outstanding reviews and notice of a resubmitted strategy."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import NotificationKind
from portal.notifications import send_notification
from reviews.models import ReminderKind, ReviewReminder
from reviews.selectors import experts_with_outstanding_reviews


def _remind(cycle, expert, count, kind, user=None):
    try:
        with transaction.atomic():
            ReviewReminder.objects.create(cycle=cycle, expert=expert, kind=kind, outstanding=count, sent_by=user)
    except IntegrityError:
        return False
    send_notification(
        recipients=[expert],
        kind=NotificationKind.REVIEW_REMINDER,
        subject=ngettext("Erinnerung: %(count)s Gutachten offen", "Erinnerung: %(count)s Gutachten offen", count)
        % {"count": count},
        template="reviews/email/reminder",
        context={"cycle": cycle, "count": count, "expert": expert},
        cause=cycle,
        cause_url=reverse("reviews:my_assignments"),
    )
    return True


@transaction.atomic
def send_due_reminders(*, cycle, now=None):
    """Sends the 7-day and 2-day reminders that are due; each at most once per expert and cycle.

    Side effects: records ReviewReminder rows and e-mails experts with outstanding reviews.
    """
    now = now or timezone.now()
    left = cycle.review_deadline - now
    if left.total_seconds() < 0:
        return 0
    kinds = []
    if left.days < 7:
        kinds.append(ReminderKind.SEVEN_DAYS)
    if left.days < 2:
        kinds.append(ReminderKind.TWO_DAYS)
    sent = 0
    for expert, count in experts_with_outstanding_reviews(cycle).items():
        for kind in kinds:
            sent += _remind(cycle, expert, count, kind)
    return sent


@transaction.atomic
def send_manual_reminder(*, cycle, user):
    """E-mails every expert with outstanding reviews now. Side effects: ReviewReminder rows, e-mails."""
    sent = 0
    for expert, count in experts_with_outstanding_reviews(cycle).items():
        sent += _remind(cycle, expert, count, ReminderKind.MANUAL, user=user)
    return sent


def notify_experts_of_resubmission(*, submission):
    """Tells the experts of a strategy that it was resubmitted and what changed."""
    if submission.number < 2:
        return
    strategy = submission.strategy
    experts = [a.expert for a in strategy.assignments.active().select_related("expert")]
    send_notification(
        recipients=experts,
        kind=NotificationKind.RESUBMISSION,
        subject=_("Geänderte Fassung: %(alliance)s") % {"alliance": strategy.alliance.name},
        template="reviews/email/resubmitted",
        context={"submission": submission, "strategy": strategy},
        cause=submission,
        cause_url=reverse("reviews:my_assignments"),
    )
