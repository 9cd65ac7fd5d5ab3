"""A bounded load test: gunicorn with production settings on 127.0.0.1, driven by Locust in headless mode.

People are signed in without the interactive flow: their sessions are written directly (as Django's
force_login does, with the portal's own session keys: staff hold a second factor, so none is missing), and
Locust sends the cookies. Every child runs in its own process group with a timeout and is killed at the end.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import closing, suppress
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.middleware.csrf import _get_new_csrf_string
from django.urls import reverse

from dossiers.benchmarks.pages import draft_fields
from portal.models import Role, User
from portal.receivers import LAST_ACTIVITY, SECOND_FACTOR_MISSING, idle_seconds_for
from reviews.models import Review, ReviewStatus

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
AUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
STARTUP_SECONDS = 60
STOP_SECONDS = 10


@dataclass
class LoadResult:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float


def signed_in_session(user):
    """A stored session of `user`, as after signing in (with the second factor for staff); returns its key."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = AUTH_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SECOND_FACTOR_MISSING] = False
    store[LAST_ACTIVITY] = time.time()
    store.set_expiry(idle_seconds_for(user))
    store.save()
    return store.session_key


def _review_fields(review):
    fields = {
        "recommendation": "",
        "strengths": review.strengths,
        "weaknesses": review.weaknesses,
        "proposed_conditions": "",
        "confidential_note": "",
    }
    for criterion in review.rubric.criteria.all():
        fields[f"score_{criterion.pk}"] = str(min(criterion.scale_max, criterion.scale_min + 3))
        fields[f"justification_{criterion.pk}"] = f"Im Kriterium „{criterion.title}“ überwiegend überzeugend."
    return fields


def plan(cycle, *, dashboard_cycle, managers=60, experts=20, staff=20):
    """What each simulated person does, with their session; written to JSON for the locustfile."""
    from alliances.models import Strategy, StrategyStatus

    people = {"managers": [], "experts": [], "staff": [], "dashboard": []}
    strategies = (
        Strategy.objects.filter(cycle=cycle, status=StrategyStatus.REOPENED)
        .select_related("alliance", "cycle")
        .prefetch_related("budget_lines", "alliance__memberships__user")
        .order_by("alliance__slug")[:managers]
    )
    for strategy in strategies:
        manager = strategy.alliance.memberships.all()[0].user
        args = [cycle.slug, strategy.alliance.slug]
        fields = draft_fields(strategy, version=strategy.version)
        fields.pop("version")
        people["managers"].append(
            {
                "session": signed_in_session(manager),
                "page": reverse("alliances:strategy", args=args),
                "save": reverse("alliances:strategy_save", args=args),
                "fields": fields,
                "budget_field": f"budget_{cycle.first_funding_year}_travel",
            }
        )
    drafts = (
        Review.objects.filter(assignment__strategy__cycle=cycle, status=ReviewStatus.DRAFT)
        .select_related("assignment__expert", "rubric")
        .prefetch_related("rubric__criteria")
        .order_by("pk")[:experts]
    )
    for review in drafts:
        people["experts"].append(
            {
                "session": signed_in_session(review.assignment.expert),
                "list": reverse("reviews:my_assignments"),
                "review": reverse("reviews:review", args=[review.assignment_id]),
                "fields": _review_fields(review),
            }
        )
    args = [cycle.slug]
    staff_paths = [
        ("Ministerium: Dashboard", reverse("decisions:dashboard", args=args)),
        ("Projektträger: Übersicht", reverse("alliances:overview", args=args)),
        ("Projektträger: Begutachtungsstand", reverse("reviews:office_progress", args=args)),
        ("Projektträger: Zuweisungsmatrix", reverse("reviews:office_assignments", args=args)),
    ]
    readers = list(User.objects.filter(role__in=[Role.PROGRAMME_OFFICE, Role.MINISTRY]).order_by("pk"))
    for number in range(staff):
        reader = readers[number % len(readers)]
        # Each person starts elsewhere in the round, so the pages are requested evenly.
        start = number % len(staff_paths)
        people["staff"].append(
            {"session": signed_in_session(reader), "paths": staff_paths[start:] + staff_paths[:start]}
        )
    ministry = [user for user in readers if user.role == Role.MINISTRY]
    dashboard = reverse("decisions:dashboard", args=[dashboard_cycle.slug])
    people["dashboard"] = [{"session": signed_in_session(user), "path": dashboard} for user in ministry]
    return people | {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf": _get_new_csrf_string(),
        "login": reverse("account_login"),
    }


def free_port():
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url():
    database = settings.DATABASES["default"]
    password = f":{quote(database['PASSWORD'], safe='')}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{quote(database['USER'], safe='')}{password}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def production_env(*, port, redis_url, key_prefix):
    dropped = ("DJANGO_", "PYTEST_", "SECURE_", "EMAIL_", "CSRF_", "REDIS_", "SESSION_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,  # the sessions written here are signed with it
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url(),
        REDIS_URL=redis_url,
        REDIS_KEY_PREFIX=key_prefix,
        STATIC_ROOT=str(settings.STATIC_ROOT),
        PORTAL_BASE_URL=f"https://127.0.0.1:{port}",
        PORTAL_ENV_FILE=os.devnull,
        PYTHONUNBUFFERED="1",
    )
    return env


class Gunicorn:
    """gunicorn with 2 sync workers on 127.0.0.1, in a process group of its own."""

    def __init__(self, *, workers, redis_url, log_path):
        self.port = free_port()
        self.key_prefix = f"bench-pages-{uuid.uuid4().hex[:8]}:"
        self.redis_url = redis_url
        self.env = production_env(port=self.port, redis_url=redis_url, key_prefix=self.key_prefix)
        self.log_path = log_path
        self.workers = workers
        self.process = None

    def __enter__(self):
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter's gunicorn, fixed arguments
                [
                    str(BIN / "gunicorn"),
                    "portal.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--worker-class",
                    "sync",
                    "--timeout",
                    "60",
                    "--backlog",
                    "256",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self):
        import http.client

        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            with suppress(OSError), closing(http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)) as conn:
                conn.request("GET", "/health/", headers={"X-Forwarded-Proto": "https"})
                if conn.getresponse().status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {STARTUP_SECONDS} s; see {self.log_path}")

    def __exit__(self, *exc):
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_SECONDS)
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        forget_keys(self.redis_url, self.key_prefix)


def forget_keys(redis_url, prefix):
    """Deletes the Redis keys under `prefix`, which would otherwise stay behind."""
    with suppress(redis.RedisError), closing(redis.Redis.from_url(redis_url)) as client:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)


def run_locust(*, port, plan_path, user_classes, users, seconds, csv_prefix, log_path):
    """Runs Locust headless against gunicorn; returns the rows of its statistics (the last one: all requests)."""
    command = [
        str(BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
        *user_classes,
    ]
    env = {**os.environ, "BENCH_LOAD_PLAN": str(plan_path)}
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter's locust, fixed arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=seconds + 120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            raise RuntimeError(f"Locust did not finish in time; see {log_path}") from None
    return read_stats(Path(f"{csv_prefix}_stats.csv"), seconds=seconds)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def read_stats(path, *, seconds):
    rows = []
    with path.open(encoding="utf-8") as stats:
        for row in csv.DictReader(stats):
            name = "Alle Anfragen" if row["Name"] == "Aggregated" else row["Name"]
            rows.append(
                LoadResult(
                    name=name,
                    requests=int(_number(row["Request Count"])),
                    failures=int(_number(row["Failure Count"])),
                    rps=_number(row["Requests/s"]),
                    p50=_number(row["50%"]),
                    p95=_number(row["95%"]),
                )
            )
    return rows


def failure_reasons(path, limit=5):
    """The most frequent failures Locust recorded (request, reason, count), so a failing run says why."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as failures:
        rows = [(row["Name"], row["Error"], int(_number(row["Occurrences"]))) for row in csv.DictReader(failures)]
    return sorted(rows, key=lambda row: -row[2])[:limit]


def table(title, rows):
    lines = [
        title,
        f"{'Anfrage':<36} | {'Anzahl':>7} | {'Fehler':>7} | {'Anfr./s':>8} | {'p50 ms':>7} | {'p95 ms':>7}",
        "-" * 88,
    ]
    for row in rows:
        error_rate = f"{100 * row.failures / row.requests:.1f} %" if row.requests else "–"
        lines.append(
            f"{row.name:<36} | {row.requests:>7} | {error_rate:>7} | {row.rps:>8.1f} | "
            f"{row.p50:>7.0f} | {row.p95:>7.0f}"
        )
    return "\n".join(lines)


def run(*, cycle, dashboard_cycle, seconds, dashboard_seconds, work_dir, redis_url, stdout, users=100):
    """The mix on `cycle`, then the dashboard alone on `dashboard_cycle` and the login page; prints tables.

    Each run gets a gunicorn of its own: requests a run left queued (a closed connection does not stop a sync
    worker) would otherwise be served during the next one.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    plan_path = work_dir / "plan.json"
    plan_path.write_text(json.dumps(plan(cycle, dashboard_cycle=dashboard_cycle)), encoding="utf-8")
    results = {}
    runs = [
        ("mix", ["ManagerUser", "ExpertUser", "StaffUser"], seconds, cycle.strategies.count()),
        ("dashboard", ["DashboardUser"], dashboard_seconds, dashboard_cycle.strategies.count()),
        ("login", ["LoginPageUser"], dashboard_seconds, None),
    ]
    for key, classes, duration, size in runs:
        with Gunicorn(workers=2, redis_url=redis_url, log_path=work_dir / f"gunicorn-{key}.log") as server:
            rows = run_locust(
                port=server.port,
                plan_path=plan_path,
                user_classes=classes,
                users=users,
                seconds=duration,
                csv_prefix=work_dir / key,
                log_path=work_dir / "locust.log",
            )
        results[key] = rows
        title = {
            "mix": f"Lastmix bei {size} Bündnissen: {users} Nutzer/innen, {duration} s, ohne Denkzeit "
            "(Ziel: ≥ 150 Anfr./s, p95 < 1000 ms, 0 Fehler)",
            "dashboard": f"Nur Dashboard bei {size} Bündnissen, {duration} s (Ziel: ≥ 100 Anfr./s)",
            "login": f"Anmeldeseite zum Vergleich, {duration} s",
        }[key]
        stdout.write(table(title, rows) + "\n")
        for name, error, count in failure_reasons(work_dir / f"{key}_failures.csv"):
            stdout.write(f"  Fehler {name}: {error} ({count}×)\n")
    return results
