"""E-mails to experts: reminders of outstanding reviews and notice of a resubmitted strategy."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliances.models import due_reminder_hours
from portal.models import NotificationKind
from portal.notifications import send_notification
from reviews.models import ReminderKind, ReviewReminder
from reviews.selectors import experts_with_outstanding_reviews


def _remind(cycle, expert, count, kind, user=None, offset_hours=None):
    try:
        with transaction.atomic():
            ReviewReminder.objects.create(
                cycle=cycle,
                expert=expert,
                kind=kind,
                outstanding=count,
                sent_by=user,
                offset_hours=offset_hours,
                deadline=cycle.review_deadline if offset_hours is not None else None,
            )
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
    """Sends the reminder due now before the review deadline, at the cycle's reminder hours (the closest one whose
    time has come); each at most once per expert, offset and deadline, so a moved deadline reminds again.

    Side effects: records ReviewReminder rows and e-mails experts with outstanding reviews.
    """
    now = now or timezone.now()
    hours = due_reminder_hours(cycle.review_deadline, cycle.reminder_offsets, now)
    if hours is None:
        return 0
    sent = 0
    for expert, count in experts_with_outstanding_reviews(cycle).items():
        sent += _remind(cycle, expert, count, ReminderKind.BEFORE_DEADLINE, offset_hours=hours)
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


def notify_experts_of_moved_deadline(*, cycle, old_deadline):
    """Tells every expert with outstanding reviews in `cycle` the old and the new review deadline.

    Side effects: e-mails through the outbox (runs inside the caller's transaction).
    """
    experts = list(experts_with_outstanding_reviews(cycle))
    if not experts:
        return
    send_notification(
        recipients=experts,
        kind=NotificationKind.DEADLINE,
        subject=_("Geänderte Frist für Gutachten: %(cycle)s") % {"cycle": cycle.name},
        template="reviews/email/deadline_moved",
        context={"cycle": cycle, "old_deadline": old_deadline},
        cause=cycle,
        cause_url=reverse("reviews:my_assignments"),
    )
