"""Erasure requests (Art. 17 DSGVO): a person files and withdraws one; an admin approves it (the account is
pseudonymised and the person is told what was erased and what is kept, by a mail the database keeps no address of)
or rejects it with a reason; a second decision is refused with a German sentence."""

import re
import smtplib

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import ErasureRequest, ErasureStatus, OutgoingMessage, Role, User
from portal.privacy import erasure
from portal.privacy.erasure import (
    ErasureRefused,
    approve_erasure,
    erasure_summary,
    latest_erasure_request,
    reject_erasure,
    request_erasure,
    withdraw_erasure_request,
)
from tests.factories import AssignmentFactory, ExpertProfileFactory, UserFactory
from tests.helpers import count_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]

ADDRESS = "gutachterin@uni-beispiel.example"


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN, is_staff=True, full_name="Ada Admin")


@pytest.fixture
def person():
    """An expert with a profile and an assignment: data to erase and a record the funding file keeps."""
    profile = ExpertProfileFactory(user=UserFactory(email=ADDRESS, full_name="Dr. Erika Muster", role=Role.EXPERT))
    AssignmentFactory(expert=profile.user)
    return profile.user


def test_a_request_is_filed_once_and_a_second_request_returns_the_open_one(person):
    first = request_erasure(user=person, reason="Ich bin im Ruhestand.")
    again = request_erasure(user=person, reason="Noch einmal.")
    assert again.pk == first.pk
    assert ErasureRequest.objects.filter(user=person).count() == 1
    assert first.status == ErasureStatus.OPEN and first.reason == "Ich bin im Ruhestand."
    assert first.history.get().history_user == person
    assert latest_erasure_request(user=person) == first


def test_a_withdrawn_request_stays_withdrawn_and_a_new_one_can_be_filed(person):
    filed = request_erasure(user=person)
    withdrawn = withdraw_erasure_request(request=filed, user=person)
    assert withdrawn.status == ErasureStatus.WITHDRAWN and withdrawn.decided_at is not None
    assert withdraw_erasure_request(request=filed, user=person).status == ErasureStatus.WITHDRAWN
    second = request_erasure(user=person)
    assert second.pk != filed.pk and second.is_open
    assert latest_erasure_request(user=person) == second


def test_only_the_person_withdraws_their_request(person, admin):
    filed = request_erasure(user=person)
    with pytest.raises(ErasureRefused, match="Nur die Person selbst"):
        withdraw_erasure_request(request=filed, user=admin)


def test_the_summary_names_what_is_erased_and_what_the_funding_file_keeps_under_its_legal_basis(person):
    summary = erasure_summary(user=person)
    erased = {line["purpose"]: line for line in summary["erased"]}
    kept = {line["purpose"]: line for line in summary["kept"]}
    account = erased["Benutzerkonto der am Verfahren Beteiligten: Anmeldung, Rolle, Zuständigkeit und Benachrichtigung"]
    assert "E-Mail-Adresse" in account["data"] and "Name" in account["data"]
    profile = erased["Profil einer Gutachterin / eines Gutachters: Zuweisung und Prüfung auf Befangenheit"]
    assert profile["action"] == "wird geleert" and profile["count"] == 1
    assignment = kept["Zuweisung einer Strategie zur Begutachtung und Erklärung zur Befangenheit"]
    assert assignment["count"] == 1 and "BHO § 70" in assignment["legal_basis"]
    # The account itself is never "kept": its name and address go.
    assert not any(line["purpose"].startswith("Benutzerkonto") for line in summary["kept"])


def test_approval_pseudonymises_the_account_and_tells_the_person_what_was_erased_and_kept(
    person, admin, django_capture_on_commit_callbacks
):
    filed = request_erasure(user=person, reason="Bitte alles löschen.")
    with django_capture_on_commit_callbacks(execute=True):
        done = approve_erasure(request=filed, user=admin)

    person.refresh_from_db()
    assert person.full_name == f"ehemalige/r Gutachter/in {person.pk}"
    assert not person.is_active and not person.has_usable_password() and person.email != ADDRESS
    done.refresh_from_db()
    assert (done.status, done.decided_by, done.reason) == (ErasureStatus.DONE, admin, "")
    assert done.result["counts"]["portal.User"] == 1 and done.result["counts"]["reviews.ExpertProfile"] == 1
    assert any("BHO § 70" in line["legal_basis"] for line in done.result["kept"])
    assert ADDRESS not in str(done.result) and "Muster" not in str(done.result)
    # The reason the person gave is gone from the request's history too.
    assert not done.history.exclude(reason="").exists()

    [notice] = mail.outbox
    assert notice.to == [ADDRESS]
    assert "Ihr Antrag auf Löschung Ihres Kontos" in notice.body
    assert f"ehemalige/r Gutachter/in {person.pk}" in notice.body
    assert "Zuweisung einer Strategie zur Begutachtung" in notice.body and "BHO § 70" in notice.body
    assert "Profil einer Gutachterin / eines Gutachters" in notice.body
    assert done.notified_at is not None
    # The message went out without the outbox, which would keep the address.
    assert not OutgoingMessage.objects.filter(recipient_email__iexact=ADDRESS).exists()


def test_a_second_approval_is_refused_and_changes_nothing(person, admin, django_capture_on_commit_callbacks):
    filed = request_erasure(user=person)
    with django_capture_on_commit_callbacks(execute=True):
        approve_erasure(request=filed, user=admin)
    history = User.history.filter(id=person.pk).count()
    with pytest.raises(ErasureRefused, match="bereits entschieden: vollzogen"):
        approve_erasure(request=filed, user=admin)
    assert User.history.filter(id=person.pk).count() == history
    assert len(mail.outbox) == 1


def test_the_notice_is_sent_once_however_often_its_task_runs(person, admin, django_capture_on_commit_callbacks):
    filed = request_erasure(user=person)
    with django_capture_on_commit_callbacks(execute=True):
        approve_erasure(request=filed, user=admin)
    assert erasure.send_erasure_notice(request_id=filed.pk, address=ADDRESS) is False
    assert len(mail.outbox) == 1


def test_a_mail_server_failure_leaves_the_notice_unsent_for_the_retry(person, admin, settings):
    filed = request_erasure(user=person)
    approve_erasure(request=filed, user=admin)  # its task is not run: this test's transaction never commits
    settings.MAILERS = {"default": {"BACKEND": "tests.mail_backends.RefusingBackend"}}
    with pytest.raises(smtplib.SMTPServerDisconnected):
        erasure.send_erasure_notice(request_id=filed.pk, address=ADDRESS)
    filed.refresh_from_db()
    assert filed.notified_at is None
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert erasure.send_erasure_notice(request_id=filed.pk, address=ADDRESS) is True
    assert mail.outbox[0].to == [ADDRESS]


def test_a_refused_recipient_ends_the_notice_without_naming_the_address_in_the_log(person, admin, settings, caplog):
    filed = request_erasure(user=person)
    approve_erasure(request=filed, user=admin)
    settings.MAILERS = {"default": {"BACKEND": "tests.portal.privacy.test_erasure.RecipientRefusingBackend"}}
    assert erasure.send_erasure_notice(request_id=filed.pk, address=ADDRESS) is False
    assert "refused the recipient" in caplog.text and ADDRESS not in caplog.text


class RecipientRefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"unknown user")})


def test_a_rejection_needs_a_reason_and_tells_the_person_through_the_outbox(
    person, admin, django_capture_on_commit_callbacks
):
    filed = request_erasure(user=person)
    with pytest.raises(ErasureRefused, match="Bitte begründen Sie die Ablehnung."):
        reject_erasure(request=filed, user=admin, note="  ")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = reject_erasure(request=filed, user=admin, note="Laufendes Prüfverfahren des Bundesrechnungshofs.")
    assert (rejected.status, rejected.decision_note) == (ErasureStatus.REJECTED, rejected.decision_note)
    person.refresh_from_db()
    assert person.is_active and person.email == ADDRESS
    message = OutgoingMessage.objects.get(recipient=person)
    assert message.subject.endswith("Ihr Antrag auf Löschung Ihres Kontos")
    [sent] = mail.outbox
    assert "Laufendes Prüfverfahren des Bundesrechnungshofs." in sent.body and sent.to == [ADDRESS]
    with pytest.raises(ErasureRefused, match="bereits entschieden: abgelehnt"):
        reject_erasure(request=filed, user=admin, note="Noch einmal.")
    with pytest.raises(ErasureRefused, match="bereits entschieden"):
        approve_erasure(request=filed, user=admin)


def test_only_an_admin_decides_and_never_about_their_own_request(person, admin):
    filed = request_erasure(user=person)
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    with pytest.raises(ErasureRefused, match="entscheidet die Administration"):
        approve_erasure(request=filed, user=office)
    own = request_erasure(user=admin)
    with pytest.raises(ErasureRefused, match="eigenen Antrag"):
        approve_erasure(request=own, user=admin)
    with pytest.raises(ErasureRefused, match="eigenen Antrag"):
        reject_erasure(request=own, user=admin, note="Nein.")
    assert ErasureRequest.objects.open().count() == 2


# --- The pages ---------------------------------------------------------------------------------------------------


def test_the_request_page_confirms_what_happens_files_the_request_and_offers_to_withdraw_it(client, person):
    client.force_login(person)
    url = reverse("erasure_request")
    page = client.get(url).content.decode()
    assert "Das lässt sich nicht rückgängig machen." in page
    assert "Was erhalten bleibt, und warum" in page and "BHO § 70" in page
    assert "eine Person der Administration" in page

    response = client.post(url, {"reason": "Ruhestand"})
    assert response.status_code == 302 and response["Location"] == url
    assert client.post(url, {"reason": "doppelt"}).status_code == 302  # a double POST files nothing more
    assert ErasureRequest.objects.get(user=person).reason == "Ruhestand"
    page = client.get(url).content.decode()
    assert "Antrag zurückziehen" in page and "liegt der Administration vor" in page

    client.post(url, {"action": "withdraw"})
    assert ErasureRequest.objects.get(user=person).status == ErasureStatus.WITHDRAWN
    assert "Löschung beantragen" in client.get(url).content.decode()


def test_the_decision_page_names_the_person_and_says_it_cannot_be_undone_and_a_double_post_is_harmless(
    client, person, admin, django_capture_on_commit_callbacks
):
    filed = request_erasure(user=person, reason="Ruhestand")
    client.force_login(admin)
    url = reverse("erasure_decide", args=[filed.pk])
    page = client.get(url).content.decode()
    assert "Dr. Erika Muster" in page and ADDRESS in page and "Gutachterin / Gutachter" in page
    assert "Das lässt sich nicht rückgängig machen." in page and "Ruhestand" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "approve"})
    assert response["Location"] == reverse("erasure_queue")
    response = client.post(url, {"action": "approve"}, follow=True)
    assert "Über diesen Antrag ist bereits entschieden: vollzogen." in response.content.decode()
    assert len(mail.outbox) == 1
    page = client.get(url).content.decode()
    assert ADDRESS not in page and "Dr. Erika Muster" not in page
    assert f"ehemalige/r Gutachter/in {person.pk}" in page


def test_a_rejection_without_a_reason_shows_the_german_sentence_on_the_form(client, person, admin):
    filed = request_erasure(user=person)
    client.force_login(admin)
    response = client.post(reverse("erasure_decide", args=[filed.pk]), {"action": "reject", "note": ""})
    assert response.status_code == 200
    assert "Bitte begründen Sie die Ablehnung." in response.content.decode()
    filed.refresh_from_db()
    assert filed.is_open


def test_an_admin_sees_their_own_request_but_cannot_decide_it(client, admin):
    own = request_erasure(user=admin)
    client.force_login(admin)
    page = client.get(reverse("erasure_decide", args=[own.pk])).content.decode()
    assert "Über Ihren eigenen Antrag entscheidet eine andere Person der Administration." in page
    assert 'value="approve"' not in page


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_takes_the_same_queries_at_two_sizes(client, admin, size):
    for number in range(size):
        person = UserFactory(role=Role.EXPERT)
        filed = request_erasure(user=person)
        if number % 3 == 0:
            reject_erasure(request=filed, user=admin, note="Aufbewahrungspflicht.")
    client.force_login(admin)
    queries, response = count_queries(client, reverse("erasure_queue"))
    # The session, the admin, the count and the page of requests with their people.
    assert queries == 4
    page = response.content.decode()
    assert len(re.findall(r'href="/accounts/erasure-requests/\d+/"', page)) == size
    assert page.count("badge text-bg-warning") == size - len(range(0, size, 3))


def test_the_my_data_section_offers_the_request_or_shows_its_status(person, admin):
    from django.template.loader import render_to_string

    def section(erasure_request):
        return render_to_string("portal/erasure/partials/my_data_section.html", {"erasure_request": erasure_request})

    assert latest_erasure_request(user=person) is None
    assert "Löschung beantragen" in section(None)
    filed = request_erasure(user=person)
    shown = section(latest_erasure_request(user=person))
    assert "liegt der Administration vor" in shown and "Antrag ansehen oder zurückziehen" in shown
    reject_erasure(request=filed, user=admin, note="Laufende Prüfung.")
    shown = section(latest_erasure_request(user=person))
    assert "abgelehnt" in shown and "Laufende Prüfung." in shown and "Löschung beantragen" in shown
