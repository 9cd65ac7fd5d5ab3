"""Reporting a barrier (BITV 2.0 feedback): anyone signed in files it with the programme office as a question on
"Barrierefreiheit" without an alliance, answered like any question; visitors not signed in get the address."""

import pytest
from django.urls import reverse

from alliances import services
from alliances.models import Question, QuestionTopic
from alliances.search import question_scope
from portal.models import OutgoingMessage, Role, SearchEntry
from tests.factories import AllianceFactory, StrategyFactory, UserFactory, manager_of, role_actors
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

URL = "/barrierefreiheit/barriere-melden/"
TEXT = "Der Knopf „Einreichen“ lässt sich mit der Tastatur nicht erreichen."

# Method, expected status per actor in the order of ROLE_ACTORS: public page, the form for everyone signed in.
MATRIX = [
    ("barrier_report", "get", [200, 200, 200, 200, 200, 200]),
    ("barrier_report", "post", [LOGIN, 422, 422, 422, 422, 422]),
]


@pytest.fixture(scope="module")
def actors(built_once):
    return role_actors(manager=manager_of(AllianceFactory()))


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_barrier_report_permission_matrix(client, actors, name, method, actor, want):
    response = request_as(client, actors[actor], method, reverse(f"alliances:{name}"))
    assert_status(response, want, f"{actor} {method}")


def test_the_route_is_where_the_footer_and_the_error_page_point():
    assert reverse("alliances:barrier_report") == URL


def test_visitors_not_signed_in_get_the_contact_address(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "barrieren@ptj.example"
    page = client.get(URL).content.decode()
    assert 'href="mailto:barrieren@ptj.example"' in page
    assert "<textarea" not in page


def test_the_form_names_the_page_the_visitor_came_from(client, cycle):
    client.force_login(UserFactory(role=Role.EXPERT))
    page = client.get(URL, HTTP_REFERER="http://testserver/reviews/").content.decode()
    assert 'value="/reviews/"' in page


def test_an_expert_reports_a_barrier_that_the_office_answers_like_a_question(
    client, cycle, programme_office, django_capture_on_commit_callbacks
):
    expert = UserFactory(role=Role.EXPERT)
    client.force_login(expert)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"page": "/reviews/7/", "text": TEXT})
    assert response.status_code == 302
    report = Question.objects.get()
    assert (report.alliance, report.topic, report.asked_by, report.cycle) == (
        None,
        QuestionTopic.ACCESSIBILITY,
        expert,
        cycle,
    )
    assert TEXT in report.text and "/reviews/7/" in report.text
    assert report.history.first().history_change_reason == "Barriere gemeldet"
    assert SearchEntry.objects.filter(kind="question", object_id=report.pk).exists()
    notice = OutgoingMessage.objects.get(recipient=programme_office)
    assert "Barriere" in notice.subject and TEXT not in notice.body_text

    # The programme office finds it in its queue and answers it on the question's own page.
    client.force_login(programme_office)
    assert TEXT[:40] in client.get(reverse("alliances:question_queue")).content.decode()
    detail = reverse("alliances:question_detail", args=[report.public_id])
    assert client.get(detail).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(
            reverse("alliances:question_answer", args=[report.public_id]),
            {"answer": "Danke, ist behoben.", "version": report.version},
        )
    assert answered.status_code in (200, 302)
    report.refresh_from_db()
    assert report.answer == "Danke, ist behoben."
    mail = OutgoingMessage.objects.get(recipient=expert)
    assert "beantwortet" in mail.subject

    # The expert reads the answer on the report page.
    client.force_login(expert)
    assert "Danke, ist behoben." in client.get(URL).content.decode()


def test_alliance_managers_never_see_someone_elses_barrier_report(client, cycle):
    alliance = AllianceFactory()
    StrategyFactory(cycle=cycle, alliance=alliance)
    manager = manager_of(alliance)
    services.report_barrier(user=UserFactory(role=Role.EXPERT), text=TEXT)
    assert not Question.objects.visible_to(manager).exists()
    report = Question.objects.get()
    assert not SearchEntry.objects.filter(question_scope(manager), kind="question", object_id=report.pk).exists()
    client.force_login(manager)
    assert TEXT not in client.get(reverse("alliances:my_questions")).content.decode()


def test_a_report_needs_a_text(client, cycle):
    client.force_login(UserFactory(role=Role.MINISTRY))
    refused = client.post(URL, {"page": "", "text": "  "})
    assert refused.status_code == 422
    assert not Question.objects.exists()
