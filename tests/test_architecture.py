"""Architecture checks: every route is in a permission matrix, needs a signed-in user unless it is public, and the
stages import one way (import-linter)."""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.helpers import LOGIN, assert_status, project_routes, route_kwargs
from tests.permission_routes import MATRIX_OF, NOT_IN_A_MATRIX

ROOT = Path(__file__).resolve().parent.parent

# Routes an anonymous visitor reaches: the load balancer's health check, the language switch of the login page and
# allauth's pages before sign-in (signing in, its second step, passkey sign-in and the confirmation of a sign-in code,
# which send a visitor with no sign-in under way back to the login page; the reset flow; and the closed sign-up and
# verification pages, which only say so). Everything else redirects to the login page.
PUBLIC = {
    "health",
    # The privacy notice must be readable before anyone signs in (Art. 13 DSGVO: at the time data are collected).
    "privacy_notice",
    # The accessibility statement, the Easy Read page and the way to report a barrier (BITV 2.0) are for everyone.
    "accessibility_statement",
    "easy_read",
    "alliances:barrier_report",
    "set_language",
    "account_login",
    "account_confirm_login_code",
    "mfa_authenticate",
    "mfa_login_webauthn",
    "account_inactive",
    "account_signup",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "socialaccount_login_cancelled",
    "openid_connect_login",
    "openid_connect_callback",
    # A calendar app fetches a person's pitches with the secret token in the URL; it cannot sign in.
    "reviews:calendar_feed_ics",
}


def excluded(name):
    return name.partition(":")[0] in NOT_IN_A_MATRIX


def test_every_route_is_in_a_permission_matrix():
    names = {name for name, _pattern in project_routes() if not excluded(name)}
    assert sorted(names - set(MATRIX_OF)) == [], "routes without a permission matrix: add them to permission_routes"
    assert sorted(set(MATRIX_OF) - names) == [], "permission_routes lists routes that no longer exist"


@pytest.mark.parametrize("reference", sorted(set(MATRIX_OF.values())))
def test_every_listed_matrix_test_exists(reference):
    module, _sep, function = reference.partition("::")
    assert callable(getattr(importlib.import_module(module), function, None)), f"{reference} does not exist"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern"), [route for route in project_routes() if not excluded(route[0])])
def test_anonymous_visitors_are_sent_to_login_except_on_public_pages(client, name, pattern):
    response = client.get(reverse(name, kwargs=route_kwargs(pattern)))
    if name in PUBLIC:
        assert not response.get("Location", "").startswith(reverse("account_login") + "?"), f"{name} asks to sign in"
    else:
        assert_status(response, LOGIN, name)


def test_the_stages_import_one_way():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed (requirements.lock)"
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- Templates ------------------------------------------------------------------------------------------------

STAGES = ["portal", "alliances", "reviews", "decisions", "dossiers"]
TAG_LIBRARIES = {"portal_slots": "portal", "dossier_tags": "dossiers"}
LOADS = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")
INCLUDES = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")
# Known today, removed in the stages' own branches (slots instead of loading a later stage); the lead empties this
# once they are merged, and the test then fails on any new one.
KNOWN_UPWARD = set()


def upward_references():
    """(template, later stage) for every template of a stage that loads a later stage's tags or includes its
    templates."""
    found = set()
    for path in sorted((ROOT / "templates").rglob("*.html")):
        relative = path.relative_to(ROOT / "templates").as_posix()
        stage = relative.split("/", 1)[0] if "/" in relative else "portal"
        stage = stage if stage in STAGES else "portal"
        text = path.read_text(encoding="utf-8")
        used = {TAG_LIBRARIES[name] for line in LOADS.findall(text) for name in line.split() if name in TAG_LIBRARIES}
        used |= {name.split("/", 1)[0] for name in INCLUDES.findall(text) if name.split("/", 1)[0] in STAGES}
        found |= {(relative, other) for other in used if STAGES.index(other) > STAGES.index(stage)}
    return found


def test_no_template_reaches_into_a_later_stage():
    assert upward_references() - KNOWN_UPWARD == set(), "use a slot (portal.slots) instead"


def test_the_known_upward_references_are_still_there():
    """Keeps KNOWN_UPWARD honest: an entry that was fixed must leave the list."""
    assert KNOWN_UPWARD - upward_references() == set()


# Fragments live in templates/<app>/partials/ only.
KNOWN_UNDERSCORE_FRAGMENTS = set()


def test_fragments_live_in_partials_folders():
    underscored = {path.relative_to(ROOT / "templates").as_posix() for path in (ROOT / "templates").rglob("_*.html")}
    assert underscored == KNOWN_UNDERSCORE_FRAGMENTS, "put fragments in templates/<app>/partials/"


def test_no_template_asks_for_a_role_name():
    """Templates ask permissions (`perms`, `has_perm`); the context offers no role to compare."""
    comparing = sorted(
        path.relative_to(ROOT / "templates").as_posix()
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(r"\buser_role\b|\bRole\.|\.role\s*==", path.read_text(encoding="utf-8"))
    )
    assert comparing == []


def test_every_signal_a_stage_sends_has_a_receiver():
    """A fact announced to later stages that nobody hears is dead code (receivers are connected at start-up)."""
    from django.dispatch import Signal

    import alliances.signals
    import decisions.signals

    signals = {
        f"{module.__name__}.{name}": signal
        for module in (alliances.signals, decisions.signals)
        for name, signal in vars(module).items()
        if isinstance(signal, Signal)
    }
    assert signals
    assert [name for name, signal in signals.items() if not signal.receivers] == []
