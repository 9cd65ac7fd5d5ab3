from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, DossierStatus


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=3, soft_time_limit=300, time_limit=360)
def render_dossier_task(self, dossier_id):
    """Renders one dossier by id. Idempotent: a ready dossier is left alone; a killed run is delivered again."""
    dossier = services.render_dossier(dossier_id=dossier_id)
    return dossier.status


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_queued_dossiers():
    """Re-sends dossiers that stayed queued for minutes, e.g. because Redis was down when they were requested."""
    stale = Dossier.objects.filter(status=DossierStatus.QUEUED,
                                   created_at__lt=timezone.now() - timedelta(minutes=3))
    ids = list(stale.values_list("pk", flat=True)[:200])
    for dossier_id in ids:
        render_dossier_task.delay(dossier_id)
    return len(ids)
