"""The production stack on this machine: gunicorn, a Celery worker and beat with DEBUG=0, walked over HTTP.

Started the way docker-compose.yml starts it, but bound to 127.0.0.1: the web tier believes it sits behind a TLS
proxy (every request carries X-Forwarded-Proto: https, SECURE_SSL_REDIRECT stays at its production default),
the worker renders dossiers into a private media directory it shares with the web tier and delivers the
outbox over SMTP to a sink run by this test. A manager uploads and submits, two ministry users propose,
confirm and release a decision, and the worker's dossiers and e-mails must arrive. The walk fails on a stack
whose signal receivers are not kept alive for the life of the process.
"""

import email
import email.policy
import http.client
import http.cookies
import os
import re
import secrets
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from contextlib import closing, suppress
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.urls import reverse

from dossiers.models import Dossier, DossierKind, DossierStatus
from portal.models import MessageStatus, NotificationKind, OutgoingMessage, Role, User
from tests.factories import (
    PASSWORD,
    AllianceFactory,
    CompleteStrategyFactory,
    EvaluationCycleFactory,
    UserFactory,
    manager_of,
    ministry_user,
    pdf_bytes,
    programme_rubric,
    totp_code,
)
from tests.helpers import next_totp_code

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 60
WORKER_SECONDS = 120
STOP_SECONDS = 10

# --- A tiny SMTP relay -----------------------------------------------------------------------------------


class _SmtpSession(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA (dot-unstuffed), QUIT; no extensions."""

    timeout = 30  # a stuck client cannot hold the thread longer than this

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        self.reply("220 smoke-sink ESMTP")
        recipients = []
        while line := self.rfile.readline(4096):
            verb = line[:4].upper()
            if verb == b"QUIT":
                self.reply("221 Bye")
                return
            if verb == b"RCPT":
                recipients += re.findall(r"<([^>]*)>", line.decode("ascii", "replace"))
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline(1 << 20)) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                self.server.messages.append((tuple(recipients), message))
                recipients = []
                self.reply("250 OK")
            else:  # EHLO, HELO, MAIL (starts a new envelope), RSET, NOOP
                if verb in (b"MAIL", b"RSET"):
                    recipients = []
                self.reply("250 OK")


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.messages = []  # (envelope recipients, parsed message); appends are atomic
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def port(self):
        return self.server_address[1]


# --- A browser behind the TLS proxy ----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def location(self):
        return urlsplit(self.headers.get("Location", "")).path

    def excerpt(self):
        """What a failed step shows: form errors and alerts, else the start of the body."""
        found = re.findall(r'class="(?:invalid-feedback|alert[^"]*)"[^>]*>(.*?)</', self.text, re.S)
        return " | ".join(unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in found) or self.text[:1500]


def expect(response, status, what):
    assert response.status == status, f"{what}: HTTP {response.status}, want {status}: {response.excerpt()}"
    return response


class Browser:
    """One person's browser as gunicorn sees it behind the proxy: HTTPS by X-Forwarded-Proto, cookies kept by hand,
    because the session and CSRF cookies are Secure and would not travel over the plain loopback connection."""

    def __init__(self, port):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies = {}
        self.secure_cookies = set()

    def request(self, method, path, body=None, headers=None, proxied=True):
        head = {"Accept-Language": "de"} | ({"X-Forwarded-Proto": "https"} if proxied else {})
        if self.cookies:
            head["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method == "POST":  # Django checks the origin of every HTTPS POST
            head |= {"Origin": self.origin, "Referer": self.origin + path}
        head |= headers or {}
        with closing(http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)) as connection:
            connection.request(method, path, body=body, headers=head)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                    if morsel["secure"]:
                        self.secure_cookies.add(name)
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, fields, files=None):
        if files:
            boundary = uuid.uuid4().hex
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                for name, value in fields.items()
            ]
            for name, (filename, content, content_type) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                    f"\r\nContent-Type: {content_type}\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            parts.append(f"--{boundary}--\r\n".encode())
            return self.request(
                "POST", path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            )
        return self.request(
            "POST", path, urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def submit_form(self, page_path, action_pattern, fields, files=None):
        """GETs the page, finds the POST form whose action matches (None: a form without action, which posts
        back to the page) and posts it with the page's CSRF token."""
        page = expect(self.get(page_path), 200, f"GET {page_path}")
        if action_pattern is None:
            actions = [page_path] if re.search(r'<form method="post">', page.text) else []
        else:
            actions = [unescape(a) for a in re.findall(r'<form[^>]*action="(' + action_pattern + ')"', page.text)]
        assert actions, f"no form posting to {action_pattern or page_path} on {page_path}: {page.excerpt()}"
        return self.post(actions[0], {"csrfmiddlewaretoken": csrf_token(page), **fields}, files)

    def linked_page(self, page_path, link_pattern):
        """GETs the page and returns the path of its first link matching `link_pattern` (e.g. a confirmation page)."""
        page = expect(self.get(page_path), 200, f"GET {page_path}")
        links = [unescape(href) for href in re.findall(r'<a[^>]*href="(' + link_pattern + ')"', page.text)]
        assert links, f"no link to {link_pattern} on {page_path}: {page.excerpt()}"
        return links[0]

    def log_in(self, user):
        page = expect(self.get(reverse("account_login")), 200, "login page")
        response = self.post(
            reverse("account_login"),
            {"csrfmiddlewaretoken": csrf_token(page), "login": user.email, "password": PASSWORD, "next": ""},
        )
        expect(response, 302, f"log-in of {user.email}")
        if response.location == reverse("mfa_authenticate"):
            # Staff sign in with their authenticator app as the second step.
            page = expect(self.get(reverse("mfa_authenticate")), 200, "second-factor page")
            response = self.post(
                reverse("mfa_authenticate"), {"csrfmiddlewaretoken": csrf_token(page), "code": totp_code()}
            )
            expect(response, 302, f"second factor of {user.email}")
        assert "sessionid" in self.secure_cookies, "the session cookie must be Secure in production"

    def reauthenticate(self, response, code):
        """Answers the redirect to the re-authentication page with the authenticator app's `code`; returns the
        response of the suspended POST, which allauth carries out afterwards."""
        expect(response, 302, "asked to re-authenticate")
        assert response.location == reverse("mfa_reauthenticate"), response.location
        target = response.headers["Location"]  # with ?next=, where the suspended POST resumes
        page = expect(self.get(target), 200, "re-authentication page")
        return self.post(target, {"csrfmiddlewaretoken": csrf_token(page), "code": code})


def csrf_token(page):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on the page: {page.excerpt()}"
    return match.group(1)


# --- The stack -------------------------------------------------------------------------------------------


@dataclass
class Stack:
    port: int
    private_root: Path
    sink: SmtpSink
    processes: dict = field(default_factory=dict)
    logs: dict = field(default_factory=dict)

    def start(self, name, command, env):
        self.logs[name] = self.private_root.parent / f"{name}.log"
        with self.logs[name].open("wb") as log:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def check_alive(self):
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited with status {process.returncode}"

    def stop(self):
        """SIGTERM to each process, then SIGKILL to its whole process group (gunicorn and prefork children)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes.values():
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # the group is this child's own session
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    def print_log_tails(self, lines=60):
        for name, path in self.logs.items():
            with path.open(encoding="utf-8", errors="replace") as log:
                tail = "".join(deque(log, maxlen=lines))
            print(f"\n----- {name} ({path}), last {lines} lines -----\n{tail}", file=sys.stderr)


def wait_for(stack, predicate, seconds, what):
    """Polls `predicate` until it returns something truthy, at most `seconds`; the stack must stay up."""
    deadline = time.monotonic() + seconds
    while True:
        stack.check_alive()
        if result := predicate():
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds} s waiting for {what}")
        time.sleep(0.25)


def free_port():
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url():
    database = settings.DATABASES["default"]  # the test database by now
    password = f":{quote(database['PASSWORD'], safe='')}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{quote(database['USER'], safe='')}{password}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def separate_redis_url():
    """The test run's Redis, three databases further on: another checkout's or test's worker never sees these
    tasks, whether or not the settings read REDIS_KEY_PREFIX (which the stack gets as well)."""
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must point to a running Redis (make test sets it).")
    parts = urlsplit(settings.REDIS_URL)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 3) % 16}"))


def production_env(*, port, private_root, smtp_port):
    dropped = ("DJANGO_", "PYTEST_", "SECURE_", "EMAIL_", "CSRF_", "REDIS_", "SESSION_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(),
        REDIS_URL=separate_redis_url(),
        REDIS_KEY_PREFIX=f"smoke-{uuid.uuid4().hex[:8]}:",
        PRIVATE_MEDIA_ROOT=str(private_root),
        STATIC_ROOT=str(settings.STATIC_ROOT),
        PORTAL_BASE_URL=f"https://127.0.0.1:{port}",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="0",
        PYTHONUNBUFFERED="1",
        PORTAL_ENV_FILE=os.devnull,  # a developer's .env must not switch production defaults back off
    )
    return env


@pytest.fixture
def stack(transactional_db, tmp_path):
    """gunicorn, a Celery worker and beat with production settings on the committed test database."""
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").is_file():
        pytest.fail(
            f"{settings.STATIC_ROOT} has no staticfiles.json: run collectstatic with DEBUG=0 first (make test "
            "does), or every page of the production stack fails on its first static file."
        )
    private_root = tmp_path / "stack-private"
    private_root.mkdir()
    sink = SmtpSink()
    sink.thread.start()
    running = Stack(port=free_port(), private_root=private_root, sink=sink)
    env = production_env(port=running.port, private_root=private_root, smtp_port=sink.port)
    node = f"smoke-{uuid.uuid4().hex[:8]}@%h"
    commands = {  # as docker-compose.yml runs them; the worker with one process, so the test stays light
        "gunicorn": f"gunicorn portal.wsgi:application --bind 127.0.0.1:{running.port} --workers 2 --access-logfile -",
        "worker": f"celery -A portal worker -Q celery,pdf --concurrency 1 --pool prefork --loglevel INFO -n {node}",
        "beat": "celery -A portal beat --loglevel INFO --schedule",
    }
    arguments = {"beat": [str(tmp_path / "celerybeat-schedule")]}
    try:
        for name, command in commands.items():
            program, *words = command.split()
            running.start(name, [BIN / program, *words, *arguments.get(name, [])], env)
        yield running
    finally:
        running.stop()
        sink.shutdown()
        sink.server_close()
        # The broker's bookkeeping keys of this stack (bindings) would otherwise stay behind in Redis.
        with suppress(redis.RedisError), closing(redis.Redis.from_url(env["REDIS_URL"])) as client:
            for key in client.scan_iter(match=f"{env['REDIS_KEY_PREFIX']}*", count=1000):
                client.delete(key)


# --- The walk --------------------------------------------------------------------------------------------


def kinds_ready(strategy):
    """The latest dossier of each kind, once all three are ready; fails at once on a failed rendering."""
    latest = {}
    for dossier in Dossier.objects.filter(strategy=strategy).order_by("created_at"):
        latest[dossier.kind] = dossier
    failed = [d for d in latest.values() if d.status == DossierStatus.FAILED]
    assert not failed, [(d.kind, d.error_message) for d in failed]
    wanted = {DossierKind.STRATEGY, DossierKind.EVALUATION, DossierKind.DECISION_LETTER}
    if set(latest) >= wanted and all(latest[kind].status == DossierStatus.READY for kind in wanted):
        return latest
    return None


def requested(strategy, kind):
    return Dossier.objects.filter(strategy=strategy, kind=kind).exists()


def walk(stack, people):
    cycle, alliance, strategy = people["cycle"], people["alliance"], people["strategy"]
    args = [cycle.slug, alliance.slug]

    # gunicorn is up and, without the proxy's header, insists on HTTPS as production does.
    anonymous = Browser(stack.port)

    def healthy():
        with suppress(OSError):
            return anonymous.get("/health/").status == 200
        return False

    wait_for(stack, healthy, STARTUP_SECONDS, "gunicorn's health check")
    plain = anonymous.get("/health/", proxied=False)
    assert plain.status == 301 and plain.headers["Location"].startswith("https://"), plain.status

    # The manager uploads the strategy document and submits; the receipt page shows.
    manager = Browser(stack.port)
    manager.log_in(people["manager"])
    strategy_path = reverse("alliances:strategy", args=args)
    upload = manager.submit_form(
        strategy_path,
        re.escape(reverse("alliances:document_upload", args=args)),
        {"kind": "main"},
        files={"file": ("strategie.pdf", pdf_bytes(2), "application/pdf")},
    )
    expect(upload, 302, "document upload")
    # The worker checks the upload; the page polls the status as htmx does until the check is done.
    status_path = reverse("alliances:document_status", args=args)
    wait_for(
        stack,
        lambda: "hx-trigger" not in expect(manager.get(status_path), 200, "document status").text,
        60,
        "the worker's check of the uploaded document",
    )
    submit_path = reverse("alliances:strategy_submit", args=args)
    submitted = expect(manager.submit_form(submit_path, None, {}), 302, "submission")
    receipt = expect(manager.get(submitted.location), 200, "receipt page")
    assert "Eingangsbestätigung" in receipt.text
    fingerprint = re.search(r'<code class="fingerprint">([0-9a-f]{64})</code>', receipt.text).group(1)
    assert requested(strategy, DossierKind.STRATEGY), (
        "the submission in gunicorn set no strategy dossier going: the receivers did not survive start-up"
    )

    # Ministry user 1 proposes, ministry user 2 confirms, user 1 releases; both re-authenticate for it.
    decision_path = reverse("decisions:alliance", args=args)
    bmbf1, bmbf2 = Browser(stack.port), Browser(stack.port)
    bmbf1.log_in(people["bmbf1"])
    bmbf2.log_in(people["bmbf2"])
    proposal = {
        "version": "",
        "outcome": "approved",
        "granted_amount": "500.000,00",
        "funding_start": "2025-04-01",
        "funding_end": "2028-03-31",
        "conditions": "",
        "rationale": "Überzeugende Strategie.",
        "letter_rationale": "Die Strategie überzeugt.",
        "over_request_reason": "",
    }
    expect(
        bmbf1.submit_form(decision_path, re.escape(reverse("decisions:propose", args=args)), proposal), 302, "proposal"
    )
    confirm_pattern = re.escape(decision_path) + r"decisions/\d+/confirm/"
    fresh_code = next_totp_code()  # the codes of their sign-ins are spent
    # Confirming and releasing happen on their confirmation pages, which the decision panel links to.
    confirm_page = bmbf2.linked_page(decision_path, confirm_pattern)
    asked = bmbf2.submit_form(confirm_page, re.escape(confirm_page), {"budget_override_reason": ""})
    expect(bmbf2.reauthenticate(asked, fresh_code), 302, "confirmation")
    assert requested(strategy, DossierKind.EVALUATION), "the confirmation set no evaluation dossier going"
    release_pattern = re.escape(decision_path) + r"decisions/\d+/release/"
    release_page = bmbf1.linked_page(decision_path, release_pattern)
    asked = bmbf1.submit_form(release_page, re.escape(release_page), {})
    expect(bmbf1.reauthenticate(asked, fresh_code), 302, "release")
    assert requested(strategy, DossierKind.DECISION_LETTER), "the release set no decision letter going"

    # The worker renders all three dossiers into the private media root the web tier reads from.
    latest = wait_for(stack, lambda: kinds_ready(strategy), WORKER_SECONDS, "the worker's three dossiers")
    for dossier in latest.values():
        path = stack.private_root / dossier.file.name
        assert path.is_file() and path.read_bytes()[:4] == b"%PDF", (dossier.kind, path)

    # The manager downloads the released letter through the letter panel of their decision page.
    expect(manager.get(reverse("decisions:alliance_decision", args=args)), 200, "the manager's decision page")
    panel = expect(manager.get(reverse("dossiers:panel", args=["decision_letter", *args])), 200, "letter panel")
    download = re.search(r'href="(/dossiers/[0-9a-f-]{36}/download/)"', panel.text)
    assert download, panel.excerpt()
    letter = expect(manager.get(download.group(1)), 200, "letter download")
    assert letter.headers["Content-Type"] == "application/pdf" and letter.body[:4] == b"%PDF"

    # The worker delivered the receipt (and the released decision's notice) to the SMTP relay.
    manager_email = people["manager"].email

    def delivered(kind_subject):
        return [
            message
            for recipients, message in list(stack.sink.messages)
            if manager_email in recipients and kind_subject in message["Subject"]
        ]

    receipts = wait_for(stack, lambda: delivered("Eingangsbestätigung"), WORKER_SECONDS, "the receipt e-mail")
    assert fingerprint in receipts[0].get_body(("plain",)).get_content()
    wait_for(stack, lambda: delivered("Förderentscheidung"), WORKER_SECONDS, "the decision e-mail")
    assert OutgoingMessage.objects.get(kind=NotificationKind.SUBMISSION_RECEIPT).status == MessageStatus.SENT

    # The programme office sees the delivered receipt in the outbox.
    office = Browser(stack.port)
    office.log_in(people["office"])
    outbox = expect(office.get(reverse("outbox")), 200, "outbox")
    assert "Eingangsbestätigung" in outbox.text


@pytest.mark.timeout(300)
def test_a_strategy_walks_from_upload_to_released_letter_on_the_production_stack(stack):
    cycle = EvaluationCycleFactory()
    programme_rubric(cycle)
    alliance = AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz")
    people = {
        "cycle": cycle,
        "alliance": alliance,
        "manager": manager_of(alliance, email="manager@gesunde-lausitz.example"),
        "strategy": CompleteStrategyFactory(cycle=cycle, alliance=alliance),
        "office": UserFactory(email="pt@ptj.example", role=Role.PROGRAMME_OFFICE),
        "bmbf1": ministry_user("bmbf1@bmbf.example"),
        "bmbf2": ministry_user("bmbf2@bmbf.example"),
    }
    # The suite hashes with MD5, which production does not accept: one production hash for every account.
    User.objects.filter(pk__in=[people[name].pk for name in ("manager", "office", "bmbf1", "bmbf2")]).update(
        password=make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    )
    try:
        walk(stack, people)
    except BaseException:
        stack.print_log_tails()
        raise
