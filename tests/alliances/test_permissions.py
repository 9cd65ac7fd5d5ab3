"""The permission matrix: every strategy URL × anonymous and each role.

Out-of-scope objects answer 404, a wrong role 403, an anonymous visitor goes to the login page.
"""

import pytest
import rules
from django.urls import reverse

from alliances import services
from alliances.models import DocumentKind
from tests.factories import CompleteStrategyFactory, checked_document, manager_of, pdf_upload, role_actors
from tests.helpers import ALLIANCE_ACTORS, LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

# url name, method, expected status per actor in the order of ALLIANCE_ACTORS.
MATRIX = [
    ("my_strategies", "get", [LOGIN, 302, 302, 403, 200, 200, 403]),
    ("overview", "get", [LOGIN, 403, 403, 403, 200, 200, 403]),
    ("strategy", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("strategy_preview", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("strategy_history", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("document_download", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("document_status", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("strategy_submit", "get", [LOGIN, 200, 404, 403, 403, 403, 403]),
    ("strategy_reopen", "get", [LOGIN, 403, 404, 403, 200, 403, 403]),
    ("strategy_extend", "get", [LOGIN, 403, 404, 403, 200, 403, 403]),
    ("strategy_save", "post", [LOGIN, 422, 404, 403, 403, 403, 403]),
    ("document_upload", "post", [LOGIN, 422, 404, 403, 403, 403, 403]),
    ("document_remove", "post", [LOGIN, 302, 404, 403, 403, 403, 403]),
    ("strategy_reopen", "post", [LOGIN, 403, 404, 403, 422, 403, 403]),
    ("strategy_extend", "post", [LOGIN, 403, 404, 403, 422, 403, 403]),
    ("strategy_submit", "post", [LOGIN, 302, 404, 403, 403, 403, 403]),
]


@pytest.fixture
def world(cycle, alliance, other_alliance):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    CompleteStrategyFactory(cycle=cycle, alliance=other_alliance)
    own = manager_of(alliance)
    document = checked_document(strategy, own, DocumentKind.MAIN, pdf_upload())
    return strategy, document, role_actors(own_manager=own, other_manager=manager_of(other_alliance))


def url_for(name, strategy, document):
    cycle, slug = strategy.cycle.slug, strategy.alliance.slug
    if name == "my_strategies":
        return reverse("alliances:my_strategies")
    if name == "overview":
        return reverse("alliances:overview", args=[cycle])
    if name in ("document_download", "document_remove"):
        return reverse(f"alliances:{name}", args=[cycle, slug, document.public_id])
    return reverse(f"alliances:{name}", args=[cycle, slug])


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX, ALLIANCE_ACTORS))
def test_permission_matrix(client, world, name, method, actor, want):
    strategy, document, actors = world
    url = url_for(name, strategy, document)
    response = request_as(client, actors[actor], method, url)
    assert_status(response, want, f"{actor} {method.upper()} {url}")


def test_manager_of_another_alliance_cannot_reach_a_submission_receipt(client, world, other_manager):
    strategy, _document, actors = world
    services.submit_strategy(strategy=strategy, user=actors["own_manager"])
    client.force_login(actors["other_manager"])
    response = client.get(reverse("alliances:submission", args=[strategy.cycle.slug, strategy.alliance.slug, 1]))
    assert response.status_code == 404


def test_document_of_another_strategy_is_not_found_through_own_strategy_url(client, world, other_alliance):
    strategy, document, actors = world
    client.force_login(manager_of(other_alliance))
    own_url = reverse(
        "alliances:document_download", args=[strategy.cycle.slug, other_alliance.slug, document.public_id]
    )
    assert client.get(own_url).status_code == 404


def test_visible_to_agrees_with_the_view_permission(world):
    strategy, _document, actors = world
    for actor_name, actor in actors.items():
        if actor is None:
            continue
        listed = strategy.__class__.objects.visible_to(actor).filter(pk=strategy.pk).exists()
        may_view = rules.has_perm("alliances.view_strategy", actor, strategy)
        assert listed == may_view, actor_name
