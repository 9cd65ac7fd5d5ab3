import pytest
from django.urls import reverse

from portal.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ALLIANCE_MANAGER, "/strategies/"),
        (Role.PROGRAMME_OFFICE, "/cycles/zwischenbegutachtung-2024/overview/"),
        (Role.MINISTRY, "/cycles/zwischenbegutachtung-2024/dashboard/"),
        (Role.EXPERT, "/reviews/"),
        (Role.ADMIN, "/admin/"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client, cycle, role, expected):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == expected


def test_without_a_cycle_staff_see_a_notice_on_the_start_page(client, cycle):
    client.force_login(UserFactory(role=Role.MINISTRY))
    cycle.delete()
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Derzeit ist keine Begutachtungsrunde angelegt." in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_login_with_email_and_password(client, manager):
    response = client.post(
        reverse("account_login"), {"login": "MANAGER@gesunde-lausitz.example", "password": "richtig-geheim-2024"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_wrong_password_gets_german_message_and_no_session(client, manager):
    response = client.post(reverse("account_login"), {"login": manager.email, "password": "falsch"})
    assert response.status_code == 200
    assert "Die E-Mail-Adresse und/oder das Passwort sind leider falsch." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_health_reports_database(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("account_login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()
