"""Permission matrix of the programme office pages of the review stage: every route × anonymous and each role."""

import pytest

from tests.factories import EvaluationCycleFactory
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as
from tests.reviews.test_office import build_world, url_for

pytestmark = pytest.mark.django_db

MATRIX = [
    ("office_home", "get", [LOGIN, 403, 403, 302, 302, 403]),
    ("office_rubric", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("office_rubric", "post", [LOGIN, 403, 403, 422, 403, 403]),
    ("office_assignments", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("office_progress", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("office_experts", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("office_votum", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("office_votum", "post", [LOGIN, 403, 403, 422, 403, 403]),
    ("office_assign", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("office_balancer", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("office_import", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("office_import", "post", [LOGIN, 403, 403, 422, 403, 403]),
    ("office_assign", "post", [LOGIN, 403, 403, 302, 403, 403]),
    ("office_expert_profile", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("office_reminder", "post", [LOGIN, 403, 403, 302, 403, 403]),
    ("office_review_reopen", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("office_withdraw", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("office_withdraw", "post", [LOGIN, 403, 403, 422, 403, 403]),
]


@pytest.fixture(scope="module")
def world(built_once):
    """A scored strategy, a free expert and the actors, built once for the module."""
    return build_world(EvaluationCycleFactory())


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_office_permission_matrix(client, world, name, method, actor, want):
    url = url_for(name, world)
    response = request_as(client, world["actors"][actor], method, url)
    assert_status(response, want, f"{actor} {method} {url}")
