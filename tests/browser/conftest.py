"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1.

Playwright never downloads a browser here; it launches /usr/bin/chromium (installed by
scripts/install-system-packages.sh, which `make test` runs). Without it the browser tests skip, except
in CI (`CI=true`), where they fail.

Fixtures for journeys in this directory:
- `browser`  session-scoped headless Chromium
- `page`     a fresh context per test (de-DE, Europe/Berlin, 20 s timeouts); a screenshot goes to
             test-results/ when the test fails; `page.problems` collects console errors, uncaught
             exceptions and CSP violations
- `live_server` the Django live server, bound to 127.0.0.1, serving the collected /static/ files
Helpers: `login(page, live_server, email, password)`, `submit_login_form(page, email, password)`,
`logout(page)`, `assert_page_sound(page)`.
Mark every test with @pytest.mark.browser and request `transactional_db` (or `live_server`, which
implies it), because the live server reads committed rows only. A module whose tests share one expensive
scenario commits it once instead (`committed_once`, see there).

The live server speaks plain HTTP on the loopback, where production sits behind TLS: browser tests
turn off the HTTPS redirect and the cookies' Secure flag, nothing else.
"""

import contextlib
import os
import re
import time
from pathlib import Path

import pytest

from tests.factories import PASSWORD, totp_code

# Playwright's sync API keeps an asyncio loop running in the test thread for the whole session, so
# Django's async-safety check would refuse every ORM call made by tests (and factories). Test-only.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000  # bounded, with room for a busy machine
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


# --- processes --------------------------------------------------------------------------------


def _children_by_parent():
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _is_chromium(pid):
    try:
        command = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return b"chromium" in Path(command.decode(errors="replace")).name.encode()


def _alive(pid):
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def own_chromium_pids():
    """Chromium processes descending from this test process (never anybody else's)."""
    children = _children_by_parent()
    found, todo = set(), [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            todo.append(child)
            if _is_chromium(child):
                found.add(child)
    return found


# --- Playwright ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium for the whole session; on teardown no Chromium process may remain."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; `make test` installs it via scripts/install-system-packages.sh"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # CI must never pass without its browser journeys
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=30_000
    )
    chromium.wir_pids = own_chromium_pids()
    try:
        yield chromium
    finally:
        chromium.wir_pids |= own_chromium_pids()
        chromium.close()
        playwright.stop()
        remaining = _wait_until_gone(chromium.wir_pids, seconds=10)
        if remaining:
            for pid in remaining:
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)
            pytest.fail(f"Chromium processes {sorted(remaining)} survived browser.close()")


def _wait_until_gone(pids, seconds):
    deadline = time.monotonic() + seconds
    remaining = {pid for pid in pids if _alive(pid)}
    while remaining and time.monotonic() < deadline:
        time.sleep(0.1)
        remaining = {pid for pid in remaining if _alive(pid)}
    return remaining


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


REFUSED_FORM = re.compile(r"^Failed to load resource: the server responded with a status of 422\b")
CSP_PATTERN = re.compile(r"Content Security Policy|Refused to (load|execute|apply|connect|frame)", re.IGNORECASE)


@pytest.fixture
def page(browser, live_server, request):
    """A new browser context and page per test, German and in Berlin time, with bounded waiting.

    `page.problems` lists console errors (CSP violations among them) and uncaught page errors.
    """
    context = browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    new_page.problems = []

    def on_console(message):
        if REFUSED_FORM.search(message.text):
            return  # the portal answers a refused form with 422 by design; the test asserts what it shows
        if message.type == "error" or CSP_PATTERN.search(message.text):
            new_page.problems.append(f"console {message.type} on {new_page.url}: {message.text}")

    def on_page_error(error):
        new_page.problems.append(f"page error on {new_page.url}: {error}")

    new_page.on("console", on_console)
    new_page.on("pageerror", on_page_error)
    browser.wir_pids |= own_chromium_pids()
    try:
        yield new_page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            RESULTS_DIR.mkdir(exist_ok=True)
            with contextlib.suppress(Exception):  # a screenshot must not hide the real failure
                new_page.screenshot(path=str(RESULTS_DIR / f"{request.node.name}.png"), full_page=True, timeout=5_000)
        browser.wir_pids |= own_chromium_pids()
        context.close()


@pytest.fixture(scope="module")
def committed_once(django_db_setup, django_db_blocker, module_private):
    """Data committed once for all tests of a module (the live server reads committed rows only), which a module-
    scoped fixture that asks for this one builds; the database is flushed when the module ends, as
    `transactional_db` flushes it after each test. A test of such a module asks for it too (e.g. through
    `pytestmark`), so that it keeps the data instead of flushing it (see `_live_server_helper`), and must leave
    nothing behind that a later test of the module would trip over."""
    from django.core.management import call_command
    from django.db import connections
    from django.test import override_settings
    from django.utils import translation

    from portal.celery import app as celery_app
    from reviews.scoring import stale_figures
    from tests.helpers import FAST_HASHING, private_storages

    # Module fixtures are set up before the function-scoped autouse ones: tasks run in process and German is active
    # while the data is built, as in a test (`tasks_run_in_process`, `german_by_default`).
    eager = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    with (
        override_settings(PASSWORD_HASHERS=FAST_HASHING, STORAGES=private_storages(module_private)),
        translation.override("de"),
        django_db_blocker.unblock(),
    ):
        try:
            yield
            # What `stored_scores_match_their_definition` checks after each test that uses the database.
            review_pk, strategy_pk = stale_figures()
            assert review_pk is None, f"Review {review_pk}: stored weighted score differs from its scores"
            assert strategy_pk is None, f"Strategy {strategy_pk}: stored score summary differs from its reviews"
        finally:
            call_command("flush", verbosity=0, interactive=False, reset_sequences=False, allow_cascade=False)
            # As `transactional_db` does after each test: an open connection would keep the database from being
            # dropped at the end of the run.
            connections.close_all()
            celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = eager


@pytest.fixture(autouse=True)
def _live_server_helper(request):
    """pytest-django's helper of the same name (the live server's settings during the test, and `transactional_db`),
    except in a module whose data is committed once (`committed_once`): there the data stays for the next test."""
    if "live_server" not in request.fixturenames:
        yield
        return
    if "committed_once" not in request.fixturenames:
        request.getfixturevalue("transactional_db")
    live_server = request.getfixturevalue("live_server")
    live_server._live_server_modified_settings.enable()
    yield
    live_server._live_server_modified_settings.disable()


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server, but bound to 127.0.0.1 only (the collected static files). It starts after the
    test database exists, so that it stops before the database is dropped, whichever fixture asks first."""
    from django.test import override_settings
    from django.test.testcases import _StaticFilesHandler
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(request.config.getvalue("liveserver") or "127.0.0.1", start=False)
    # The collected, hashed files of STATIC_ROOT, as WhiteNoise serves them in production.
    server.thread.static_handler = _StaticFilesHandler
    # The security middleware reads the redirect setting once, when the server thread builds its handler.
    with override_settings(SECURE_SSL_REDIRECT=False):
        server.start()
    yield server
    server.stop()


# --- helpers ------------------------------------------------------------------------------------


def login(page, live_server, email, password=PASSWORD):
    """Logs in through the real login form and waits until the portal has left the login page."""
    page.goto(f"{live_server.url}/accounts/login/")
    submit_login_form(page, email, password)


def submit_login_form(page, email, password=PASSWORD):
    """Fills and sends the login form already on the page (e.g. after a redirect with ?next=)."""
    from playwright.sync_api import expect

    form = page.locator("main form")
    form.get_by_label("E-Mail-Adresse").fill(email)
    form.get_by_label("Passwort").fill(password)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/2fa/authenticate/" in page.url:
        # Staff confirm with their authenticator app.
        page.locator("main form input[name=code]").fill(totp_code())
        page.locator("main form").first.get_by_role("button", name="Bestätigen").click()
        page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def logout(page):
    """Logs out with the header's logout button and waits for the confirmation page."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)


UNLABELLED_FIELDS_JS = """
() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => el.type !== "hidden" && el.type !== "submit" && el.type !== "button")
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                  && !el.getAttribute("aria-labelledby") && !el.getAttribute("title"))
  .map((el) => el.outerHTML.slice(0, 160))
"""


DUPLICATE_IDS_JS = """
() => {
  const seen = new Map();
  document.querySelectorAll("[id]").forEach((el) => seen.set(el.id, (seen.get(el.id) || 0) + 1));
  return Array.from(seen).filter(([, count]) => count > 1).map(([id]) => id);
}
"""


def assert_page_sound(page):
    """Accessibility smoke check: no console errors, no CSP violations, no page errors, every field
    labelled, no id used twice (labels, aria references and htmx targets rely on unique ids)."""
    assert page.problems == [], "\n".join(page.problems)
    unlabelled = page.evaluate(UNLABELLED_FIELDS_JS)
    assert unlabelled == [], f"fields without a label on {page.url}: {unlabelled}"
    duplicates = page.evaluate(DUPLICATE_IDS_JS)
    assert duplicates == [], f"ids used more than once on {page.url}: {duplicates}"
