"""The expert pages' permission matrix: every actor and assignment state × every expert URL, over one world
built once for the module (see test_visibility for the rest of who reaches what)."""

import pytest

from tests.factories import EvaluationCycleFactory
from tests.helpers import (
    MATRIX_CASE,
    assert_status,
    built_once_for_the_module,
    fast_hashing_and_storage_at,
    matrix_cases,
    request_as,
)
from tests.reviews.test_visibility import ACTORS, MATRIX, SECTION_TEXT, build_world, target, url_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    private = tmp_path_factory.mktemp("private")
    with built_once_for_the_module(django_db_blocker, private):
        yield {**build_world(EvaluationCycleFactory()), "private": private}


@pytest.fixture(autouse=True)
def fast_hashing_and_private_storage(settings, world):
    """Replaces the suite's fixture of this name: the documents stay where the module's world stored them."""
    fast_hashing_and_storage_at(settings, world["private"])


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX, ACTORS))
def test_expert_permission_matrix(client, world, name, method, actor, want):
    url = url_for(name, target(world, actor), world["submission"])
    response = request_as(client, world["actors"][actor], method, url)
    assert_status(response, want, f"{actor} {method} {url}")
    if response.status_code == 200 and name in ("assignment", "review", "my_assignments"):
        shows_content = SECTION_TEXT in response.content.decode()
        assert shows_content == (actor == "cleared" and name == "assignment")
