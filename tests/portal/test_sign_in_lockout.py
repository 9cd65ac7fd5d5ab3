"""Failed sign-ins lock an account (and a spraying address) through real requests against the Redis cache."""

import pytest
from django.urls import reverse

from portal.models import AccountEvent, AccountEventKind, Role
from tests.factories import PASSWORD, UserFactory, totp_code
from tests.helpers import count_queries, unique_email

pytestmark = pytest.mark.django_db


def sign_in(browser, email, password=PASSWORD):
    return browser.post(reverse("account_login"), {"login": email, "password": password})


def page_errors(response):
    return " ".join(str(error) for error in response.context["form"].non_field_errors())


def test_an_account_locks_after_its_failures_and_the_programme_office_unlocks_it(browser, settings):
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    attacker, office_browser = browser(), browser()
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        response = sign_in(attacker, expert.email, "falsch-geraten")
        assert response.status_code == 200
        assert "Minuten gesperrt" not in page_errors(response)

    # The owner, from another address, with the right password.
    owner = browser()
    response = sign_in(owner, expert.email)
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    assert f"Dieses Konto ist noch {minutes} Minuten gesperrt" in page_errors(response)
    assert f"noch {minutes} Minuten gesperrt" in response.content.decode()
    sign_in(owner, expert.email)
    # One audit row per lock, however often the locked account is tried.
    assert AccountEvent.objects.filter(user=expert, kind=AccountEventKind.LOCKED).count() == 1
    assert AccountEvent.objects.filter(user=expert, kind=AccountEventKind.SIGN_IN_FAILED).count() == 5

    office = UserFactory(email=unique_email("pt"), role=Role.PROGRAMME_OFFICE, full_name="Petra Träger")
    office_browser.force_login(office)
    page = office_browser.get(reverse("locked_accounts"))
    assert page.status_code == 200
    assert [(entry["user"], entry["minutes"]) for entry in page.context["locked"]] == [(expert, minutes)]
    assert expert.email in page.content.decode()

    response = office_browser.post(reverse("unlock_account", args=[expert.pk]))
    assert response.status_code == 302
    unlocked = AccountEvent.objects.get(user=expert, kind=AccountEventKind.UNLOCKED)
    assert unlocked.actor == office
    assert office_browser.get(reverse("locked_accounts")).context["locked"] == []

    response = sign_in(owner, expert.email)
    assert response.status_code == 302
    assert response.wsgi_request.user == expert


def test_a_right_password_before_the_limit_still_signs_in(browser, settings):
    manager = UserFactory(email=unique_email("manager"), role=Role.ALLIANCE_MANAGER)
    client = browser()
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        sign_in(client, manager.email, "falsch")
    assert sign_in(client, manager.email).status_code == 302
    assert not AccountEvent.objects.filter(kind=AccountEventKind.LOCKED).exists()


def test_one_address_trying_many_accounts_is_refused_for_a_further_one(browser, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/15m/ip,5/15m/key"}
    victims = [UserFactory(email=unique_email(f"opfer{number}"), role=Role.EXPERT) for number in range(4)]
    sprayer = browser()
    for victim in victims[:3]:
        assert sign_in(sprayer, victim.email, "Sommer2024!").status_code == 200

    response = sign_in(sprayer, victims[3].email)
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "Zu viele fehlgeschlagene Anmeldeversuche von diesem Anschluss" in page_errors(response)
    assert "15 Minuten" in page_errors(response)
    # The accounts themselves are not locked: their owners sign in from elsewhere.
    assert not AccountEvent.objects.filter(kind=AccountEventKind.LOCKED).exists()
    assert sign_in(browser(), victims[3].email).status_code == 302


@pytest.mark.parametrize("role", [Role.ALLIANCE_MANAGER, Role.EXPERT, Role.MINISTRY])
def test_only_the_programme_office_and_admins_see_and_unlock_locked_accounts(browser, role):
    user = UserFactory(email=unique_email("nutzer"), role=role)
    expert = UserFactory(email=unique_email("expertin"), role=Role.EXPERT)
    client = browser()
    client.force_login(user)
    assert client.get(reverse("locked_accounts")).status_code == 403
    assert client.post(reverse("unlock_account", args=[expert.pk])).status_code == 403
    assert not AccountEvent.objects.filter(kind=AccountEventKind.UNLOCKED).exists()


def test_unlocking_also_forgets_failed_second_factor_codes(browser, settings):
    office = UserFactory(email=unique_email("pt"), role=Role.PROGRAMME_OFFICE)
    admin = UserFactory(email=unique_email("admin"), role=Role.ADMIN)
    client, admin_browser = browser(), browser()
    wrong = totp_code(offset=10)
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        sign_in(client, office.email)
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    sign_in(client, office.email)
    refused = client.post(reverse("mfa_authenticate"), {"code": totp_code(offset=1)})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session

    admin_browser.force_login(admin)
    assert admin_browser.post(reverse("unlock_account", args=[office.pk])).status_code == 302
    client.post(reverse("mfa_authenticate"), {"code": totp_code(offset=1)})
    assert client.session.get("_auth_user_id") == str(office.pk)


def lock_out(browser, user, settings):
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        sign_in(browser, user.email, "falsch-geraten")
    assert "Minuten gesperrt" in page_errors(sign_in(browser, user.email))


# Session, user, the locked accounts and the latest events; the lock itself is read from the cache.
LOCKED_ACCOUNTS_QUERIES = 4


@pytest.mark.parametrize("size", [1, 3])
def test_the_locked_accounts_page_takes_the_same_queries_at_two_sizes(browser, settings, size):
    office = UserFactory(email=unique_email("pt"), role=Role.PROGRAMME_OFFICE)
    experts = [UserFactory(email=unique_email("expertin"), role=Role.EXPERT) for _ in range(size)]
    for expert in experts:
        lock_out(browser(), expert, settings)
    client = browser()
    client.force_login(office)
    queries, response = count_queries(client, reverse("locked_accounts"))
    assert [entry["user"] for entry in response.context["locked"]] == sorted(experts, key=lambda user: user.email)
    assert queries == LOCKED_ACCOUNTS_QUERIES
