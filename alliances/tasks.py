from celery import shared_task

from alliances import services
from portal.tasks import PERIODIC_NOTICE_JOB


@shared_task(**PERIODIC_NOTICE_JOB)
def send_faq_digests():
    """Sends each cycle's daily digest of new FAQ entries; safe to run any number of times a day."""
    return services.send_faq_digests()
