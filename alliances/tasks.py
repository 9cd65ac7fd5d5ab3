from celery import shared_task

from alliances import services
from alliances.services.document_text import TEXT_SECONDS
from portal.tasks import PERIODIC_NOTICE_JOB


@shared_task(**PERIODIC_NOTICE_JOB)
def send_faq_digests():
    """Sends each cycle's daily digest of new FAQ entries; safe to run any number of times a day."""
    return services.send_faq_digests()


@shared_task(**PERIODIC_NOTICE_JOB)
def send_submission_reminders():
    """Sends the due reminders before each strategy's deadline; safe to run any number of times."""
    return services.send_due_submission_reminders()


# The extraction stops itself after TEXT_SECONDS; the limits leave room for opening the file and storing the pages.
@shared_task(
    queue="pdf",
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=TEXT_SECONDS + 60,
    time_limit=TEXT_SECONDS + 90,
)
def index_document_text(document_id):
    """Extracts the text of one checked strategy PDF, page by page, and makes it searchable; safe to run twice."""
    return services.index_document_text(document_id=document_id)
