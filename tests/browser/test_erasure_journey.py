"""Journey: an expert asks for the erasure of their account from their account page; an admin opens the queue,
opens the request, reads the confirmation page and approves; the expert is told by mail and can no longer sign in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from portal.models import ErasureRequest, ErasureStatus, Role
from tests.browser.conftest import assert_page_sound, login, logout, submit_login_form
from tests.factories import PASSWORD, AssignmentFactory, ExpertProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

ADDRESS = "erika.muster@uni-beispiel.example"


@pytest.fixture
def expert(transactional_db, retention_schedule):
    user = ExpertProfileFactory(user=UserFactory(email=ADDRESS, full_name="Dr. Erika Muster", role=Role.EXPERT)).user
    AssignmentFactory(expert=user)
    return user


def test_an_expert_asks_for_erasure_and_an_admin_approves_it(page, live_server, expert):
    admin = UserFactory(email="admin@portal.example", role=Role.ADMIN, is_staff=True, is_superuser=True)

    # The expert finds the request on their account page and reads what happens before asking.
    login(page, live_server, ADDRESS)
    page.goto(f"{live_server.url}/accounts/security/")
    page.get_by_role("link", name="Löschung beantragen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Löschung des Kontos beantragen")
    expect(page.get_by_role("main")).to_contain_text("Das lässt sich nicht rückgängig machen.")
    kept = page.get_by_role("region", name="Was erhalten bleibt, und warum")
    expect(kept.get_by_role("row", name=re.compile("Zuweisung einer Strategie"))).to_contain_text("BHO § 70")
    assert_page_sound(page)
    page.get_by_label("Anmerkung (freiwillig)").fill("Ich scheide aus dem Gutachterkreis aus.")
    page.get_by_role("button", name="Löschung beantragen").click()
    expect(page.locator("#messages")).to_contain_text("Ihr Antrag auf Löschung ist eingegangen.")
    expect(page.get_by_role("button", name="Antrag zurückziehen")).to_be_visible()
    logout(page)

    # The admin opens the queue from the menu, then the request's confirmation page, and approves.
    # (Straight to the portal: an admin's start page is otherwise the Django admin.)
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/erasure-requests/")
    submit_login_form(page, admin.email)
    page.wait_for_url(re.compile(r"/accounts/erasure-requests/$"))
    expect(
        page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Löschanträge")
    ).to_be_visible()
    queue = page.get_by_role("table")
    expect(queue.get_by_role("row", name=re.compile("Dr. Erika Muster"))).to_contain_text("offen")
    assert_page_sound(page)
    queue.get_by_role("link", name="Dr. Erika Muster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Löschantrag von Dr. Erika Muster")
    expect(page.get_by_role("main")).to_contain_text("Ich scheide aus dem Gutachterkreis aus.")
    expect(page.get_by_role("main")).to_contain_text("Das lässt sich nicht rückgängig machen.")
    assert_page_sound(page)
    page.get_by_role("button", name="Löschung endgültig vollziehen").click()
    expect(page.locator("#messages")).to_contain_text("Das Konto ist gelöscht.")
    pseudonym = f"ehemalige/r Gutachter/in {expert.pk}"
    expect(page.get_by_role("table").get_by_role("row", name=pseudonym)).to_contain_text("vollzogen")
    assert ErasureRequest.objects.get(user=expert).status == ErasureStatus.DONE
    assert [message.to for message in mail.outbox] == [[ADDRESS]]
    logout(page)

    # The old address and password open nothing any more.
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("E-Mail-Adresse").fill(ADDRESS)
    form.get_by_label("Passwort").fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
