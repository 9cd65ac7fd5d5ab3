"""One run at a time across every process: PostgreSQL's session-level advisory locks.

Chosen over a lock in the cache (Redis `add` with a timeout) because the database ends the lock with the session
that holds it: a worker that is killed mid-run frees it at once, and a run that takes longer than any timeout one
could guess is still never joined by a second one. Redis is not needed for it either.
"""

import hashlib
from contextlib import contextmanager

from django.db import connection


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for the lock called `name` (advisory locks are numbered, not named)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(name: str):
    """Yields True while this database session holds the lock `name`, False at once when another session holds it
    (then the block must do nothing). On SQLite, used only by `make run` with tasks in one process, there is no
    second run to keep out: always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    if not acquired:
        yield False
        return
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
