"""The expert pages' permission matrix: every actor and assignment state × every expert URL, over one world
built once for the module (see test_visibility for the rest of who reaches what)."""

import pytest

from tests.factories import EvaluationCycleFactory
from tests.helpers import (
    MATRIX_CASE,
    assert_status,
    matrix_cases,
    request_as,
)
from tests.reviews.test_visibility import ACTORS, MATRIX, SECTION_TEXT, build_world, target, url_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(built_once):
    return build_world(EvaluationCycleFactory())


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX, ACTORS))
def test_expert_permission_matrix(client, world, name, method, actor, want):
    url = url_for(name, target(world, actor), world["submission"])
    response = request_as(client, world["actors"][actor], method, url)
    assert_status(response, want, f"{actor} {method} {url}")
    if response.status_code == 200 and name in ("assignment", "review", "my_assignments"):
        shows_content = SECTION_TEXT in response.content.decode()
        assert shows_content == (actor == "cleared" and name == "assignment")
