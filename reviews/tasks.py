from celery import shared_task

from alliances.models import EvaluationCycle, Phase
from reviews import services


@shared_task(
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
)
def send_review_reminders():
    """Sends due 7-day and 2-day reminders for every cycle in review; safe to run any number of times."""
    sent = 0
    for cycle in EvaluationCycle.objects.all():
        if cycle.phase == Phase.REVIEW:
            sent += services.send_due_reminders(cycle=cycle)
    return sent
