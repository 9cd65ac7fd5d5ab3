"""In development without REDIS_URL (`make run`) tasks run in-process on the in-memory broker, and say nothing
about a broker.

Celery takes a producer from kombu's pool even for an in-process task; a broker URL without a host made kombu
warn "No hostname was supplied" on the first task of every `seed_demo` and `runserver`."""

import os
import sys

from tests.helpers import run_in_checkout

# A fresh process with the portal's settings: the first task of the process is the one that warned.
PROBE = """
import logging

import django

django.setup()

from django.conf import settings

from portal.celery import app


@app.task(name="probe.ping")
def ping(word):
    return word


assert app.conf.task_always_eager and settings.CELERY_BROKER_URL.startswith("memory://"), settings.CELERY_BROKER_URL
print(ping.delay("pong").get(), ping.apply_async(["pong"], queue="pdf").get())
logging.getLogger("probe").warning("Warnungen erscheinen auf stderr")
"""


def test_an_in_process_task_prints_no_broker_warning():
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    # PORTAL_ENV_FILE: a developer's .env must not bring a REDIS_URL back.
    # DEBUG=1: in-process tasks are development's only (production refuses to start without a broker).
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL="sqlite:///:memory:",
        LOG_LEVEL="INFO",
        PORTAL_ENV_FILE=os.devnull,
    )
    result = run_in_checkout([sys.executable, "-c", PROBE], env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["pong", "pong"]
    assert "Warnungen erscheinen auf stderr" in result.stderr  # warnings would be seen here
    assert "kombu" not in result.stderr
    assert "hostname" not in result.stderr.lower()


def test_every_periodic_job_names_a_task_the_workers_know():
    from django.conf import settings

    from portal.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.tasks.sweep_pending_uploads" in scheduled
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)


def test_an_outbox_retry_waits_less_than_the_visibility_timeout():
    from django.conf import settings

    from portal.tasks import MAX_ATTEMPTS, retry_countdown

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert retry_countdown(1) == 60
    assert all(retry_countdown(attempts) < visibility for attempts in range(1, MAX_ATTEMPTS + 1))
