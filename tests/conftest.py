import os

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from portal.celery import app as celery_app
from portal.models import Role
from tests.factories import (
    AllianceFactory,
    EvaluationCycleFactory,
    StrategyFactory,
    UserFactory,
    manager_of,
)
from tests.helpers import built_once_for_the_module, fast_hashing_and_storage_at, sqlite_beside_postgresql
from tests.storage_faults import full_disk_root, read_only_root  # noqa: F401 - fixtures for every test


def _flush_by_deleting_the_filled_tables():
    """After each transactional test, Django's `flush` empties the database with one TRUNCATE of all its ~90 tables,
    which costs PostgreSQL new files for every table and index (seconds on a busy machine). A test fills a few
    tables with a few rows: deleting the rows of the tables that have any, in one transaction whose foreign keys
    (all DEFERRABLE, as Django makes them) are checked at its end, leaves the same empty database. Sequences are not
    reset in either case; a flush that asks for it takes Django's way."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate_all = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate_all(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        quote = self.quote_name
        probe = " UNION ALL ".join(f"SELECT %s::text WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in tables)
        with self.connection.cursor() as cursor:
            cursor.execute(probe, list(tables))
            filled = [table for (table,) in cursor.fetchall()]
        return ["SET CONSTRAINTS ALL DEFERRED", *(f"DELETE FROM {quote(table)}" for table in filled)]

    DatabaseOperations.sql_flush = sql_flush


if django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _flush_by_deleting_the_filled_tables()

# Parallel test processes (pytest-xdist) share one Redis: each gets keys, and so Celery queues, of its
# own, before any connection exists. Subprocesses (workers, servers) inherit it through the environment.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER:
    os.environ["REDIS_KEY_PREFIX"] = f"{os.environ.get('REDIS_KEY_PREFIX', '')}{_XDIST_WORKER}:"
    django_settings.REDIS_KEY_PREFIX = os.environ["REDIS_KEY_PREFIX"]
    django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = django_settings.REDIS_KEY_PREFIX
    celery_app.conf.broker_transport_options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if "KEY_PREFIX" in django_settings.CACHES["default"]:
        django_settings.CACHES["default"]["KEY_PREFIX"] = django_settings.REDIS_KEY_PREFIX


@pytest.fixture
def client():
    """The test client as a browser behind the TLS proxy: production settings redirect plain HTTP."""
    return Client(HTTP_X_FORWARDED_PROTO="https")


@pytest.fixture(autouse=True)
def fresh_sign_in_counters():
    """Each test starts with no failed sign-ins, no rate-limit hits and no spent authenticator codes.

    allauth keeps them in the cache (Redis), outside the test's rolled-back transaction; every test signs in from
    127.0.0.1, and user ids repeat from one run to the next. Only this run's keys (its prefix) are touched.
    """
    from django.core.cache import cache

    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is not None:
        redis_client = client(write=True)
        # Dashboard figures too: cycle ids and figures versions repeat from one run to the next.
        stale = [
            key
            for pattern in ("allauth*", "dashboard:*", "template.cache.dashboard*")
            for key in redis_client.scan_iter(match=cache.make_key(pattern), count=1000)
        ]
        if stale:
            redis_client.delete(*stale)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def tasks_run_in_process():
    """Tasks run inside the test unless a test starts a real worker (see `celery_worker`)."""
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def stored_scores_match_their_definition(request):
    """After every test that used the database: every review's stored weighted score, and every strategy's score
    summary, equal their SQL definition (one query). A test that writes scores past reviews.scoring fails here.
    """
    uses_db = {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db")
    if uses_db:
        # The database first, so that this check runs before its rollback.
        request.getfixturevalue("_django_db_helper")
    yield
    if uses_db:
        from reviews.scoring import stale_figures

        review_pk, strategy_pk = stale_figures()
        assert review_pk is None, f"Review {review_pk}: stored weighted score differs from its scores"
        assert strategy_pk is None, f"Strategy {strategy_pk}: stored score summary differs from its reviews"


@pytest.fixture(scope="module")
def module_private(tmp_path_factory):
    """The private file folder of a module whose data is built once (see `built_once`)."""
    return tmp_path_factory.mktemp("private")


@pytest.fixture(scope="module")
def built_once(django_db_setup, django_db_blocker, module_private):
    """The module's transaction for data built once (`built_once_for_the_module`): a module-scoped fixture that
    asks for it builds its data inside it."""
    with built_once_for_the_module(django_db_blocker, module_private):
        yield


@pytest.fixture(autouse=True)
def fast_hashing_and_private_storage(request, settings, tmp_path):
    """Fast hashing, and private files in a folder of the test's own, or of the module's where its data is built
    (or committed) once: the files stored with that data must stay readable."""
    if {"built_once", "committed_once"} & set(request.fixturenames):
        fast_hashing_and_storage_at(settings, request.getfixturevalue("module_private"))
    else:
        fast_hashing_and_storage_at(settings, tmp_path / "private")


@pytest.fixture
def cycle(db):
    return EvaluationCycleFactory()


@pytest.fixture
def alliance(db):
    return AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz", states=["BB", "SN"])


@pytest.fixture
def other_alliance(db):
    return AllianceFactory(slug="diana", name="DIANA", states=["SN"])


@pytest.fixture
def strategy(cycle, alliance):
    return StrategyFactory(cycle=cycle, alliance=alliance)


@pytest.fixture
def other_strategy(cycle, other_alliance):
    return StrategyFactory(cycle=cycle, alliance=other_alliance)


@pytest.fixture
def manager(alliance):
    return manager_of(alliance, email="manager@gesunde-lausitz.example")


@pytest.fixture
def other_manager(other_alliance):
    return manager_of(other_alliance, email="manager@diana.example")


@pytest.fixture
def programme_office(db):
    return UserFactory(email="pt@ptj.example", role=Role.PROGRAMME_OFFICE, full_name="Petra Träger")


@pytest.fixture
def ministry(db):
    return UserFactory(email="bmbf1@bmbf.example", role=Role.MINISTRY)


@pytest.fixture
def expert(db):
    return UserFactory(email="expertin@uni.example", role=Role.EXPERT)


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@portal.example", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def actors(alliance, expert, programme_office, ministry, admin_user):
    """Anonymous, the alliance's manager and one user of each other role, by the names permission matrices use."""
    return {
        "anonymous": None,
        "manager": manager_of(alliance),
        "expert": expert,
        "programme_office": programme_office,
        "ministry": ministry,
        "admin": admin_user,
    }


@pytest.fixture
def celery_worker(settings, transactional_db, monkeypatch):
    """A real Celery worker in a thread, consuming from the Redis broker of the test run."""
    from celery.contrib.testing.worker import start_worker

    # Django's system checks at worker start would query every configured database, also a SQLite one that a
    # session fixture keeps beside PostgreSQL in this process.
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must point to a running Redis for worker tests (make test sets it).")
    celery_app.conf.task_always_eager = False
    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, queues=["celery", "pdf"], shutdown_timeout=10
    ) as worker:
        yield worker
    celery_app.conf.task_always_eager = True


@pytest.fixture
def retention_schedule():
    """The shipped retention rules as migrations portal/0006 and dossiers/0006 write them, written again where a
    transactional test before this one flushed them (a flush empties what data migrations wrote). Needs database
    access."""
    from importlib import import_module

    from portal.privacy.models import RetentionRule

    shipping = (
        "portal.migrations.0006_default_retention_rules",
        "dossiers.migrations.0006_personal_copies_retention_rule",
    )
    for migration in shipping:
        for values in import_module(migration).RULES:
            RetentionRule.objects.get_or_create(code=values["code"], defaults=values)


@pytest.fixture
def real_broker(settings, transactional_db):
    """Tasks go to the Redis broker instead of running inside the test."""
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must point to a running Redis for broker tests (make test sets it).")
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def german_by_default():
    """Requests leave their language active in the thread; every test starts in German again."""
    translation.activate("de")
    yield
    translation.activate("de")


@pytest.fixture
def sqlite_connection(django_db_blocker):
    """A SQLite database for one test; its alias is `sqlite_connection.alias`."""
    with sqlite_beside_postgresql("beside_sqlite", django_db_blocker) as connection, django_db_blocker.unblock():
        yield connection
