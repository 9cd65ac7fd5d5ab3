"""The minutes of a jury session (Sitzungsprotokoll): a tagged PDF the dossier workers render, with attendance,
agenda, and per pitch its times, the conflicts declared, the result and the jury statement; never a juror's
private note. Read by the programme office and the ministry only."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from reviews.models import JuryBreak, JuryMember, JuryNote
from tests import pdf_ua
from tests.dossiers.test_decision_letter import pdftotext
from tests.dossiers.test_rendering import qpdf_check
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    SubmittedStrategyFactory,
    UserFactory,
    berlin,
    conflicted_with,
    jury_result,
    jury_session,
    pitched,
)
from tests.helpers import LOGIN, MATRIX_CASE, ROLE_ACTORS, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

START = berlin(2030, 11, 12, 9)
NOTE = "Private Notiz: Finanzplan wirkt geschönt, nachfragen"
STATEMENT = "Überzeugender Pitch mit klarer Transferstrategie in die Region."

MATRIX = [
    ("minutes", "get", [LOGIN, 403, 403, 200, 200, 403, 403]),
    ("minutes", "post", [LOGIN, 403, 403, 302, 302, 403, 403]),
    ("unknown", "get", [LOGIN, 403, 403, 404, 404, 403, 403]),
    ("download", "get", [LOGIN, 403, 403, 200, 200, 403, 403]),
]


@pytest.fixture
def juror(db):
    return ExpertProfileFactory(user__full_name="Jana Jurorin").user


@pytest.fixture
def conflicted_juror(db):
    return ExpertProfileFactory(user__full_name="Konrad Befangen").user


@pytest.fixture
def observer(db):
    return UserFactory(role="ministry", full_name="Maria Beobachterin")


@pytest.fixture
def session(cycle, juror, conflicted_juror, observer):
    session = jury_session(
        cycle, starts_at=START, hours=3, jurors=[juror, conflicted_juror], observers=[observer], title="Jury Lausitz"
    )
    JuryBreak.objects.create(session=session, starts_at=START + timedelta(hours=2), ends_at=START + timedelta(hours=3))
    return session


@pytest.fixture
def pitches(session, cycle, alliance, juror, conflicted_juror, observer):
    """Two pitches: Gesunde Lausitz (a juror conflicted with it, a result recorded) and DIANA (no result yet)."""
    lausitz = SubmittedStrategyFactory(cycle=cycle, alliance=alliance)
    diana = SubmittedStrategyFactory(cycle=cycle, alliance=AllianceFactory(name="DIANA", slug="diana"))
    first, second = pitched(session, lausitz), pitched(session, diana)
    conflicted_with(lausitz, conflicted_juror)
    JuryMember.objects.filter(session=session).update(present=True)
    JuryNote.objects.create(slot=first, juror=juror, text=NOTE)
    jury_result(
        first,
        started_at=first.starts_at + timedelta(minutes=2),
        closed_at=first.starts_at + timedelta(minutes=31),
        summary=STATEMENT,
        conditions="Beirat mit Unternehmen der Region einrichten",
        amount="450000",
    )
    return first, second


def minutes_url(session, session_id=None):
    return reverse("dossiers:session_minutes", args=[session.cycle.slug, session_id or session.pk])


def rendered_minutes(session):
    dossier = services.request_dossier(kind=DossierKind.SESSION_MINUTES, cycle=session.cycle, jury_session=session)
    dossier = services.render_dossier(dossier_id=dossier.pk)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    return dossier


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX, [*ROLE_ACTORS, "juror"]))
def test_session_minutes_permission_matrix(client, actors, juror, session, name, method, actor, want):
    people = {**actors, "juror": juror}
    if name == "download":
        dossier = Dossier.objects.create(
            kind=DossierKind.SESSION_MINUTES,
            cycle=session.cycle,
            jury_session=session,
            status=DossierStatus.READY,
            fingerprint="0" * 64,
        )
        dossier.file.save("minutes.pdf", ContentFile(b"%PDF-1.7 stand-in"))
        url = reverse("dossiers:download", args=[dossier.public_id])
    else:
        url = minutes_url(session, 999_999 if name == "unknown" else None)
    response = request_as(client, people[actor], method, url)
    assert_status(response, want)
    requested = Dossier.objects.filter(kind=DossierKind.SESSION_MINUTES, requested_by__isnull=False).exists()
    assert requested is (method == "post" and want == 302)


def test_the_minutes_show_attendance_agenda_conflicts_result_and_statement_but_no_note(session, pitches):
    dossier = rendered_minutes(session)
    text = " ".join(pdftotext(dossier).split())
    assert "Sitzungsprotokoll: Jury Lausitz" in text
    assert "Dienstag, 12. November 2030, 09:00–12:00 Uhr" in text
    # Attendance: the jurors with the chair, and the ministry's observer listed apart.
    assert "Jana Jurorin Vorsitz anwesend" in text
    assert "Konrad Befangen Jurymitglied anwesend" in text
    assert "Maria Beobachterin (anwesend)" in text
    # Agenda: both pitches and the break, in time order.
    assert text.index("09:00–09:30 Pitch: Gesunde Lausitz") < text.index("09:35–10:05 Pitch: DIANA")
    assert "11:00–12:00 Pause" in text
    # The conflicted juror is absent for the pitch of the alliance concerned, present for the other.
    assert "Konrad Befangen (befangen, bei diesem Pitch abwesend)" in text
    lausitz, diana = text.split("Pitch: Gesunde Lausitz Geplant")[1].split("Pitch: DIANA Geplant")
    assert "Anwesende Jurymitglieder Jana Jurorin Ergebnis" in lausitz
    assert "Begonnen 09:02 Uhr" in lausitz and "Abgeschlossen 09:31 Uhr" in lausitz
    assert "Empfehlung mit Auflagen fördern" in lausitz
    assert "450.000,00 EUR" in lausitz
    assert "Beirat mit Unternehmen der Region einrichten" in lausitz
    assert STATEMENT in lausitz
    assert "Erklärte Befangenheiten keine" in diana and "Noch kein Ergebnis festgehalten." in diana
    # A juror's private note never appears, not even in part.
    assert "Private Notiz" not in text and "geschönt" not in text
    assert dossier.page_count >= 3
    assert dossier.filename == f"session_minutes_{session.cycle.slug}_jurysitzung-2030-11-12-{session.pk}_" + (
        f"{dossier.created_at.astimezone().date():%Y-%m-%d}.pdf"
    )
    qpdf_check(dossier.file.path)
    assert pdf_ua.check(dossier.file.path) == []


def test_the_same_course_gives_the_same_minutes_and_a_change_new_ones(session, pitches):
    first = rendered_minutes(session)
    again = services.request_dossier(kind=DossierKind.SESSION_MINUTES, cycle=session.cycle, jury_session=session)
    assert again.pk == first.pk
    JuryMember.objects.filter(session=session, user__full_name="Jana Jurorin").update(present=False)
    changed = services.request_dossier(kind=DossierKind.SESSION_MINUTES, cycle=session.cycle, jury_session=session)
    assert changed.pk != first.pk


def test_a_juror_note_changes_nothing_in_the_minutes(session, pitches):
    first = services.request_dossier(kind=DossierKind.SESSION_MINUTES, cycle=session.cycle, jury_session=session)
    JuryNote.objects.update(text="Noch eine private Notiz")
    again = services.request_dossier(kind=DossierKind.SESSION_MINUTES, cycle=session.cycle, jury_session=session)
    assert again.pk == first.pk


def test_the_office_requests_the_minutes_and_sees_their_status(client, programme_office, session, pitches):
    client.force_login(programme_office)
    panel = client.get(minutes_url(session)).content.decode()
    assert "Sitzungsprotokoll erstellen" in panel
    response = client.post(minutes_url(session), headers={"HX-Request": "true"})
    assert response.status_code == 200
    dossier = Dossier.objects.get(kind=DossierKind.SESSION_MINUTES)
    assert dossier.jury_session == session and dossier.requested_by == programme_office
    assert f"dossier-{dossier.public_id}" in response.content.decode()
    assert str(dossier) == "Sitzungsprotokoll: Jury Lausitz"


def test_only_the_office_and_the_ministry_list_the_minutes(session, actors, juror):
    dossier = Dossier.objects.create(
        kind=DossierKind.SESSION_MINUTES, cycle=session.cycle, jury_session=session, fingerprint="1" * 64
    )
    for role in ("programme_office", "ministry"):
        assert list(Dossier.objects.visible_to(actors[role])) == [dossier]
    for user in (actors["manager"], actors["expert"], actors["admin"], juror):
        assert dossier not in Dossier.objects.visible_to(user)


def test_the_generic_request_route_does_not_take_the_minutes(client, programme_office, session):
    client.force_login(programme_office)
    url = reverse("dossiers:request_cycle", args=[DossierKind.SESSION_MINUTES, session.cycle.slug])
    assert client.post(url).status_code == 404


def test_render_dossiers_renders_the_minutes_of_each_planned_session(session, pitches):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("render_dossiers", "--kind", "session_minutes", "--cycle", session.cycle.slug, stdout=out)
    assert "Sitzungsprotokoll – " in out.getvalue() and "Jury Lausitz" in out.getvalue()
    minutes = Dossier.objects.get(kind=DossierKind.SESSION_MINUTES)
    assert minutes.jury_session == session and minutes.status == DossierStatus.READY


def test_the_minutes_read_the_same_number_of_queries_for_few_and_many_pitches(
    session, pitches, cycle, django_assert_num_queries
):
    from dossiers.contents import session_minutes_context

    with django_assert_num_queries(MINUTES_QUERIES):
        assert len(session_minutes_context(session)["pitches"]) == 2
    for number in range(3):
        strategy = SubmittedStrategyFactory(cycle=cycle, alliance=AllianceFactory(name=f"Bündnis {number}"))
        slot = pitched(session, strategy)
        jury_result(slot, started_at=slot.starts_at, closed_at=slot.ends_at, summary=f"Stellungnahme {number}")
    with django_assert_num_queries(MINUTES_QUERIES):
        assert len(session_minutes_context(session)["pitches"]) == 5


# Members, slots, the conflicts (slots, assignments, jurors), the Voten and the breaks; never the jurors' notes.
MINUTES_QUERIES = 7
