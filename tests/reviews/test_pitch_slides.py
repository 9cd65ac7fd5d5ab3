"""An alliance's pitch slides: uploaded by its managers until the session's slides deadline, checked like every
upload, read by the alliance, the programme office, the ministry and the session's jurors not conflicted with
it; and the days on which the alliance cannot pitch."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from portal.uploads import CheckStatus
from reviews.models import AllianceBlockedDate, PitchSlides
from reviews.services.slides import SlidesRefused, current_slides, upload_pitch_slides
from tests.factories import (
    ExpertProfileFactory,
    SubmittedStrategyFactory,
    berlin,
    checked_pitch_slides,
    conflicted_with,
    jury_session,
    pdf_bytes,
    pdf_upload,
    pitched,
)
from tests.helpers import ALLIANCE_ACTORS, LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

START = berlin(2030, 11, 12, 9)
ACTORS = [*ALLIANCE_ACTORS, "juror", "conflicted_juror"]
MATRIX = [
    ("upload", "post", [LOGIN, 302, 404, 403, 403, 403, 403, 403, 403]),
    ("download", "get", [LOGIN, 200, 404, 404, 200, 200, 403, 200, 404]),
    ("blocked_dates", "post", [LOGIN, 302, 404, 403, 403, 403, 403, 403, 403]),
]


@pytest.fixture
def juror(db):
    return ExpertProfileFactory(user__full_name="Jana Jurorin").user


@pytest.fixture
def conflicted_juror(db):
    return ExpertProfileFactory(user__full_name="Konrad Befangen").user


@pytest.fixture
def session(cycle, juror, conflicted_juror):
    return jury_session(cycle, starts_at=START, hours=2, jurors=[juror, conflicted_juror])


@pytest.fixture
def strategy(cycle, alliance):
    return SubmittedStrategyFactory(cycle=cycle, alliance=alliance)


@pytest.fixture
def pitch(session, strategy, conflicted_juror):
    slot = pitched(session, strategy)
    conflicted_with(strategy, conflicted_juror)  # declared after the planning
    return slot


def url(strategy, name, *args):
    return reverse(f"reviews:{name}", args=[strategy.cycle.slug, strategy.alliance.slug, *args])


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX, ACTORS))
def test_pitch_slides_permission_matrix(
    client, actors, other_manager, juror, conflicted_juror, pitch, strategy, name, method, actor, want
):
    manager = actors["manager"]
    people = {
        **actors,
        "own_manager": manager,
        "other_manager": other_manager,
        "juror": juror,
        "conflicted_juror": conflicted_juror,
    }
    slides = checked_pitch_slides(strategy, manager)
    if name == "upload":
        response = request_as(client, people[actor], "post", url(strategy, "pitch_slides"), {"slides": pdf_upload()})
        assert PitchSlides.objects.count() == (2 if want == 302 else 1)
    elif name == "download":
        response = request_as(client, people[actor], "get", url(strategy, "pitch_slides_download", slides.public_id))
    else:
        data = {"dates": "14.11.2030", "reason": "Messe"}
        response = request_as(client, people[actor], "post", url(strategy, "pitch_blocked_dates"), data)
        assert AllianceBlockedDate.objects.exists() is (want == 302)
    assert_status(response, want)


def test_uploaded_slides_are_checked_by_the_worker_and_shown_with_their_deadline(
    client, manager, pitch, strategy, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(strategy, "pitch_slides"), {"slides": pdf_upload("Unser Pitch.pdf", pages=3)})
    assert response.status_code == 302
    slides = PitchSlides.objects.get()
    assert slides.check_status == CheckStatus.CHECKED and slides.page_count == 3
    assert slides.file.name.startswith(f"pitch-slides/{strategy.pk}/")
    assert slides.uploaded_by == manager
    shown = client.get(url(strategy, "alliance_pitch")).content.decode()
    assert "Unser Pitch.pdf" in shown and "geprüft" in shown and "3 Seiten" in shown
    assert "Frist für die Folien: 09.11.2030, 09:00 Uhr." in shown
    assert url(strategy, "pitch_slides_download", slides.public_id) in shown
    download = client.get(url(strategy, "pitch_slides_download", slides.public_id))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    reasons = list(slides.history.values_list("history_change_reason", flat=True))
    assert any(reason and reason.startswith("Prüfung: geprüft.") for reason in reasons)


def test_slides_waiting_for_their_check_show_as_being_checked(client, manager, pitch, strategy):
    client.force_login(manager)
    client.post(url(strategy, "pitch_slides"), {"slides": pdf_upload("folien.pdf")})  # no commit: no check yet
    shown = client.get(url(strategy, "alliance_pitch")).content.decode()
    assert "wird geprüft" in shown


def test_refused_slides_show_the_reason(client, manager, pitch, strategy, django_capture_on_commit_callbacks):
    client.force_login(manager)
    encrypted = pdf_upload("geheim.pdf", content=pdf_bytes(password="geheim"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(strategy, "pitch_slides"), {"slides": encrypted})
    slides = PitchSlides.objects.get()
    assert slides.check_status == CheckStatus.REFUSED and not slides.file
    shown = client.get(url(strategy, "alliance_pitch")).content.decode()
    assert "abgelehnt" in shown and "verschlüsselt oder passwortgeschützt" in shown
    assert client.get(url(strategy, "pitch_slides_download", slides.public_id)).status_code == 404


def test_a_new_upload_replaces_the_earlier_slides_once_it_passes(manager, pitch, strategy):
    first = checked_pitch_slides(strategy, manager)
    second = checked_pitch_slides(strategy, manager, pdf_upload("neu.pdf", pages=4))
    first.refresh_from_db()
    assert first.replaced_at is not None and first.file  # kept until the cleanup
    assert current_slides(strategy) == second
    assert first.history.filter(history_change_reason="Ersetzt durch neue Pitch-Folien").exists()


def test_slides_after_the_deadline_are_refused_in_german(manager, pitch, strategy, session):
    with pytest.raises(SlidesRefused) as refused:
        upload_pitch_slides(
            strategy=strategy, user=manager, uploaded_file=pdf_upload(), now=session.slides_deadline + timedelta(1)
        )
    assert refused.value.message == "Die Frist für die Pitch-Folien ist am 09.11.2030 09:00 Uhr abgelaufen."
    assert not PitchSlides.objects.exists()


def test_slides_without_a_planned_pitch_are_refused_in_german(client, manager, session, strategy):
    with pytest.raises(SlidesRefused) as refused:
        upload_pitch_slides(strategy=strategy, user=manager, uploaded_file=pdf_upload())
    assert "noch keinen Pitch-Termin" in refused.value.message
    client.force_login(manager)
    response = client.post(url(strategy, "pitch_slides"), {"slides": pdf_upload()})
    assert response.status_code == 400
    assert "noch keinen Pitch-Termin" in response.content.decode()
    assert not PitchSlides.objects.exists()


def test_a_file_that_is_no_pdf_is_refused_in_german(client, manager, pitch, strategy):
    client.force_login(manager)
    not_pdf = pdf_upload("folien.pdf", content=b"<html>keine Folien</html>")
    response = client.post(url(strategy, "pitch_slides"), {"slides": not_pdf})
    assert response.status_code == 400
    assert "Die Datei ist kein PDF-Dokument." in response.content.decode()
    assert not PitchSlides.objects.exists()


def test_someone_not_managing_the_alliance_cannot_upload(other_manager, pitch, strategy):
    with pytest.raises(SlidesRefused) as refused:
        upload_pitch_slides(strategy=strategy, user=other_manager, uploaded_file=pdf_upload())
    assert refused.value.message == "Pitch-Folien lädt nur das Bündnis selbst hoch."


def test_managers_enter_their_blocked_dates_and_see_them(client, manager, session, strategy, alliance):
    client.force_login(manager)
    response = client.post(url(strategy, "pitch_blocked_dates"), {"dates": "14.11.2030\n2030-11-15", "reason": "Messe"})
    assert response.status_code == 302
    assert list(AllianceBlockedDate.objects.values_list("date", flat=True)) == [date(2030, 11, 14), date(2030, 11, 15)]
    shown = client.get(url(strategy, "alliance_pitch")).content.decode()
    assert "Donnerstag, 14. November 2030" in shown
    client.post(url(strategy, "pitch_blocked_dates"), {"dates": "15.11.2030"})
    assert list(AllianceBlockedDate.objects.values_list("date", flat=True)) == [date(2030, 11, 15)]


def test_a_blocked_date_that_is_no_date_is_refused_in_german(client, manager, session, strategy):
    client.force_login(manager)
    response = client.post(url(strategy, "pitch_blocked_dates"), {"dates": "morgen"})
    assert response.status_code == 400
    assert "„morgen“ ist kein Datum; bitte im Format TT.MM.JJJJ angeben." in response.content.decode()
    assert not AllianceBlockedDate.objects.exists()


def test_the_pitch_page_reads_the_same_number_of_queries_for_one_and_many_uploads(client, manager, pitch, strategy):
    from tests.helpers import count_queries

    client.force_login(manager)
    checked_pitch_slides(strategy, manager)
    client.get(url(strategy, "alliance_pitch"))  # warms the session and the caches the page reads once
    one, _response = count_queries(client, url(strategy, "alliance_pitch"))
    for number in range(4):
        checked_pitch_slides(strategy, manager, pdf_upload(f"fassung-{number}.pdf"))
    many, response = count_queries(client, url(strategy, "alliance_pitch"))
    assert "fassung-3.pdf" in response.content.decode()
    assert many == one == PITCH_PAGE_QUERIES


# Measured for a manager with a planned pitch and checked slides (session and user lookups included).
PITCH_PAGE_QUERIES = 9
