from celery import shared_task

from alliances import services


@shared_task(
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
)
def send_faq_digests():
    """Sends each cycle's daily digest of new FAQ entries; safe to run any number of times a day."""
    return services.send_faq_digests()
