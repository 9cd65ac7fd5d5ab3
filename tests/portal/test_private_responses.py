"""Nothing a signed-in user receives may be kept by a shared browser's cache or a proxy."""

import pytest
from django.templatetags.static import static
from django.urls import reverse

from dossiers.models import DossierKind
from tests.factories import ready_dossier, submitted_strategy

pytestmark = pytest.mark.django_db


def assert_private(response):
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.fixture
def submitted(cycle, alliance, manager):
    strategy, _submission = submitted_strategy(cycle, alliance, manager)
    return strategy


def test_a_page_for_a_signed_in_user_is_private(client, manager, submitted):
    client.force_login(manager)
    assert_private(client.get(reverse("alliances:my_strategies"), follow=True))


def test_a_document_download_is_private(client, manager, submitted):
    client.force_login(manager)
    document = submitted.documents.get()
    url = reverse(
        "alliances:document_download", args=[submitted.cycle.slug, submitted.alliance.slug, document.public_id]
    )
    assert_private(client.get(url))


def test_a_dossier_download_is_private(client, ministry, submitted):
    dossier = ready_dossier(kind=DossierKind.EVALUATION, cycle=submitted.cycle, strategy=submitted)
    client.force_login(ministry)
    assert_private(client.get(reverse("dossiers:download", args=[dossier.public_id])))


@pytest.mark.parametrize("export", ["export_csv", "export_xlsx"])
def test_a_dashboard_export_is_private(client, ministry, submitted, export):
    client.force_login(ministry)
    assert_private(client.get(reverse(f"decisions:{export}", args=[submitted.cycle.slug])))


def test_static_files_stay_cacheable_for_everyone(client, manager):
    client.force_login(manager)
    response = client.get(static("css/portal.css"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "public" in response["Cache-Control"]
