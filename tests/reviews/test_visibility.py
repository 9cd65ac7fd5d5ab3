"""Who reaches which expert page and document: every actor and assignment state × every expert URL.

Wrong role → 403, anonymous → login, outside the expert's scope (someone else's, withdrawn, not cleared) → 404.
The querysets agree with the pages.
"""

import pytest
from django.urls import reverse

from portal.models import Role
from reviews import services
from reviews.models import Assignment, Review
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    declared_conflict,
    manager_of,
    programme_rubric,
    submitted_review,
    submitted_strategy,
)
from tests.helpers import LOGIN

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "manager",
    "other_expert",
    "awaiting",
    "conflicted",
    "withdrawn",
    "cleared",
    "programme_office",
    "ministry",
]
MATRIX = [
    # page, method: anonymous, manager, other expert, awaiting, conflicted, withdrawn, cleared, office, ministry
    ("my_assignments", "get", [LOGIN, 403, 200, 200, 200, 200, 200, 403, 403]),
    ("assignment", "get", [LOGIN, 403, 404, 200, 200, 404, 200, 403, 403]),
    ("declare", "post", [LOGIN, 403, 404, 422, 302, 404, 302, 403, 403]),
    ("review", "get", [LOGIN, 403, 404, 404, 404, 404, 200, 403, 403]),
    ("review", "post", [LOGIN, 403, 404, 404, 404, 404, 422, 403, 403]),
    # The confirmation of the binding submission; without a saved draft it sends the expert to the form.
    ("review_submit", "get", [LOGIN, 403, 404, 404, 404, 404, 302, 403, 403]),
    ("review_submit", "post", [LOGIN, 403, 404, 404, 404, 404, 302, 403, 403]),
    ("document", "get", [LOGIN, 403, 404, 404, 404, 404, 200, 403, 403]),
]
SECTION_TEXT = "Drei Vorhabenlinien."


@pytest.fixture
def world(cycle):
    return build_world(cycle)


def build_world(cycle):
    """A strategy with an expert in every assignment state, another expert's strategy, and the actors."""
    programme_rubric(cycle)
    alliance = AllianceFactory()
    strategy, submission = submitted_strategy(cycle, alliance)
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    awaiting = services.assign_expert(strategy=strategy, expert=ExpertProfileFactory().user, user=office)
    conflicted = services.assign_expert(strategy=strategy, expert=ExpertProfileFactory().user, user=office)
    declared_conflict(conflicted, conflict_type="financial", explanation="Beteiligung an einem Partnerunternehmen.")
    withdrawn = services.assign_expert(strategy=strategy, expert=ExpertProfileFactory().user, user=office)
    services.withdraw_assignment(assignment=withdrawn, user=office, reason="Ersatz gefunden.")
    cleared = cleared_assignment(strategy, office=office)
    other_strategy, _other_submission = submitted_strategy(cycle, AllianceFactory())
    other = cleared_assignment(other_strategy, office=office)
    own = {"awaiting": awaiting, "conflicted": conflicted, "withdrawn": withdrawn, "cleared": cleared}
    actors = {
        "anonymous": None,
        "manager": manager_of(alliance),
        "other_expert": other.expert,
        **{name: assignment.expert for name, assignment in own.items()},
        "programme_office": office,
        "ministry": UserFactory(role=Role.MINISTRY),
    }
    return {"strategy": strategy, "submission": submission, "own": own, "cleared": cleared, "actors": actors}


def target(world, actor_name):
    """Experts ask for their own assignment; everyone else for the cleared expert's."""
    return world["own"].get(actor_name, world["cleared"])


def url_for(page, assignment, submission):
    if page == "my_assignments":
        return reverse("reviews:my_assignments")
    if page == "document":
        return reverse("reviews:document", args=[assignment.pk, submission.documents[0]["id"]])
    return reverse(f"reviews:{page}", args=[assignment.pk])


@pytest.mark.parametrize("actor_name", ACTORS[1:])
def test_querysets_agree_with_the_pages(world, actor_name):
    actor = world["actors"][actor_name]
    assignment = target(world, actor_name)
    readable = Assignment.objects.readable_by(actor).filter(pk=assignment.pk).exists()
    row = {page: expected for page, method, expected in MATRIX if method == "get"}
    index = ACTORS.index(actor_name)
    if actor.role == Role.EXPERT:
        assert readable == (row["document"][index] == 200)
        assert Assignment.objects.visible_to(actor).filter(pk=assignment.pk).exists() == (
            row["assignment"][index] == 200
        )
    listed = set(Assignment.objects.listed_for_expert(actor).values_list("pk", flat=True))
    if actor.role == Role.EXPERT:
        assert listed == set(Assignment.objects.filter(expert=actor).values_list("pk", flat=True))
    else:
        assert listed == set()


def test_the_list_shows_only_the_experts_own_assignments(client, world):
    client.force_login(world["actors"]["other_expert"])
    page = client.get(reverse("reviews:my_assignments")).content.decode()
    assert world["strategy"].alliance.name not in page
    for assignment in world["own"].values():
        assert reverse("reviews:assignment", args=[assignment.pk]) not in page


def test_a_conflicted_expert_cannot_reach_the_strategy_by_any_url(client, world):
    conflicted = world["own"]["conflicted"]
    client.force_login(conflicted.expert)
    listing = client.get(reverse("reviews:my_assignments")).content.decode()
    assert "Befangenheit erklärt – beendet" in listing
    assert reverse("reviews:review", args=[conflicted.pk]) not in listing
    for page in ("review", "document"):
        assert client.get(url_for(page, conflicted, world["submission"])).status_code == 404
    # Nor through the cleared colleague's assignment of the same strategy.
    for page in ("assignment", "review", "document"):
        assert client.get(url_for(page, world["cleared"], world["submission"])).status_code == 404


def test_experts_read_only_their_own_reviews_until_they_submit(world):
    cleared = world["cleared"]
    colleague = cleared_assignment(world["strategy"])
    theirs = submitted_review(colleague, 3)
    assert not Review.objects.visible_to(cleared.expert).filter(pk=theirs.pk).exists()
    assert not Review.objects.visible_to(world["own"]["awaiting"].expert).exists()
    mine = submitted_review(cleared, 4)
    visible = set(Review.objects.visible_to(cleared.expert).values_list("pk", flat=True))
    assert visible == {mine.pk, theirs.pk}
    assert not Review.objects.visible_to(world["actors"]["other_expert"]).exists()
    assert not Review.objects.visible_to(world["actors"]["manager"]).exists()
    assert Review.objects.visible_to(world["actors"]["ministry"]).count() == 2
