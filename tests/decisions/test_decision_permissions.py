"""Permission matrix of the decision pages: every route × anonymous and each role."""

import pytest
from django.urls import reverse

from decisions import services
from tests.decisions.test_views import url
from tests.factories import (
    AllianceFactory,
    EvaluationCycleFactory,
    ExpertProfileFactory,
    decision_content,
    ministry_user,
    role_actors,
    submitted_strategy,
)
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, reauthenticated, request_as

pytestmark = pytest.mark.django_db

MATRIX = [
    ("alliance", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("propose", "post", [LOGIN, 403, 403, 403, 422, 403]),
    # The ministry actor has re-authenticated (see the test); without it, see test_reauthentication.
    # The confirmation pages: GET shows what would happen and changes nothing.
    ("confirm", "get", [LOGIN, 403, 403, 403, 200, 403]),
    ("confirm", "post", [LOGIN, 403, 403, 403, 302, 403]),
    # The proposal is bmbf1's; the ministry actor is the colleague bmbf2, who may not withdraw it.
    ("withdraw", "post", [LOGIN, 403, 403, 302, 403, 403]),
    ("correct", "post", [LOGIN, 403, 403, 403, 422, 403]),
    # The decision is only proposed: its release page sends the ministry back to the alliance, saying why.
    ("release", "get", [LOGIN, 403, 403, 403, 302, 403]),
    ("release", "post", [LOGIN, 403, 403, 403, 422, 403]),
    ("release_all", "get", [LOGIN, 403, 403, 403, 200, 403]),
    ("release_all", "post", [LOGIN, 403, 403, 403, 302, 403]),
    ("timeline", "get", [LOGIN, 403, 403, 403, 200, 403]),
    ("alliance_decision", "get", [LOGIN, 404, 403, 403, 403, 403]),
    ("my_decisions", "get", [LOGIN, 200, 403, 403, 403, 403]),
]


@pytest.fixture(scope="module")
def world(built_once):
    """Two submitted strategies, a proposed decision and the actors, built once for the module."""
    cycle = EvaluationCycleFactory()
    strategy, _ = submitted_strategy(cycle, AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz"))
    submitted_strategy(cycle, AllianceFactory(slug="diana", name="DIANA"))
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    decision = services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())
    actors = role_actors(
        manager=strategy.alliance.memberships.first().user, expert=ExpertProfileFactory().user, ministry=bmbf2
    )
    return {"strategy": strategy, "decision": decision, "actors": actors}


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_decision_permission_matrix(client, world, name, method, actor, want):
    strategy, decision = world["strategy"], world["decision"]
    if name == "my_decisions":
        target = reverse("decisions:my_decisions")
    elif name in ("release_all", "timeline"):
        target = reverse(f"decisions:{name}", args=[strategy.cycle.slug])
    elif name in ("confirm", "withdraw", "correct", "release"):
        target = url(name, strategy, decision.pk)
    else:
        target = url(name, strategy)
    user = world["actors"][actor]
    if user is not None:
        client.force_login(user)
        reauthenticated(client)
    response = request_as(client, user, method, target)
    assert_status(response, want, f"{actor} {method} {target}")
