"""The data protection dossiers: a person's data as a tagged PDF that only they read, the record of processing
activities for the admins, the same data giving the same PDF, and their removal after 30 days or with the person."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from portal.models import AccountEvent, AccountEventKind, Role
from portal.privacy import categories
from portal.privacy.services import apply_retention, pseudonymise_account
from tests import pdf_ua
from tests.factories import AllianceFactory, UserFactory, manager_of, strategy_with_spread_reviews

pytestmark = pytest.mark.django_db


def rendered(kind, person=None):
    dossier = services.request_dossier(kind=kind, person=person, user=person, enqueue=False)
    dossier = services.render_dossier(dossier_id=dossier.pk)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    return dossier


def text_of(dossier):
    content = Path(dossier.file.path).read_bytes()
    return content, "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_an_experts_data_prints_as_a_tagged_pdf_with_their_review_and_no_other_expert(cycle):
    strategy = strategy_with_spread_reviews(cycle)
    first, second = (assignment.expert for assignment in strategy.assignments.order_by("pseudonym")[:2])
    dossier = rendered(DossierKind.PERSONAL_DATA, person=first)
    content, text = text_of(dossier)
    assert pdf_ua.check(content) == []
    assert first.full_name in text and first.email in text
    assert "Begründung A" in text and "Beirat einrichten" not in text  # the conditions of the second review
    assert second.full_name not in text and second.email not in text
    assert "Aufbewahrung der Förderakte" in text  # the legal basis of the review's category
    assert dossier.filename.startswith("meine-daten_") and dossier.cycle_id is None


def test_the_record_of_processing_activities_names_controller_purposes_and_every_rule(cycle, settings):
    settings.PRIVACY_CONTROLLER_NAME = "Projektträger Jülich"
    dossier = rendered(DossierKind.PRIVACY_RECORD)
    content, text = text_of(dossier)
    assert pdf_ua.check(content) == []
    flat = " ".join(text.split())
    assert "Projektträger Jülich" in flat
    assert "Zuweisung einer Strategie zur Begutachtung" in flat
    for label in ("Zugriffs- und Downloadprotokolle", "Konten ohne Aktivität", "Auskünfte als PDF"):
        assert label in flat
    assert dossier.filename.startswith("verarbeitungsverzeichnis_")


def test_unchanged_data_gives_the_same_dossier_and_a_change_a_new_one():
    person = UserFactory()
    first = services.request_dossier(kind=DossierKind.PERSONAL_DATA, person=person, enqueue=False)
    assert services.request_dossier(kind=DossierKind.PERSONAL_DATA, person=person, enqueue=False) == first
    AccountEvent.objects.create(user=person, kind=AccountEventKind.SIGN_IN_FAILED)
    assert services.request_dossier(kind=DossierKind.PERSONAL_DATA, person=person, enqueue=False) != first


def test_only_the_person_reads_their_data_export_not_even_the_ministry_or_an_admin(client):
    manager = manager_of(AllianceFactory())
    dossier = rendered(DossierKind.PERSONAL_DATA, person=manager)
    for reader in (
        UserFactory(role=Role.MINISTRY),
        UserFactory(role=Role.PROGRAMME_OFFICE),
        UserFactory(role=Role.ADMIN),
        manager_of(AllianceFactory()),
    ):
        client.force_login(reader)
        assert client.get(reverse("dossiers:download", args=[dossier.public_id])).status_code == 404
        assert dossier not in Dossier.objects.visible_to(reader)
    client.force_login(manager)
    assert client.get(reverse("dossiers:download", args=[dossier.public_id])).status_code == 200
    assert list(Dossier.objects.visible_to(manager)) == [dossier]


def test_the_record_is_for_admins_alone(client):
    record = rendered(DossierKind.PRIVACY_RECORD)
    admin_user = UserFactory(role=Role.ADMIN)
    assert record in Dossier.objects.visible_to(admin_user)
    client.force_login(UserFactory(role=Role.MINISTRY))
    assert client.get(reverse("dossiers:download", args=[record.public_id])).status_code == 403


@pytest.mark.usefixtures("retention_schedule")
def test_a_data_export_and_its_file_go_30_days_after_it_was_made_and_not_a_day_before(
    django_capture_on_commit_callbacks,
):
    person = UserFactory()
    dossier = rendered(DossierKind.PERSONAL_DATA, person=person)
    path = Path(dossier.file.path)
    made = dossier.created_at
    assert apply_retention(now=made + timedelta(days=29)).counts[categories.PERSONAL_COPIES] == 0
    with django_capture_on_commit_callbacks(execute=True):
        run = apply_retention(now=made + timedelta(days=30))
    assert run.counts[categories.PERSONAL_COPIES] == 1
    assert not Dossier.objects.filter(pk=dossier.pk).exists() and not path.exists()
    assert apply_retention(now=made + timedelta(days=30)).counts[categories.PERSONAL_COPIES] == 0


def test_erasing_a_person_removes_their_data_exports_with_the_files(django_capture_on_commit_callbacks):
    person = UserFactory()
    dossier = rendered(DossierKind.PERSONAL_DATA, person=person)
    path = Path(dossier.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        changed = pseudonymise_account(user=person, now=timezone.now())
    assert changed["dossiers.Dossier"] == 1
    assert not Dossier.objects.filter(person=person).exists() and not path.exists()
