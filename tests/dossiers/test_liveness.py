"""The rule that tells a pending dossier on its way from one whose task or worker was lost (dossiers/liveness.py),
checked with times alone."""

from datetime import UTC, datetime, timedelta

import pytest

from dossiers.liveness import RenderTiming, Verdict, verdict

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TIMING = RenderTiming(
    soft_limit=timedelta(seconds=300),
    hard_limit=timedelta(seconds=360),
    heartbeat_stale=timedelta(seconds=60),
    queued_resend=timedelta(seconds=180),
    max_attempts=3,
)


def ago(seconds):
    return NOW - timedelta(seconds=seconds)


def judge(status, *, created=600, enqueued=None, started=None, heartbeat=None, attempts=1):
    return verdict(
        status=status,
        created_at=ago(created),
        enqueued_at=None if enqueued is None else ago(enqueued),
        started_at=None if started is None else ago(started),
        heartbeat_at=None if heartbeat is None else ago(heartbeat),
        attempts=attempts,
        now=NOW,
        timing=TIMING,
    )


@pytest.mark.parametrize("status", ["ready", "failed"])
def test_a_done_dossier_is_left_alone_however_old(status):
    assert judge(status, created=10**6, started=10**6, heartbeat=10**6, attempts=9) == Verdict.KEEP


@pytest.mark.parametrize(
    ("enqueued", "created", "expected"),
    [
        (10, 600, Verdict.KEEP),  # sent ten seconds ago: its worker may still be busy with others
        (179, 600, Verdict.KEEP),
        (180, 600, Verdict.SEND_AGAIN),  # waited three minutes since it was sent: the message was lost
        (None, 100, Verdict.KEEP),  # never sent (the broker was down), requested 100 s ago
        (None, 200, Verdict.SEND_AGAIN),
    ],
)
def test_a_queued_dossier_is_sent_again_once_its_task_has_waited_too_long(enqueued, created, expected):
    assert judge("queued", created=created, enqueued=enqueued, attempts=0) == expected


def test_a_rendering_dossier_with_a_fresh_heartbeat_is_kept_however_long_it_has_been_queued():
    assert judge("rendering", created=3600, started=200, heartbeat=5) == Verdict.KEEP


def test_a_silent_worker_is_noticed_after_the_stale_interval_and_its_dossier_sent_again():
    assert judge("rendering", started=100, heartbeat=59) == Verdict.KEEP
    assert judge("rendering", started=100, heartbeat=60) == Verdict.SEND_AGAIN


def test_a_dossier_that_never_got_a_heartbeat_counts_from_its_start():
    assert judge("rendering", started=30) == Verdict.KEEP
    assert judge("rendering", started=61) == Verdict.SEND_AGAIN


def test_a_dossier_sent_again_after_its_worker_died_is_not_sent_over_and_over_while_it_waits():
    # The worker fell silent 120 s ago; the sweep sent it again 30 s ago; a busy worker has not taken it yet.
    assert judge("rendering", started=200, heartbeat=120, enqueued=30) == Verdict.KEEP
    # Three minutes after that sending, it is sent once more.
    assert judge("rendering", started=400, heartbeat=300, enqueued=180) == Verdict.SEND_AGAIN
    # A sending from before the worker fell silent does not count.
    assert judge("rendering", started=200, heartbeat=120, enqueued=150) == Verdict.SEND_AGAIN


def test_after_the_last_attempt_a_dossier_that_keeps_losing_its_worker_is_failed():
    assert judge("rendering", started=100, heartbeat=90, attempts=2) == Verdict.SEND_AGAIN
    assert judge("rendering", started=100, heartbeat=90, attempts=3) == Verdict.FAIL_LOST


def test_a_worker_killed_by_the_hard_time_limit_leaves_a_dossier_that_overran():
    # It was still beating when its soft limit (300 s) passed, then fell silent: out of time, not lost.
    assert judge("rendering", started=420, heartbeat=65) == Verdict.FAIL_OVERRAN
    # Silent after 200 s of work: a lost worker, sent again.
    assert judge("rendering", started=300, heartbeat=100) == Verdict.SEND_AGAIN


def test_a_worker_that_hangs_beyond_its_hard_limit_while_still_beating_is_failed():
    assert judge("rendering", started=420, heartbeat=2) == Verdict.KEEP  # 360 s + 60 s of grace
    assert judge("rendering", started=421, heartbeat=2) == Verdict.FAIL_OVERRAN
