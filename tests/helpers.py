"""Request and assertion helpers the permission-matrix and query-count tests share, and data built once per module."""

import os
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# The checkout: the working directory of the commands tests run.
ROOT = Path(__file__).resolve().parents[1]

# The expected "status" of an anonymous visitor in a permission matrix: a redirect to the login page.
LOGIN = "account_login"

# The actors of most permission matrices, in the order of the statuses in a matrix row.
ROLE_ACTORS = ["anonymous", "manager", "expert", "programme_office", "ministry", "admin"]
# The actors of a matrix over one alliance's objects: its own manager, and the manager of another alliance.
ALLIANCE_ACTORS = ["anonymous", "own_manager", "other_manager", "expert", "programme_office", "ministry", "admin"]
# The arguments of a test parametrized with `matrix_cases`.
MATRIX_CASE = ("name", "method", "actor", "want")


def matrix_cases(matrix, actors=ROLE_ACTORS):
    """One case per cell of a permission matrix: its rows are (name, method, [status per actor in the order of
    `actors`]); a case is (name, method, actor name, wanted status), with the id `actor-method-name`."""
    return [
        pytest.param(name, method, actor, want, id=f"{actor}-{method}-{name}")
        for name, method, expected in matrix
        for actor, want in zip(actors, expected, strict=True)
    ]


def request_as(client, actor, method, url, data=None):
    """Requests `url` with GET or POST as `actor` (None: anonymous) and returns the response."""
    if actor is not None:
        client.force_login(actor)
    return client.get(url) if method == "get" else client.post(url, data or {})


def assert_status(response, want, message=""):
    """`want` is a status code, or LOGIN for a redirect to the login page."""
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == want, message


def count_queries(client, url, data=None):
    """GETs `url`, which must answer 200; returns the number of database queries and the response.
    The queries are printed, so a failing count shows them."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data or {})
    assert response.status_code == 200
    print("\n".join(query["sql"][:200] for query in queries.captured_queries))
    return len(queries), response


def project_routes():
    """Every named URL pattern of the project, recursively with namespaces: (full name, parameters), in URLconf
    order. The parameters are the route's own and those of the includes around it ({name: converter or None})."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def parameters(pattern):
        converters = dict(getattr(pattern, "converters", {}))
        regex_groups = getattr(pattern, "regex", None)
        for group in regex_groups.groupindex if regex_groups is not None else ():
            converters.setdefault(group, None)
        return converters

    def walk(patterns, namespace, outer):
        for entry in patterns:
            params = {**outer, **parameters(entry.pattern)}
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, inner, params)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}", params

    return list(walk(get_resolver().url_patterns, "", {}))


def route_kwargs(parameters, **given):
    """Placeholder values for every parameter of a route (an int, a slug, a UUID…), with `given` ones instead."""
    import uuid

    from django.urls.converters import IntConverter, UUIDConverter

    samples = {IntConverter: 1, UUIDConverter: uuid.UUID(int=1)}
    return {key: given.get(key, samples.get(type(converter), "x")) for key, converter in parameters.items()}


def run_in_checkout(argv, env=None, timeout=120, cwd=ROOT, **options):
    """Runs `argv` (in the checkout unless `cwd` says otherwise) to its end and returns the completed process with
    its output as text; the test asserts the return code, so that a failure shows the output."""
    return subprocess.run(  # noqa: S603 - the tests' own commands
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False, **options
    )


def wait_for(predicate, seconds=15.0):
    """Polls `predicate` until it is true, at most `seconds`; whether it became true (a worker in another thread or
    process is doing the work)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def race(attempt, arguments, refusal):
    """Calls `attempt(argument)` for every argument, each in a thread of its own (with its own database connection),
    released together so that they race; returns {argument: "won" or "refused"}: "refused" for a call that raised
    `refusal`. Any other exception is raised here; a call that does not finish in time has no entry."""
    barrier = threading.Barrier(len(arguments))
    results = {}

    def run(argument):
        try:
            barrier.wait(timeout=10)
            attempt(argument)
            results[argument] = "won"
        except Exception as error:
            results[argument] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    for result in results.values():
        if isinstance(result, Exception) and not isinstance(result, refusal):
            raise result
    return {argument: "won" if result == "won" else "refused" for argument, result in results.items()}


FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def private_storages(location):
    """The suite's STORAGES with uploads and dossiers under `location`, stored as in production."""
    return {
        **settings.STORAGES,
        "default": {"BACKEND": "portal.storage.PrivateFileStorage", "OPTIONS": {"location": str(location)}},
    }


def fast_hashing_and_storage_at(settings, location):
    """Fast password hashing, and the private files under `location`."""
    settings.PASSWORD_HASHERS = FAST_HASHING
    settings.STORAGES = private_storages(location)


@contextmanager
def built_once_for_the_module(django_db_blocker, private):
    """Data built once for a whole module, in a transaction rolled back when the module ends.

    Each test then runs in a savepoint inside it (pytest-django's `db`), so tests still cannot see each other's
    writes. Signals and tasks that wait for a commit never fire. A module asks for it through the suite's
    `built_once` fixture, which also keeps the module's tests storing their files in the same `private` folder.
    """
    with override_settings(PASSWORD_HASHERS=FAST_HASHING, STORAGES=private_storages(private)):
        with django_db_blocker.unblock():
            module_atomic = transaction.atomic()
            module_atomic.__enter__()
        try:
            with django_db_blocker.unblock():
                yield
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                module_atomic.__exit__(None, None, None)


@contextmanager
def broker_nobody_consumes(name):
    """Environment for a subprocess whose tasks go to the test Redis under keys of their own instead of running in
    the process (no PDF is rendered); the keys are deleted afterwards."""
    prefix = f"{os.environ.get('REDIS_KEY_PREFIX', '')}{name}-{uuid.uuid4().hex[:8]}:"
    try:
        yield {"REDIS_URL": settings.REDIS_URL, "REDIS_KEY_PREFIX": prefix}
    finally:
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            client.delete(key)
        client.close()


def reauthenticated(client):
    """Records in `client`'s session that its signed-in user has just re-authenticated, the way allauth's
    re-authentication pages do (with the second factor, or the password for a user without one), so that views
    behind `reauthentication_required` go through for REAUTHENTICATION_TIMEOUT. Returns `client`."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.test import RequestFactory

    session = client.session
    user = get_user_model().objects.get(pk=session[SESSION_KEY])
    request = RequestFactory().post("/")
    request.session, request.user = session, user
    factor = Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).first()
    if factor is None:
        record_authentication(request, user, method="password", reauthenticated=True)
    else:
        record_authentication(request, user, method="mfa", type=factor.type, id=factor.pk, reauthenticated=True)
    session.save()
    return client


def next_totp_code(secret=None):
    """The authenticator app's code of the next period, which the portal accepts now (MFA_TOTP_TOLERANCE): a code
    used once, e.g. at sign-in, is refused when entered again."""
    from tests.factories import TOTP_SECRET, totp_code

    return totp_code(secret or TOTP_SECRET, offset=1)


def sign_in_browsers():
    """A fixture body (`yield from sign_in_browsers()`): makes browsers behind the TLS proxy, each with a client
    address of its own, so the sign-in rate limits they meet count only their requests (parallel test runs share
    one Redis). Afterwards it deletes those addresses' counters and the per-account ones of every user the test
    made, and nothing else."""
    import secrets

    from django.test import Client

    addresses = []

    def browser():
        addresses.append("10.{}.{}.{}".format(*secrets.token_bytes(3)))
        return Client(HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=addresses[-1])

    yield browser
    forget_sign_in_counters(addresses=addresses)


def forget_sign_in_counters(*, addresses=()):
    """Deletes allauth's rate-limit counters of `addresses` and of every user in the database (their sign-in,
    reset and second-factor budgets and used TOTP codes); other keys in Redis stay."""
    import hashlib

    from django.core.cache import cache

    from portal.models import User

    if not hasattr(cache, "_cache"):
        cache.clear()  # a local memory cache belongs to this process alone
        return
    suffixes = {f":ip:{address}" for address in addresses}
    used_codes = []
    for pk, email in User.objects.values_list("pk", "email"):
        for key in (f"testserver:{email.lower()}", email.lower(), f"mfa-auth-user-{pk}"):
            suffixes.add(":" + hashlib.sha256(key.encode()).hexdigest())
        suffixes.add(f":user:{pk}")
        used_codes.append(f"allauth.mfa.totp.used?user={pk}&")
    redis = cache._cache.get_client(write=True)
    prefix = cache.make_key("")
    doomed = []
    for raw in redis.scan_iter(match=cache.make_key("allauth*"), count=1000):
        key = raw.decode()[len(prefix) :]
        if key.endswith(":lock"):
            key = key.removesuffix(":lock")
        if (key.startswith("allauth:rl:") and key.endswith(tuple(suffixes))) or key.startswith(tuple(used_codes)):
            doomed.append(raw)
    if doomed:
        redis.delete(*doomed)


def unique_email(name):
    """An address no other test uses, so allauth's counters of one test never meet another's."""
    import uuid

    return f"{name}-{uuid.uuid4().hex[:10]}@example.org"


def sign_in_through_the_form(browser, user):
    """Signs `user` in with the password form, and the authenticator code where the portal asks for one."""
    from tests.factories import PASSWORD, totp_code

    response = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    if response["Location"] == reverse("mfa_authenticate"):
        response = browser.post(reverse("mfa_authenticate"), {"code": totp_code(offset=1)})
    assert response.status_code == 302
    assert browser.session.get("_auth_user_id") == str(user.pk)
    return response


@contextmanager
def sqlite_beside_postgresql(alias, django_db_blocker):
    """A migrated in-memory SQLite database under `alias` beside the PostgreSQL test database, for tests that run the
    same SQL on the embedded default of `make run`."""
    from django.core.management import call_command
    from django.db import connections

    connections.settings[alias] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {},
        "CONN_HEALTH_CHECKS": False,
        "CONN_MAX_AGE": 0,
    }
    with django_db_blocker.unblock():
        call_command("migrate", database=alias, verbosity=0)
    try:
        yield connections[alias]
    finally:
        with django_db_blocker.unblock():
            connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def resolve_filter(key, value, *, columns, user=None, op=":"):
    """The index rows (as `columns`) that a search filter selects: the Qs of every provider of `key` that knows
    `value`, ORed as the engine does; None when no provider knows the value."""
    from portal.models import SearchEntry
    from portal.search import registry

    found = [f.resolve(op=op, value=value, user=user) for f in registry.filters()[registry.filter_key(key)]]
    found = [q for q in found if q is not None]
    if not found:
        return None
    combined = found[0]
    for q in found[1:]:
        combined |= q
    return set(SearchEntry.objects.filter(combined).values_list(*columns))
