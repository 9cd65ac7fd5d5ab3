"""Architecture checks: every route is in a permission matrix, needs a signed-in user unless it is public, and the
stages import one way (import-linter)."""

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.helpers import LOGIN, assert_status, project_routes, route_kwargs
from tests.permission_routes import MATRIX_OF, NOT_IN_A_MATRIX

ROOT = Path(__file__).resolve().parent.parent

# Routes an anonymous visitor reaches: the load balancer's health check, signing in and out, the password reset
# flow and the language switch of the login page. Everything else redirects to the login page.
PUBLIC = {
    "health",
    "login",
    "logout",
    "set_language",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
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
        assert not response.get("Location", "").startswith(reverse("login") + "?"), f"{name} asks to sign in"
    else:
        assert_status(response, LOGIN, name)


def test_the_stages_import_one_way():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed (requirements.lock)"
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
