"""Whether a pending dossier is still on its way: one rule for the periodic sweep, a new request and the status page.

A rendering worker writes `heartbeat_at` every few seconds. When it falls silent, the worker is gone (killed,
out of memory, a request aborted), and the task is sent again; after `max_attempts` lost renderings, or when a
rendering ran out of its time, the dossier is marked failed instead, so that a dossier that kills its worker
cannot keep the workers busy for ever. The rule is a pure function of the dossier's state and the time.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings

# The status values of dossiers.models.DossierStatus, spelled out so that the rule needs no model import.
QUEUED, RENDERING = "queued", "rendering"


class Verdict(StrEnum):
    KEEP = "keep"  # done, or pending and alive: leave it alone
    SEND_AGAIN = "send_again"  # its message or its worker was lost: send the task again
    FAIL_OVERRAN = "fail_overran"  # it ran past its time limit: mark it failed
    FAIL_LOST = "fail_lost"  # it lost `max_attempts` workers: mark it failed


@dataclass(frozen=True)
class RenderTiming:
    soft_limit: timedelta
    hard_limit: timedelta
    heartbeat_stale: timedelta
    queued_resend: timedelta
    max_attempts: int

    @classmethod
    def from_settings(cls):
        return cls(
            soft_limit=timedelta(seconds=settings.DOSSIER_RENDER_SOFT_SECONDS),
            hard_limit=timedelta(seconds=settings.DOSSIER_RENDER_HARD_SECONDS),
            heartbeat_stale=timedelta(seconds=settings.DOSSIER_HEARTBEAT_STALE_SECONDS),
            queued_resend=timedelta(seconds=settings.DOSSIER_QUEUED_RESEND_SECONDS),
            max_attempts=settings.DOSSIER_MAX_ATTEMPTS,
        )


def last_sign_of_life(*, created_at, started_at, heartbeat_at):
    """When a rendering was last seen alive: its latest heartbeat, else its start (else its request)."""
    signs = [moment for moment in (started_at, heartbeat_at) if moment is not None]
    return max(signs) if signs else created_at


def verdict(*, status, created_at, enqueued_at, started_at, heartbeat_at, attempts, now, timing):
    """What to do with a dossier in this state at `now`.

    - Queued: sent again once its task was last sent (or, never sent, it was requested) `queued_resend` ago.
    - Rendering with a fresh heartbeat: kept, unless it has been rendering for longer than its hard time limit
      plus `heartbeat_stale` (a worker without time limits that hangs): failed, it overran.
    - Rendering with a stale heartbeat (the worker is gone): failed as overran if it was still alive when its
      soft time limit passed (the hard limit killed it); failed as lost after `max_attempts` renderings;
      otherwise sent again, once per `queued_resend`, so that a re-sent task waiting for a busy worker is not
      sent over and over.
    """
    if status == QUEUED:
        last_sent = enqueued_at or created_at
        return Verdict.SEND_AGAIN if now - last_sent >= timing.queued_resend else Verdict.KEEP
    if status != RENDERING:
        return Verdict.KEEP
    alive_at = last_sign_of_life(created_at=created_at, started_at=started_at, heartbeat_at=heartbeat_at)
    began = started_at or created_at
    if now - alive_at < timing.heartbeat_stale:
        overran = now - began > timing.hard_limit + timing.heartbeat_stale
        return Verdict.FAIL_OVERRAN if overran else Verdict.KEEP
    if alive_at - began >= timing.soft_limit:
        return Verdict.FAIL_OVERRAN
    if attempts >= timing.max_attempts:
        return Verdict.FAIL_LOST
    if enqueued_at is not None and enqueued_at > alive_at and now - enqueued_at < timing.queued_resend:
        return Verdict.KEEP
    return Verdict.SEND_AGAIN


def verdict_for(dossier, *, now, timing=None):
    return verdict(
        status=dossier.status,
        created_at=dossier.created_at,
        enqueued_at=dossier.enqueued_at,
        started_at=dossier.started_at,
        heartbeat_at=dossier.heartbeat_at,
        attempts=dossier.attempts,
        now=now,
        timing=timing or RenderTiming.from_settings(),
    )


def is_rendering_elsewhere(dossier, *, now, timing=None):
    """A worker renders this dossier right now: its heartbeat is fresh."""
    timing = timing or RenderTiming.from_settings()
    if dossier.status != RENDERING:
        return False
    alive_at = last_sign_of_life(
        created_at=dossier.created_at, started_at=dossier.started_at, heartbeat_at=dossier.heartbeat_at
    )
    return now - alive_at < timing.heartbeat_stale
