import sys
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, DossierStatus


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=360,
)
def render_dossier_task(self, dossier_id):
    """Renders one dossier by id. Idempotent: a ready dossier is left alone; a killed run is delivered again."""
    dossier = services.render_dossier(dossier_id=dossier_id)
    return dossier.status if dossier else "missing"


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_queued_dossiers():
    """Re-sends dossiers whose task got lost, e.g. because Redis was down when they were requested."""
    now = timezone.now()
    # Queued for minutes, or rendering far beyond the hard time limit: the message was lost.
    stale = Dossier.objects.filter(
        Q(status=DossierStatus.QUEUED, created_at__lt=now - timedelta(minutes=3))
        | Q(status=DossierStatus.RENDERING, started_at__lt=now - timedelta(minutes=20))
    )
    ids = list(stale.values_list("pk", flat=True)[:200])
    for dossier_id in ids:
        render_dossier_task.delay(dossier_id)
    return len(ids)


def pdf_worker_command(*, loglevel="warning", node_name=None):
    """The command line of one PDF worker that renders a dossier at a time (the benchmark starts several, the
    fault tests kill one). Without gossip, mingle and heartbeat it starts fast and talks only to the broker."""
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "pdf", "--pool", "solo"]
    command += ["--concurrency", "1", "-l", loglevel, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if node_name:
        command += ["-n", node_name]
    return command
