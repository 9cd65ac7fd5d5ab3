"""The permission matrix of the questions and answers: every URL × anonymous and each role.

Out-of-scope questions answer 404, a wrong role 403, an anonymous visitor goes to the login page.
"""

import pytest
import rules
from django.urls import reverse

from alliances import services
from alliances.models import Question
from portal.models import Role
from tests.factories import StrategyFactory, UserFactory, checked_question, manager_of, pdf_upload, role_actors
from tests.helpers import ALLIANCE_ACTORS, LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

# url name, method, expected status per actor in the order of ALLIANCE_ACTORS.
MATRIX = [
    ("my_questions", "get", [LOGIN, 200, 200, 403, 302, 302, 403]),
    ("question_ask", "get", [LOGIN, 200, 200, 403, 403, 403, 403]),
    ("question_ask", "post", [LOGIN, 422, 422, 403, 403, 403, 403]),
    ("question_queue", "get", [LOGIN, 403, 403, 403, 200, 200, 403]),
    ("question_detail", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("question_attachment", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("question_attachment_status", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("question_answer", "post", [LOGIN, 403, 404, 403, 422, 403, 403]),
    ("question_comment", "post", [LOGIN, 403, 404, 403, 422, 422, 403]),
    ("question_publish", "get", [LOGIN, 403, 404, 403, 200, 403, 403]),
    ("question_publish", "post", [LOGIN, 403, 404, 403, 422, 403, 403]),
    ("faq_current", "get", [LOGIN, 302, 302, 403, 302, 302, 403]),
    ("faq", "get", [LOGIN, 200, 200, 403, 200, 200, 403]),
]


@pytest.fixture
def world(cycle, alliance, other_alliance):
    StrategyFactory(cycle=cycle, alliance=alliance)
    StrategyFactory(cycle=cycle, alliance=other_alliance)
    own = manager_of(alliance)
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    question = checked_question(cycle, alliance, own, attachment=pdf_upload())
    question = services.answer_question(
        question=question, user=office, answer="Etwa acht Wochen.", expected_version=question.version
    )
    return question, role_actors(own_manager=own, other_manager=manager_of(other_alliance), programme_office=office)


def url_for(name, question):
    if name in ("my_questions", "question_ask", "question_queue", "faq_current"):
        return reverse(f"alliances:{name}")
    if name == "faq":
        return reverse("alliances:faq", args=[question.cycle.slug])
    return reverse(f"alliances:{name}", args=[question.public_id])


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX, ALLIANCE_ACTORS))
def test_question_permission_matrix(client, world, name, method, actor, want):
    question, actors = world
    url = url_for(name, question)
    response = request_as(client, actors[actor], method, url)
    assert_status(response, want, f"{actor} {method.upper()} {url}")


def test_every_question_url_is_in_the_matrix():
    from alliances.urls import question_urlpatterns as urlpatterns

    assert {pattern.name for pattern in urlpatterns} == {name for name, _method, _expected in MATRIX}


def test_staff_readers_are_sent_from_the_managers_list_to_the_queue(client, world):
    _question, actors = world
    client.force_login(actors["ministry"])
    assert client.get(reverse("alliances:my_questions")).url == reverse("alliances:question_queue")


def test_visible_to_agrees_with_the_view_permission(world):
    question, actors = world
    for actor_name, actor in actors.items():
        if actor is None:
            continue
        listed = Question.objects.visible_to(actor).filter(pk=question.pk).exists()
        may_view = rules.has_perm("alliances.view_question", actor, question)
        assert listed == may_view, actor_name
