"""The evaluation dossier of an alliance includes its pitch: date and time, the session, the jury statement (the
Votum when it came from the pitch) and the checked slides as an annex; all of it is part of its inputs."""

from datetime import timedelta

import pytest

from dossiers import services
from dossiers.models import DossierKind, DossierStatus
from tests.dossiers.test_decision_letter import pdftotext
from tests.factories import (
    berlin,
    checked_pitch_slides,
    jury_result,
    jury_session,
    manager_of,
    pdf_upload,
    pitched,
    strategy_with_spread_reviews,
    text_pdf_bytes,
)

pytestmark = pytest.mark.django_db

START = berlin(2030, 11, 12, 9)
STATEMENT = "Die Jury lobt den klaren Transferpfad in die Lausitz."


@pytest.fixture
def reviewed(cycle):
    return strategy_with_spread_reviews(cycle)


@pytest.fixture
def pitch(cycle, reviewed):
    session = jury_session(cycle, starts_at=START, hours=2, title="Jury Ost")
    return pitched(session, reviewed)


def evaluation(strategy):
    return services.request_dossier(kind=DossierKind.EVALUATION, cycle=strategy.cycle, strategy=strategy)


def test_the_evaluation_dossier_shows_the_pitch_its_statement_and_the_slides_as_an_annex(reviewed, pitch):
    slides = checked_pitch_slides(
        reviewed,
        manager_of(reviewed.alliance),
        pdf_upload("Pitch Lausitz.pdf", content=text_pdf_bytes(["Folie eins: Transferpfad", "Folie zwei: Budget"])),
    )
    assert slides.is_checked
    jury_result(
        pitch,
        started_at=pitch.starts_at,
        closed_at=pitch.starts_at + timedelta(minutes=30),
        summary=STATEMENT,
    )
    dossier = services.render_dossier(dossier_id=evaluation(reviewed).pk)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    assert dossier.warnings == []
    text = " ".join(pdftotext(dossier).split())
    section = text.split("Pitch vor der Jury Termin")[1]
    assert section.startswith(" Dienstag, 12. November 2030, 09:00–09:30 Uhr Sitzung Jury Ost")
    assert f"Stellungnahme der Jury {STATEMENT}" in section
    assert "Anlage 2: Pitch-Folien (Pitch Lausitz.pdf), Seiten" in text
    # The slides' own pages are drawn in after their heading.
    assert text.index("Folie eins: Transferpfad") > text.index("Anlage 2: Pitch-Folien")
    assert "Folie zwei: Budget" in text


def test_a_votum_not_from_the_pitch_is_no_jury_statement(reviewed, pitch):
    from tests.factories import UserFactory, votum_with_conditions

    votum_with_conditions(reviewed, UserFactory(role="programme_office"), summary="Votum aus den Gutachten")
    dossier = services.render_dossier(dossier_id=evaluation(reviewed).pk)
    text = " ".join(pdftotext(dossier).split())
    assert "Noch keine Stellungnahme der Jury aus dem Pitch." in text
    assert "keine geprüften Folien" in text


def test_the_pitch_its_slides_and_its_result_are_inputs_of_the_evaluation_dossier(reviewed, pitch):
    before = evaluation(reviewed)
    slides = checked_pitch_slides(reviewed, manager_of(reviewed.alliance))
    with_slides = evaluation(reviewed)
    assert with_slides.pk != before.pk
    jury_result(pitch, started_at=pitch.starts_at, closed_at=pitch.starts_at + timedelta(minutes=30), summary="x")
    with_result = evaluation(reviewed)
    assert with_result.pk not in (before.pk, with_slides.pk)
    assert evaluation(reviewed).pk == with_result.pk
    checked_pitch_slides(reviewed, manager_of(reviewed.alliance), pdf_upload("neu.pdf", pages=3))
    slides.refresh_from_db()
    assert slides.replaced_at is not None
    assert evaluation(reviewed).pk != with_result.pk
