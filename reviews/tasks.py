from celery import shared_task

from alliances.models import EvaluationCycle, Phase
from portal.tasks import PERIODIC_NOTICE_JOB
from reviews import services


@shared_task(**PERIODIC_NOTICE_JOB)
def send_review_reminders():
    """Sends the due reminders before the review deadline for each cycle in review; safe to run any number of times."""
    sent = 0
    for cycle in EvaluationCycle.objects.all():
        if cycle.phase == Phase.REVIEW:
            sent += services.send_due_reminders(cycle=cycle)
    return sent
