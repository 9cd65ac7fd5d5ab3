import sys

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from dossiers import services
from dossiers.models import DossierStatus

# How often a task looks again at a dossier that another worker is rendering, before it leaves it to the sweep.
LOOKS_AT_A_BUSY_DOSSIER = 10


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=settings.DOSSIER_RENDER_SOFT_SECONDS,
    time_limit=settings.DOSSIER_RENDER_HARD_SECONDS,
)
def render_dossier_task(self, dossier_id):
    """Renders one dossier by id. Idempotent: a ready or failed dossier is left alone, and so is one that another
    worker renders. A task delivered again because its worker died finds that worker's heartbeat still fresh: it
    looks again once the heartbeat would have gone stale, and then takes the dossier over."""
    dossier = services.render_dossier(dossier_id=dossier_id)
    if dossier is None:
        return "missing"
    if dossier.status == DossierStatus.RENDERING and not self.request.is_eager:
        if self.request.retries < LOOKS_AT_A_BUSY_DOSSIER:
            raise self.retry(
                countdown=settings.DOSSIER_HEARTBEAT_STALE_SECONDS + 1, max_retries=LOOKS_AT_A_BUSY_DOSSIER
            )
        return "busy"
    return dossier.status


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_queued_dossiers():
    """Sends again the dossiers whose task or worker was lost (Redis was down when they were requested, or their
    worker was killed), and marks failed those that overran or lost too many workers; see dossiers/liveness.py."""
    return services.sweep_pending_dossiers()


def pdf_worker_command(*, loglevel="warning", node_name=None, pool="solo", concurrency=1, queues=("pdf",)):
    """The command line of one PDF worker that renders a dossier at a time (the benchmark starts several, the
    fault tests kill one). Without gossip, mingle and heartbeat it starts fast and talks only to the broker."""
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", ",".join(queues), "--pool", pool]
    command += ["--concurrency", str(concurrency), "-l", loglevel]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if node_name:
        command += ["-n", node_name]
    return command
