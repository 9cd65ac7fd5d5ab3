"""The ministry's preview of a decision letter before release: the letter as the alliance would receive it."""

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
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

INTERNAL = "Nur intern: Haushaltsreferat hat zugestimmt"
FOR_THE_LETTER = "Die Strategie verankert die Gesundheitsversorgung in der Region."

# The preview is the ministry's alone: the programme office reads decisions but does not issue letters.
MATRIX = [("letter_preview", "get", [LOGIN, 403, 403, 403, 200, 403])]


@pytest.fixture(scope="module")
def world(built_once):
    cycle = EvaluationCycleFactory()
    strategy, _ = submitted_strategy(cycle, AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz"))
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    decision = services.propose_decision(
        strategy=strategy,
        user=bmbf1,
        **decision_content(rationale=INTERNAL, letter_rationale=FOR_THE_LETTER),
    )
    actors = role_actors(
        manager=strategy.alliance.memberships.first().user, expert=ExpertProfileFactory().user, ministry=bmbf2
    )
    return {"strategy": strategy, "decision": decision, "actors": actors, "bmbf1": bmbf1}


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_letter_preview_permission_matrix(client, world, name, method, actor, want):
    strategy, decision = world["strategy"], world["decision"]
    response = request_as(client, world["actors"][actor], method, url(name, strategy, decision.pk))
    assert_status(response, want, f"{actor} {method} {name}")


def test_the_preview_shows_the_letter_s_rationale_but_never_the_internal_one(client, world):
    client.force_login(world["actors"]["ministry"])
    page = client.get(url("letter_preview", world["strategy"], world["decision"].pk)).content.decode()
    assert FOR_THE_LETTER in page and INTERNAL not in page
    assert "Entwurf" in page and "Aktenzeichen" in page
    # The alliance has no address and no file reference yet: the ministry learns it before release.
    assert "noch keine Postanschrift hinterlegt" in page and "noch kein Förderkennzeichen hinterlegt" in page


def test_the_preview_of_the_decision_in_effect_offers_its_draft_as_a_pdf(client, world):
    client.force_login(world["actors"]["ministry"])
    page = client.get(url("letter_preview", world["strategy"], world["decision"].pk)).content.decode()
    assert "Entwurf als PDF" in page
    assert "<title>Vorschau des Entscheidungsschreibens ·" in page
    assert reverse("dossiers:panel", args=["letter_draft", world["strategy"].cycle.slug, "gesunde-lausitz"]) in page


def test_a_decision_of_another_alliance_is_not_found(client, world):
    other, _ = submitted_strategy(world["strategy"].cycle, AllianceFactory(slug="diana", name="DIANA"))
    client.force_login(world["actors"]["ministry"])
    assert client.get(url("letter_preview", other, world["decision"].pk)).status_code == 404


def test_the_ministry_s_alliance_page_links_the_preview_of_the_pending_proposal(client, world):
    strategy, decision = world["strategy"], world["decision"]
    preview = url("letter_preview", strategy, decision.pk)
    client.force_login(world["actors"]["ministry"])
    assert preview in client.get(url("alliance", strategy)).content.decode()
    client.force_login(world["actors"]["programme_office"])
    office_page = client.get(url("alliance", strategy)).content.decode()
    assert preview not in office_page
    # The programme office keeps the address and file reference the letter prints.
    assert reverse("alliances:alliance_letter_data", args=[strategy.alliance.slug]) in office_page
