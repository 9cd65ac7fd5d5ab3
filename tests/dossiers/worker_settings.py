"""Settings of the worker and beat processes that the fault tests start: the portal's own, with the dossier
timings shortened so that a lost rendering is noticed in seconds rather than minutes."""

from portal.settings import *  # noqa: F403

DOSSIER_HEARTBEAT_SECONDS = 1
DOSSIER_HEARTBEAT_STALE_SECONDS = 4
DOSSIER_QUEUED_RESEND_SECONDS = 8
DOSSIER_SWEEP_SECONDS = 2
# Only the dossier sweep: the other periodic jobs have nothing to do in these tests.
CELERY_BEAT_SCHEDULE = {
    "dossier-sweep": {"task": "dossiers.tasks.sweep_queued_dossiers", "schedule": DOSSIER_SWEEP_SECONDS},
}
