"""The decision letter as a PDF dossier: requested on every release, readable by the ministry, the programme
office and, once released, the alliance's own managers."""

import subprocess
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from decisions import selectors
from decisions import services as decision_services
from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from portal.models import Role
from tests.dossiers.test_rendering import qpdf_check
from tests.factories import AllianceFactory, UserFactory, decision_content, manager_of, submitted_strategy
from tests.helpers import LOGIN, assert_status, request_as

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script> url(http://evil.example/x.png) & Co."


@pytest.fixture
def bmbf(db):
    return UserFactory(email="bmbf1@bmbf.example", role=Role.MINISTRY), UserFactory(
        email="bmbf2@bmbf.example", role=Role.MINISTRY
    )


@pytest.fixture
def letter_strategy(cycle, alliance):
    strategy, _submission = submitted_strategy(cycle, alliance)
    return strategy


def confirmed(strategy, bmbf, **content):
    proposer, confirmer = bmbf
    decision = decision_services.propose_decision(strategy=strategy, user=proposer, **decision_content(**content))
    return decision_services.confirm_decision(decision=decision, user=confirmer)


def release(decision, bmbf, capture):
    with capture(execute=True):
        return decision_services.release_decision(decision=decision, user=bmbf[0])


def letters(strategy):
    return Dossier.objects.filter(kind=DossierKind.DECISION_LETTER, strategy=strategy).order_by("created_at")


def pdf_text(dossier):
    reader = PdfReader(dossier.file.path)
    return reader, " ".join("\n".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def released_letter(letter_strategy, bmbf, django_capture_on_commit_callbacks):
    decision = confirmed(
        letter_strategy,
        bmbf,
        outcome="conditions",
        granted_amount=Decimal("450000"),
        conditions="Beirat einrichten",
        rationale="Überzeugende Strategie.",
    )
    release(decision, bmbf, django_capture_on_commit_callbacks)
    return letters(letter_strategy).get()


def test_releasing_a_decision_renders_its_letter_as_a_tagged_pdf(released_letter):
    assert released_letter.status == DossierStatus.READY, released_letter.error_message
    reader, text = pdf_text(released_letter)
    assert reader.metadata.title == "Entscheidungsschreiben: Gesunde Lausitz"
    assert reader.metadata.author == "WIR!-Strategieportal"
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.outline[0].title == "Entscheidungsschreiben"
    assert "Gesunde Lausitz" in text
    # An official letter: no system details, no "Vertraulich" stamp.
    assert "Vertraulich" not in text and "Strategy Portal" not in text
    assert "bewilligt mit Auflagen" in text
    assert "450.000,00 EUR" in text
    assert "Auflagen Beirat einrichten" in text
    assert "Überzeugende Strategie; das Votum der Jury wird übernommen." in text
    qpdf_check(released_letter.file.path)


def test_a_released_correction_gets_a_new_letter_with_a_new_fingerprint(
    released_letter, letter_strategy, bmbf, django_capture_on_commit_callbacks
):
    first = letter_strategy.decisions.get()
    correction = decision_services.propose_decision(
        strategy=letter_strategy,
        user=bmbf[1],
        supersedes=first,
        supersession_reason="Rechenfehler",
        **decision_content(granted_amount=Decimal("380000")),
    )
    decision_services.confirm_decision(decision=correction, user=bmbf[0])
    assert letters(letter_strategy).count() == 1  # a confirmed correction is not yet the alliance's letter
    release(correction, bmbf, django_capture_on_commit_callbacks)
    old, new = letters(letter_strategy)
    assert new.fingerprint != old.fingerprint
    assert new.status == DossierStatus.READY, new.error_message
    _reader, text = pdf_text(new)
    assert "380.000,00 EUR" in text and "Grund der Korrektur: Rechenfehler" in text
    qpdf_check(new.file.path)


def test_without_a_released_decision_there_is_no_letter(letter_strategy, bmbf):
    confirmed(letter_strategy, bmbf)
    with pytest.raises(services.DossierUnavailable, match="noch keine Förderentscheidung freigegeben"):
        services.request_dossier(
            kind=DossierKind.DECISION_LETTER, cycle=letter_strategy.cycle, strategy=letter_strategy
        )


def test_user_text_with_html_appears_as_text_in_the_letter(letter_strategy, bmbf, django_capture_on_commit_callbacks):
    decision = confirmed(letter_strategy, bmbf, outcome="conditions", conditions=HOSTILE, letter_rationale=HOSTILE)
    release(decision, bmbf, django_capture_on_commit_callbacks)
    dossier = letters(letter_strategy).get()
    assert dossier.status == DossierStatus.READY, dossier.error_message
    _reader, text = pdf_text(dossier)
    assert text.count("<script>alert(1)</script> url(http://evil.example/x.png) & Co.") == 2


def pdftotext(dossier):
    """The PDF's text as poppler reads it, page by page in reading layout: what a person reading the file sees."""
    done = subprocess.run(
        ["pdftotext", "-layout", dossier.file.path, "-"], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


INTERNAL = "Haushaltsreferat: Mittel nur bei Kürzung verfügbar"
FOR_THE_LETTER = "Die Gutachten sehen die Verstetigung der Maßnahmen noch nicht gesichert."


@pytest.fixture
def cut_letter(letter_strategy, bmbf, django_capture_on_commit_callbacks):
    alliance = letter_strategy.alliance
    alliance.postal_recipient = "Hochschule Zittau/Görlitz"
    alliance.postal_street = "Theodor-Körner-Allee 16"
    alliance.postal_code = "02763"
    alliance.postal_city = "Zittau"
    alliance.file_reference = "03WIR2207A"
    alliance.save()
    bmbf[1].full_name = "Dr. Anna Beispiel"
    bmbf[1].save()
    requested = selectors.requested_amount(letter_strategy)
    decision = confirmed(
        letter_strategy, bmbf, granted_amount=requested - 100000, rationale=INTERNAL, letter_rationale=FOR_THE_LETTER
    )
    with override_settings(
        DECISION_LETTER_ISSUERS={
            "default": {
                **settings.DECISION_LETTER_ISSUERS["default"],
                "contact_name": "Frau Erika Muster (PtJ)",
                "signer_function": "Referatsleiterin",
            }
        }
    ):
        release(decision, bmbf, django_capture_on_commit_callbacks)
    return letters(letter_strategy).get()


def test_the_internal_rationale_never_appears_in_the_letter_pdf(cut_letter):
    assert cut_letter.status == DossierStatus.READY, cut_letter.error_message
    text = " ".join(pdftotext(cut_letter).split())
    assert "Verstetigung der Maßnahmen noch nicht gesichert" in text
    assert "Haushaltsreferat" not in text and "nur bei Kürzung" not in text


def test_the_letter_pdf_names_issuer_addressee_reference_contact_signer_and_date(cut_letter, letter_strategy):
    text = " ".join(pdftotext(cut_letter).split())
    decision = letter_strategy.decisions.get()
    assert "Bundesministerium für Forschung, Technologie und Raumfahrt" in text
    assert "Hochschule Zittau/Görlitz" in text and "Theodor-Körner-Allee 16" in text and "02763 Zittau" in text
    assert "Aktenzeichen 03WIR2207A" in text
    assert "Frau Erika Muster (PtJ)" in text
    assert "Dr. Anna Beispiel Referatsleiterin" in text
    assert f"Datum {timezone.localtime(decision.released_at):%d.%m.%Y}" in text


def test_the_letter_s_footer_holds_only_the_file_reference_and_the_page_number(cut_letter):
    pages = pdftotext(cut_letter).split("\f")
    last_lines = [next(line for line in reversed(page.splitlines()) if line.strip()) for page in pages if page.strip()]
    for number, line in enumerate(last_lines, start=1):
        assert line.split() == ["Aktenzeichen", "03WIR2207A", "Seite", str(number), "von", str(len(last_lines))]


# --- Permissions ------------------------------------------------------------------------------------------


@pytest.fixture
def matrix(letter_strategy, bmbf, expert, programme_office):
    other_alliance = AllianceFactory(slug="diana", name="DIANA")
    return {
        "anonymous": None,
        "own_manager": letter_strategy.alliance.memberships.first().user,
        "other_manager": manager_of(other_alliance),
        "expert": expert,
        "programme_office": programme_office,
        "ministry": bmbf[0],
        "admin": UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True),
    }


def request_url(strategy):
    return reverse("dossiers:request", args=[DossierKind.DECISION_LETTER, strategy.cycle.slug, strategy.alliance.slug])


# Roles that never read letters (expert, admin) get 403; managers beyond their scope (another alliance, or
# their own before release) get 404.
BEFORE_RELEASE = {
    "anonymous": LOGIN,
    "own_manager": 404,
    "other_manager": 404,
    "expert": 403,
    "programme_office": 302,
    "ministry": 302,
    "admin": 403,
}


@pytest.mark.parametrize("actor", list(BEFORE_RELEASE))
def test_before_release_only_ministry_and_programme_office_may_request_the_letter(
    client, matrix, letter_strategy, actor
):
    response = request_as(client, matrix[actor], "post", request_url(letter_strategy))
    assert_status(response, BEFORE_RELEASE[actor], actor)
    assert not letters(letter_strategy).exists()  # unavailable without a released decision


AFTER_RELEASE = {
    "anonymous": LOGIN,
    "own_manager": 200,
    "other_manager": 404,
    "expert": 403,
    "programme_office": 200,
    "ministry": 200,
    "admin": 403,
}


@pytest.mark.parametrize("actor", list(AFTER_RELEASE))
def test_after_release_the_own_managers_office_and_ministry_read_the_letter(
    client, matrix, released_letter, letter_strategy, actor
):
    want = AFTER_RELEASE[actor]
    download = request_as(client, matrix[actor], "get", reverse("dossiers:download", args=[released_letter.public_id]))
    assert_status(download, want, actor)
    if want == 200:
        assert download["Content-Type"] == "application/pdf"
    status = client.get(reverse("dossiers:detail", args=[released_letter.public_id]))
    assert_status(status, want, actor)
    requested = client.post(request_url(letter_strategy), headers={"HX-Request": "true"})
    assert_status(requested, want, actor)
    if want == 200:
        assert reverse("dossiers:download", args=[released_letter.public_id]) in requested.content.decode()


def test_the_letter_panel_is_not_found_for_the_own_manager_before_release(
    client, matrix, letter_strategy, bmbf, programme_office
):
    confirmed(letter_strategy, bmbf)
    client.force_login(matrix["own_manager"])
    panel = reverse(
        "dossiers:panel", args=[DossierKind.DECISION_LETTER, letter_strategy.cycle.slug, letter_strategy.alliance.slug]
    )
    assert client.get(panel).status_code == 404


# --- Pages ------------------------------------------------------------------------------------------------


def test_the_managers_decision_pages_offer_the_letter_pdf(client, matrix, released_letter, letter_strategy):
    client.force_login(matrix["own_manager"])
    panel = reverse(
        "dossiers:panel", args=[DossierKind.DECISION_LETTER, letter_strategy.cycle.slug, letter_strategy.alliance.slug]
    )
    for page in (
        reverse("decisions:my_decisions"),
        reverse("decisions:alliance_decision", args=[letter_strategy.cycle.slug, letter_strategy.alliance.slug]),
    ):
        content = client.get(page).content.decode()
        assert "Entscheidungsschreiben (PDF)" in content
        assert panel in content and request_url(letter_strategy) in content
    loaded = client.get(panel, {"next": reverse("decisions:my_decisions")}, headers={"HX-Request": "true"})
    body = loaded.content.decode()
    assert reverse("dossiers:download", args=[released_letter.public_id]) in body
    assert "Entscheidungsschreiben herunterladen" in body
    assert f'value="{reverse("decisions:my_decisions")}"' in body


def test_the_ministrys_alliance_page_offers_the_letter_once_released(
    client, matrix, letter_strategy, bmbf, django_capture_on_commit_callbacks
):
    page = reverse("decisions:alliance", args=[letter_strategy.cycle.slug, letter_strategy.alliance.slug])
    client.force_login(matrix["ministry"])
    decision = confirmed(letter_strategy, bmbf)
    assert "Entscheidungsschreiben (PDF)" not in client.get(page).content.decode()
    release(decision, bmbf, django_capture_on_commit_callbacks)
    assert "Entscheidungsschreiben (PDF)" in client.get(page).content.decode()


def draft_of(strategy):
    dossier = services.request_dossier(kind=DossierKind.LETTER_DRAFT, cycle=strategy.cycle, strategy=strategy)
    return services.render_dossier(dossier_id=dossier.pk)


def test_a_confirmed_decision_s_letter_can_be_read_as_a_pdf_marked_as_a_draft_before_release(letter_strategy, bmbf):
    decision = confirmed(
        letter_strategy,
        bmbf,
        outcome="rejected",
        granted_amount=Decimal("0"),
        letter_rationale="Die Strategie trägt nicht.",
        rationale="Intern: Bündnis zerstritten.",
    )
    dossier = draft_of(letter_strategy)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    text = pdftotext(dossier)
    # The draft marker is in the page's margin box, so on every page.
    assert text.count("ENTWURF – nicht versandt") == len(PdfReader(dossier.file.path).pages)
    assert "Die Strategie trägt nicht." in text
    assert "zerstritten" not in text
    decision.refresh_from_db()
    assert decision.released_at is None  # a draft sends nothing


def test_a_changed_proposal_gets_a_fresh_draft(letter_strategy, bmbf):
    proposer, _confirmer = bmbf
    decision = decision_services.propose_decision(
        strategy=letter_strategy, user=proposer, **decision_content(granted_amount=Decimal("400000"))
    )
    first = draft_of(letter_strategy)
    decision_services.change_proposal(
        decision=decision,
        user=proposer,
        expected_version=decision.version,
        **decision_content(granted_amount=Decimal("350000")),
    )
    second = draft_of(letter_strategy)
    assert second.pk != first.pk
    assert "350.000,00 EUR" in pdftotext(second)


def test_once_released_there_is_no_draft_but_the_letter(released_letter, letter_strategy):
    with pytest.raises(services.DossierUnavailable, match="keine Entscheidung vor der Freigabe"):
        services.request_dossier(kind=DossierKind.LETTER_DRAFT, cycle=letter_strategy.cycle, strategy=letter_strategy)


@pytest.mark.parametrize(("role", "status"), [(Role.PROGRAMME_OFFICE, 403), (Role.ALLIANCE_MANAGER, 403)])
def test_only_the_ministry_reads_a_letter_s_draft(client, letter_strategy, bmbf, role, status):
    confirmed(letter_strategy, bmbf)
    user = manager_of(letter_strategy.alliance) if role == Role.ALLIANCE_MANAGER else UserFactory(role=role)
    url = reverse("dossiers:panel", args=["letter_draft", letter_strategy.cycle.slug, letter_strategy.alliance.slug])
    assert_status(request_as(client, user, "get", url), status)


def test_a_proposed_correction_of_a_released_decision_has_its_letter_s_draft(released_letter, letter_strategy, bmbf):
    decision_services.propose_decision(
        strategy=letter_strategy,
        user=bmbf[1],
        supersedes=letter_strategy.decisions.get(),
        supersession_reason="Rechenfehler",
        **decision_content(granted_amount=Decimal("380000")),
    )
    text = pdftotext(draft_of(letter_strategy))
    assert "ENTWURF – nicht versandt" in text
    assert "380.000,00 EUR" in text and "Rechenfehler" in text
