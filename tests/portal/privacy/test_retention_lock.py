"""One retention run at a time: while another database session (another worker) holds the run's lock, a run
changes nothing and says it was skipped; once the lock is free, the run goes ahead, and it frees the lock after."""

import logging
from datetime import timedelta

import pytest
from django.db import connection

from portal.locks import lock_key
from portal.models import AccountEvent, AccountEventKind, RetentionRun
from portal.privacy import categories
from portal.privacy.services import RETENTION_RUN_LOCK, apply_retention
from portal.tasks import apply_retention_schedule
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]


@pytest.fixture
def other_worker():
    """A second session on the same database, as a second worker's process has."""
    session = connection.copy()
    yield session
    session.close()


def query(session, sql):
    with session.cursor() as cursor:
        cursor.execute(sql, [lock_key(RETENTION_RUN_LOCK)])
        return cursor.fetchone()[0]


def test_a_run_is_skipped_while_another_holds_the_lock_and_goes_ahead_once_it_is_free(t0, other_worker, caplog):
    event = AccountEvent.objects.create(user=UserFactory(), kind=AccountEventKind.SIGN_IN_FAILED, at=t0)
    due = t0 + timedelta(days=90)
    runs = RetentionRun.objects.count()
    assert query(other_worker, "SELECT pg_try_advisory_lock(%s)")

    with caplog.at_level(logging.WARNING, logger="portal.privacy.services"):
        assert apply_retention(now=due) is None
    assert AccountEvent.objects.filter(pk=event.pk).exists()
    assert RetentionRun.objects.count() == runs
    assert "skipped: another run is still going" in caplog.text
    assert apply_retention_schedule() == "skipped: another run is still going"

    assert query(other_worker, "SELECT pg_advisory_unlock(%s)")
    run = apply_retention(now=due)
    assert run.counts[categories.SIGN_IN_EVENTS] == 1
    assert not AccountEvent.objects.filter(pk=event.pk).exists()
    # The finished run let go of the lock: the other worker may take it now.
    assert query(other_worker, "SELECT pg_try_advisory_lock(%s)")
    assert query(other_worker, "SELECT pg_advisory_unlock(%s)")


def test_a_run_that_fails_lets_go_of_the_lock(t0, other_worker, monkeypatch):
    from portal.privacy import services

    def fail(now):
        raise RuntimeError("the run broke off")

    monkeypatch.setattr(services, "holds_at", fail)
    with pytest.raises(RuntimeError, match="broke off"):
        apply_retention(now=t0)
    assert query(other_worker, "SELECT pg_try_advisory_lock(%s)")
    assert query(other_worker, "SELECT pg_advisory_unlock(%s)")
