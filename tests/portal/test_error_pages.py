"""The portal's own error pages: German, in the portal's layout, and safe to render when things have gone wrong."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, loader
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from portal.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_mode(settings):
    settings.DEBUG = False


# Who asks for what, the status, the portal's heading and Django's plain page that must not show instead.
PORTAL_ERROR_PAGES = [
    pytest.param(None, "/diese-seite-gibt-es-nicht/", 404, "Seite nicht gefunden", "Not Found", id="404-anonymous"),
    pytest.param(Role.ALLIANCE_MANAGER, "outbox", 403, "Zugriff verweigert", "403 Forbidden", id="403-wrong-role"),
]


@pytest.mark.parametrize(("role", "path", "status", "heading", "plain"), PORTAL_ERROR_PAGES)
def test_an_error_shows_the_portal_page_in_its_layout(client, role, path, status, heading, plain):
    if role:
        client.force_login(UserFactory(role=role))
    response = client.get(path if path.startswith("/") else reverse(path))
    body = response.content.decode()
    assert response.status_code == status
    assert heading in body
    assert 'class="portal-header' in body
    assert f'href="{reverse("home")}">Zur Startseite</a>' in body
    assert plain not in body


def test_a_signed_in_user_sees_the_404_page_with_the_navigation(client):
    client.force_login(UserFactory(role=Role.PROGRAMME_OFFICE))
    response = client.get("/diese-seite-gibt-es-nicht/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Seite nicht gefunden" in body
    assert 'id="main-navigation"' in body


def test_the_404_page_follows_the_chosen_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get("/diese-seite-gibt-es-nicht/").content.decode()
    assert "Go to the home page" in body
    assert "Zur Startseite" not in body


def test_the_403_page_renders_for_anonymous_visitors():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = defaults.permission_denied(request, PermissionError())
    body = response.content.decode()
    assert response.status_code == 403
    assert "Zugriff verweigert" in body
    assert 'id="main-navigation"' not in body


@pytest.mark.parametrize(
    ("template", "heading"), [("500.html", "Es ist ein Fehler aufgetreten"), ("400.html", "Ungültige Anfrage")]
)
def test_the_500_and_400_templates_render_from_an_empty_context(template, heading):
    body = loader.get_template(template).template.render(Context())
    assert body.lstrip().startswith("<!doctype html>")
    assert '<html lang="de">' in body
    assert heading in body
    assert 'lang="en"' in body
    assert 'href="/static/css/portal.css"' in body


def test_the_server_error_handler_answers_with_the_portal_500_page():
    response = defaults.server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Es ist ein Fehler aufgetreten" in body
    assert "Server Error (500)" not in body
