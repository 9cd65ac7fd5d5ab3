"""The admin opens only to active superusers with a second factor, at the path ADMIN_URL names."""

import importlib

import pytest
from django.urls import clear_url_caches, reverse

from portal.models import Role
from tests.factories import PASSWORD, UserFactory
from tests.helpers import sign_in_through_the_form, unique_email

pytestmark = pytest.mark.django_db


def superuser(**options):
    return UserFactory(email=unique_email("admin"), role=Role.ADMIN, is_staff=True, is_superuser=True, **options)


def test_a_superuser_without_a_factor_is_sent_to_set_one_up(browser):
    user = superuser(second_factor=False)
    client = browser()
    sign_in_through_the_form(client, user)
    for url in (reverse("admin:index"), reverse("admin:portal_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


def test_a_superuser_with_a_factor_uses_the_admin(browser):
    user = superuser()
    client = browser()
    sign_in_through_the_form(client, user)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:portal_user_changelist")).status_code == 200


def test_staff_without_superuser_rights_are_refused_even_with_a_factor(browser):
    office = UserFactory(email=unique_email("pt"), role=Role.PROGRAMME_OFFICE, is_staff=True)
    admin = superuser()
    client = browser()
    sign_in_through_the_form(client, office)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 403
    assert client.get(reverse("admin:portal_user_changelist"), follow=True).status_code == 403
    # Django's own admin form is not offered: with it the superuser's password alone would sign in.
    response = client.post(reverse("admin:login"), {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 403
    assert client.session.get("_auth_user_id") == str(office.pk)


def test_the_admin_has_no_password_form_of_its_own(browser):
    admin = superuser()
    client = browser()
    response = client.post(reverse("admin:login"), {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_the_admin_lives_at_the_path_admin_url_names(browser, settings):
    import portal.urls

    user = superuser()
    client = browser()
    sign_in_through_the_form(client, user)
    original = settings.ADMIN_URL
    settings.ADMIN_URL = "verwaltung-7f3a/"
    try:
        importlib.reload(portal.urls)
        clear_url_caches()
        assert reverse("admin:index") == "/verwaltung-7f3a/"
        assert client.get("/verwaltung-7f3a/").status_code == 200
        assert client.get("/admin/").status_code == 404
    finally:
        settings.ADMIN_URL = original
        importlib.reload(portal.urls)
        clear_url_caches()
    assert reverse("admin:index") == f"/{original}"
