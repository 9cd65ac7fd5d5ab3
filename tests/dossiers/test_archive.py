"""Evaluation dossiers for the ministry: all of a cycle at once as one ZIP with the cycle report, and a fresh
evaluation dossier whenever a funding decision is confirmed, corrected or released."""

import codecs
import csv
import io
import zipfile
from decimal import Decimal

import pikepdf
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from decisions import services as decision_services
from decisions.signals import decision_confirmed
from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.services import runs
from portal.models import Role
from tests.dossiers.test_faults import broken_print_templates
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    StrategyFactory,
    UserFactory,
    decision_content,
    manager_of,
    ministry_user,
    programme_rubric,
    ready_dossier,
    scored_strategy,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


class AnyNumber:
    def __eq__(self, other):
        return isinstance(other, str) and other.isdigit() and int(other) > 0


ANY_NUMBER = AnyNumber()


def manifest_rows(bundle):
    """The rows of the archive's inhalt.csv: UTF-8 with a byte order mark, semicolons."""
    raw = bundle.read("inhalt.csv")
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def archive_cycle(cycle):
    rubric = programme_rubric(cycle)
    for name, slug, points in (("Gesunde Lausitz", "gesunde-lausitz", 4), ("DIANA", "diana", 3)):
        scored_strategy(cycle, AllianceFactory(name=name, slug=slug), rubric=rubric, points=points)
    StrategyFactory(cycle=cycle, alliance=AllianceFactory(name="Nur Entwurf", slug="nur-entwurf"))
    return cycle


def archive_url(cycle):
    return reverse("dossiers:request_cycle", args=["cycle_archive", cycle.slug])


def request_archive(client, cycle, capture, headers=None):
    with capture(execute=True):
        response = client.post(archive_url(cycle), headers=headers or {})
    return response, Dossier.objects.filter(kind=DossierKind.CYCLE_ARCHIVE).latest("created_at")


def test_the_ministry_downloads_one_zip_with_every_evaluation_dossier_and_the_cycle_report(
    client, ministry, archive_cycle, django_capture_on_commit_callbacks
):
    client.force_login(ministry)
    response, archive = request_archive(client, archive_cycle, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("dossiers:detail", args=[archive.public_id])
    archive.refresh_from_db()
    assert archive.status == DossierStatus.READY, archive.error_message
    assert archive.progress == 100

    download = client.get(reverse("dossiers:download", args=[archive.public_id]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    day = f"{timezone.localdate():%Y-%m-%d}"
    assert f'filename="cycle_archive_zwischenbegutachtung-2024_{day}.zip"' in download["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as bundle:
        assert bundle.testzip() is None
        names = sorted(bundle.namelist())
        assert names == sorted(
            [
                "00_inhalt.pdf",
                "inhalt.csv",
                f"evaluation_diana_{day}.pdf",
                f"evaluation_gesunde-lausitz_{day}.pdf",
                f"cycle_report_zwischenbegutachtung-2024_{day}.pdf",
            ]
        )
        assert manifest_rows(bundle) == [
            ["Datei", "Bündnis", "Art", "Seiten", "Zustand", "Hinweise"],
            [f"evaluation_diana_{day}.pdf", "DIANA", "Bewertungs-Dossier", ANY_NUMBER, "vollständig", ""],
            [
                f"evaluation_gesunde-lausitz_{day}.pdf",
                "Gesunde Lausitz",
                "Bewertungs-Dossier",
                ANY_NUMBER,
                "vollständig",
                "",
            ],
            [
                f"cycle_report_zwischenbegutachtung-2024_{day}.pdf",
                "–",
                "Bericht zur Begutachtungsrunde",
                ANY_NUMBER,
                "vollständig",
                "",
            ],
        ]
        cover = PdfReader(io.BytesIO(bundle.read("00_inhalt.pdf")))
        assert cover.metadata.title == "Inhalt des ZIP-Archivs: Zwischenbegutachtung 2024"
        cover_text = " ".join(" ".join(page.extract_text() for page in cover.pages).split()).replace("\u2010 ", "")
        assert "3 von 3 Teilen sind im Archiv. Dieselbe Aufstellung steht maschinenlesbar in der Datei inhalt.csv." in (
            cover_text
        )
        assert f"evaluation_diana_{day}.pdf DIANA" in cover_text
        assert "Gesunde Lausitz" in cover_text and "vollständig" in cover_text
        pages = 0
        for name in [name for name in names if name.endswith(".pdf")]:
            reader = PdfReader(io.BytesIO(bundle.read(name)))
            pages += len(reader.pages)
            if name.startswith("evaluation_diana"):
                assert reader.metadata.title == "Bewertungs-Dossier: DIANA"
            if name.startswith("cycle_report"):
                assert reader.metadata.title == "Bericht: Zwischenbegutachtung 2024"
    assert archive.page_count == pages
    assert archive.warnings == [] and archive.missing_parts == 0
    assert archive.downloads.get().user == ministry
    # The parts are ordinary ready dossiers, reused by the next request.
    assert Dossier.objects.filter(kind=DossierKind.EVALUATION, status=DossierStatus.READY).count() == 2
    assert not Dossier.objects.filter(strategy__alliance__slug="nur-entwurf").exists()


def test_the_archive_cover_page_is_a_tagged_pdf_ua_document_with_a_real_table(
    client, ministry, archive_cycle, django_capture_on_commit_callbacks
):
    pdf_ua = pytest.importorskip("tests.pdf_ua", reason="the PDF/UA checker of the rendering tests")
    client.force_login(ministry)
    _response, archive = request_archive(client, archive_cycle, django_capture_on_commit_callbacks)
    archive.refresh_from_db()
    with zipfile.ZipFile(archive.file.path) as bundle:
        cover = bundle.read("00_inhalt.pdf")
    assert [str(violation) for violation in pdf_ua.check(cover)] == []
    with pikepdf.open(io.BytesIO(cover)) as document:
        assert str(document.Root.Lang) == "de"
        tags = {str(element.get("/S")) for element in structure_elements(document.Root.StructTreeRoot)}
    assert {"/H1", "/Table", "/TR", "/TH", "/TD"} <= tags


def structure_elements(node):
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from structure_elements(kid)


def test_the_archive_reports_its_progress_while_it_is_built(
    client, ministry, archive_cycle, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    real_set_progress = runs._set_progress

    def recording(dossier_id, percent):
        seen.append((dossier_id, percent))
        real_set_progress(dossier_id, percent)

    monkeypatch.setattr(runs, "_set_progress", recording)
    client.force_login(ministry)
    _response, archive = request_archive(client, archive_cycle, django_capture_on_commit_callbacks)
    archive_steps = [percent for dossier_id, percent in seen if dossier_id == archive.pk]
    # one step per alliance (two of three parts), then the report, then the stored archive at 100
    assert archive_steps == [30, 60]
    assert Dossier.objects.get(pk=archive.pk).progress == 100


def test_the_status_page_shows_the_archive_queued_then_ready(client, ministry, archive_cycle):
    client.force_login(ministry)
    response = client.post(archive_url(archive_cycle), headers=HTMX)  # on-commit not run: stays queued
    archive = Dossier.objects.get(kind=DossierKind.CYCLE_ARCHIVE)
    assert "every 2s" in response.content.decode()
    page = client.get(reverse("dossiers:detail", args=[archive.public_id])).content.decode()
    assert "ZIP-Archiv aller Bewertungs-Dossiers" in page
    assert "in der Warteschlange – 0 %" in page
    Dossier.objects.filter(pk=archive.pk).update(status=DossierStatus.RENDERING, progress=60)
    page = client.get(reverse("dossiers:detail", args=[archive.public_id]), headers=HTMX).content.decode()
    assert "wird erstellt – 60 %" in page and "every 2s" in page
    Dossier.objects.filter(pk=archive.pk).update(status=DossierStatus.QUEUED, progress=0)
    services.render_dossier(dossier_id=archive.pk)
    page = client.get(reverse("dossiers:detail", args=[archive.public_id]), headers=HTMX).content.decode()
    assert "every 2s" not in page
    assert "ZIP-Archiv aller Bewertungs-Dossiers herunterladen" in page


def test_the_dashboard_offers_the_archive_and_shows_a_pending_one_with_its_progress(client, ministry, archive_cycle):
    client.force_login(ministry)
    dashboard = reverse("decisions:dashboard", args=[archive_cycle.slug])
    page = client.get(dashboard).content.decode()
    assert f'hx-post="{archive_url(archive_cycle)}"' in page
    assert "ZIP-Archiv aller Bewertungs-Dossiers erstellen" in page
    client.post(archive_url(archive_cycle), headers=HTMX)
    archive = Dossier.objects.get(kind=DossierKind.CYCLE_ARCHIVE)
    Dossier.objects.filter(pk=archive.pk).update(status=DossierStatus.RENDERING, progress=30)
    page = client.get(dashboard).content.decode()
    assert f'hx-get="{reverse("dossiers:detail", args=[archive.public_id])}"' in page
    assert "wird erstellt – 30 %" in page


def test_an_unchanged_cycle_reuses_the_ready_archive(
    client, ministry, archive_cycle, django_capture_on_commit_callbacks
):
    client.force_login(ministry)
    _response, first = request_archive(client, archive_cycle, django_capture_on_commit_callbacks)
    _response, again = request_archive(client, archive_cycle, django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    assert Dossier.objects.filter(kind=DossierKind.EVALUATION).count() == 2


def test_parts_that_fail_do_not_stop_the_archive_and_the_manifest_names_them(
    client, ministry, archive_cycle, settings, tmp_path, django_capture_on_commit_callbacks
):
    working_templates = settings.TEMPLATES
    templates = broken_print_templates(tmp_path)
    broken = tmp_path / "broken-templates" / "dossiers" / "print"
    (broken / "strategy.html").rename(broken / "evaluation.html")
    settings.TEMPLATES = templates
    client.force_login(ministry)
    _response, archive = request_archive(client, archive_cycle, django_capture_on_commit_callbacks)
    archive.refresh_from_db()
    assert archive.status == DossierStatus.READY, archive.error_message
    assert archive.missing_parts == 2
    assert [warning.split(" fehlt im Archiv.")[0] for warning in archive.warnings] == [
        "Das Bewertungs-Dossier „DIANA“",
        "Das Bewertungs-Dossier „Gesunde Lausitz“",
    ]
    assert all("Bitte versuchen Sie es erneut." in warning for warning in archive.warnings)
    assert not any("Error" in warning for warning in archive.warnings)
    day = f"{timezone.localdate():%Y-%m-%d}"
    with zipfile.ZipFile(archive.file.path) as bundle:
        assert sorted(bundle.namelist()) == sorted(
            ["00_inhalt.pdf", "inhalt.csv", f"cycle_report_zwischenbegutachtung-2024_{day}.pdf"]
        )
        rows = {row[0]: row for row in manifest_rows(bundle)[1:]}
    assert rows[f"evaluation_diana_{day}.pdf"][1:5] == ["DIANA", "Bewertungs-Dossier", "", "fehlt"]
    assert rows[f"evaluation_diana_{day}.pdf"][5].startswith("Das Dossier konnte nicht erstellt werden")
    assert rows[f"cycle_report_zwischenbegutachtung-2024_{day}.pdf"][4] == "vollständig"
    page = client.get(reverse("dossiers:detail", args=[archive.public_id])).content.decode()
    assert "Hinweis: Das Bewertungs-Dossier „DIANA“ fehlt im Archiv." in page
    assert "ZIP-Archiv aller Bewertungs-Dossiers herunterladen" in page

    # Once the fault is gone, a new request renders the archive again (its next generation) with every part.
    settings.TEMPLATES = working_templates
    _response, again = request_archive(client, archive_cycle, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.pk != archive.pk and again.generation == archive.generation + 1
    assert (again.status, again.missing_parts, again.warnings) == (DossierStatus.READY, 0, [])
    assert Dossier.objects.get(pk=archive.pk).status == DossierStatus.READY  # the first stays readable
    assert Dossier.objects.filter(kind=DossierKind.EVALUATION).count() == 2  # the failed parts were redone in place


@pytest.fixture
def others(cycle):
    alliance = AllianceFactory()
    return {
        "programme_office": UserFactory(role=Role.PROGRAMME_OFFICE),
        "manager": manager_of(alliance),
        "expert": ExpertProfileFactory().user,
        "admin": UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True),
    }


@pytest.mark.parametrize("actor", ["programme_office", "manager", "expert", "admin"])
def test_only_the_ministry_may_request_or_download_the_archive(client, ministry, cycle, others, actor):
    archive = ready_dossier(kind=DossierKind.CYCLE_ARCHIVE, cycle=cycle, requested_by=ministry, content=b"PK\x05\x06")
    client.force_login(ministry)
    assert client.get(reverse("dossiers:download", args=[archive.public_id])).status_code == 200
    client.force_login(others[actor])
    # No other role ever reads the archive: 403, not 404.
    assert client.post(archive_url(cycle)).status_code == 403
    assert client.get(reverse("dossiers:detail", args=[archive.public_id])).status_code == 403
    assert client.get(reverse("dossiers:download", args=[archive.public_id])).status_code == 403
    assert client.post(reverse("dossiers:retry", args=[archive.public_id])).status_code == 403
    assert Dossier.objects.filter(kind=DossierKind.CYCLE_ARCHIVE).count() == 1
    assert list(archive.downloads.values_list("user", flat=True)) == [ministry.pk]


def test_anonymous_visitors_cannot_request_the_archive(client, archive_cycle):
    response = client.post(archive_url(archive_cycle))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not Dossier.objects.exists()


# --- A decision change asks for a fresh evaluation dossier ---------------------------------------------------


def evaluation_dossiers(strategy):
    return list(Dossier.objects.filter(kind=DossierKind.EVALUATION, strategy=strategy).order_by("created_at"))


def test_confirming_and_correcting_a_decision_ask_for_fresh_evaluation_dossiers(
    cycle, django_capture_on_commit_callbacks
):
    strategy = scored_strategy(cycle, AllianceFactory(), rubric=programme_rubric(cycle), points=4)
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    assert decision_confirmed.has_listeners()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = decision_services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())
    assert evaluation_dossiers(strategy) == []  # a proposal is not a decision yet

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = decision_services.confirm_decision(decision=proposal, user=bmbf2)
    [first] = evaluation_dossiers(strategy)
    assert first.requested_by == bmbf2
    assert first.status == DossierStatus.READY  # tasks run in-process in tests

    with django_capture_on_commit_callbacks(execute=True):
        correction = decision_services.propose_decision(
            strategy=strategy,
            user=bmbf2,
            supersedes=confirmed,
            supersession_reason="Rechenfehler",
            **decision_content(granted_amount=Decimal("450000")),
        )
        decision_services.confirm_decision(decision=correction, user=bmbf1)
    first_again, second = evaluation_dossiers(strategy)
    assert first_again.pk == first.pk
    assert second.fingerprint != first.fingerprint
    assert second.requested_by == bmbf1
    text = " ".join(page.extract_text() for page in PdfReader(second.file.path).pages)
    assert "450.000,00" in " ".join(text.split())

    with django_capture_on_commit_callbacks(execute=True):
        decision_services.release_decision(decision=correction, user=bmbf2)
    assert len({dossier.fingerprint for dossier in evaluation_dossiers(strategy)}) == 3
