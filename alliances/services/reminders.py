"""Reminder e-mails to alliances before their strategy's deadline."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import Strategy, StrategyStatus, SubmissionReminder, due_reminder_hours
from alliances.selectors import active_managers
from alliances.validators import MAX_REMINDER_HOURS
from portal.models import NotificationKind
from portal.notifications import send_notification


def _strategies_near_their_deadline(now):
    """Strategies still to be submitted whose own deadline (extensions count) is ahead, but not far ahead."""
    return (
        Strategy.objects.filter(status__in=[StrategyStatus.DRAFT, StrategyStatus.REOPENED])
        .annotate(own_deadline=Coalesce(F("extended_deadline"), F("cycle__submission_deadline")))
        .filter(own_deadline__gt=now, own_deadline__lte=now + timedelta(hours=MAX_REMINDER_HOURS))
        .select_related("cycle", "alliance")
        .order_by("pk")
    )


@transaction.atomic
def send_due_submission_reminders(*, now=None):
    """Sends the reminders that are due to the managers of every alliance that has not submitted yet.

    The hours before the deadline come from the strategy's cycle; the deadline is the strategy's own, so an
    extension moves its reminders. Each reminder goes out once per strategy, offset and deadline.
    Side effects: records SubmissionReminder rows and e-mails the managers through the outbox.
    Returns the number of reminders sent.
    """
    now = now or timezone.now()
    sent = 0
    for strategy in _strategies_near_their_deadline(now):
        if not strategy.accepts_work_at(now):
            continue
        deadline = strategy.deadline
        hours = due_reminder_hours(deadline, strategy.cycle.reminder_offsets, now)
        if hours is None:
            continue
        try:
            with transaction.atomic():
                SubmissionReminder.objects.create(strategy=strategy, offset_hours=hours, deadline=deadline, sent_at=now)
        except IntegrityError:
            continue
        send_notification(
            recipients=active_managers(strategy.alliance),
            kind=NotificationKind.DEADLINE,
            subject=_("Erinnerung: Einreichungsfrist am %(deadline)s Uhr")
            % {"deadline": timezone.localtime(deadline).strftime("%d.%m.%Y, %H:%M")},
            template="alliances/email/submission_reminder",
            context={"strategy": strategy, "deadline": deadline, "now": now},
            cause=strategy,
            cause_url=reverse("alliances:strategy", args=[strategy.cycle.slug, strategy.alliance.slug]),
        )
        sent += 1
    return sent
