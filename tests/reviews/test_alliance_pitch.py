"""An alliance's pitch page: its managers see their slot with the video link and choose from the offered slots,
first come first served; the programme office and the ministry read along; everyone else is kept out."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import PitchSlot, PitchSlotStatus
from reviews.services import jury
from tests.factories import (
    AllianceFactory,
    SubmittedStrategyFactory,
    berlin,
    jury_session,
    manager_of,
)
from tests.helpers import ALLIANCE_ACTORS, LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

START = berlin(2030, 11, 12, 9)

MATRIX = [
    ("pitch", "get", [LOGIN, 200, 404, 403, 200, 200, 403]),
    ("pitch", "post", [LOGIN, 302, 404, 403, 403, 403, 403]),
    ("unknown", "get", [LOGIN, 404, 404, 403, 404, 404, 403]),
]


@pytest.fixture
def session(cycle):
    return jury_session(cycle, starts_at=START, hours=2, offered=True, video_url="https://konferenz.example/pitch")


@pytest.fixture
def strategy(cycle, alliance):
    return SubmittedStrategyFactory(cycle=cycle, alliance=alliance)


def page(strategy, alliance_slug=None):
    return reverse("reviews:alliance_pitch", args=[strategy.cycle.slug, alliance_slug or strategy.alliance.slug])


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX, ALLIANCE_ACTORS))
def test_alliance_pitch_permission_matrix(client, actors, other_manager, session, strategy, name, method, actor, want):
    people = {**actors, "own_manager": actors["manager"], "other_manager": other_manager}
    url = page(strategy) if name == "pitch" else page(strategy, "gibt-es-nicht")
    response = request_as(client, people[actor], method, url, {"slot": session.slots.first().pk})
    assert_status(response, want)
    taken = PitchSlot.objects.filter(status=PitchSlotStatus.TAKEN).exists()
    assert taken is (method == "post" and want == 302)


def test_a_manager_chooses_a_slot_and_then_sees_it_with_the_link(client, manager, session, strategy):
    client.force_login(manager)
    first = session.slots.first()
    listing = client.get(page(strategy)).content.decode()
    assert "Noch kein Termin." in listing and f'value="{first.pk}"' in listing
    response = client.post(page(strategy), {"slot": first.pk}, follow=True)
    shown = response.content.decode()
    assert "Ihr Pitch-Termin ist gebucht" in shown
    assert "Dienstag, 12. November 2030, 09:00–09:30 Uhr" in shown
    assert 'href="https://konferenz.example/pitch"' in shown
    assert f'value="{first.pk}"' not in shown  # taken: no longer offered


def test_a_slot_someone_else_just_took_answers_with_a_german_message_and_the_fresh_list(
    client, manager, cycle, session, strategy
):
    first = session.slots.first()
    rival = SubmittedStrategyFactory(cycle=cycle, alliance=AllianceFactory(name="DIANA"))
    jury.pick_slot(slot=first, strategy=rival, user=manager_of(rival.alliance), now=START - timedelta(days=10))
    client.force_login(manager)
    response = client.post(page(strategy), {"slot": first.pk})
    assert response.status_code == 409
    shown = response.content.decode()
    assert "ein anderes Bündnis hat ihn gerade gewählt" in shown
    assert f'value="{first.pk}"' not in shown
    assert f'value="{session.slots.filter(status="open").first().pk}"' in shown


def test_the_ministry_reads_the_page_without_a_choice(client, ministry, session, strategy):
    client.force_login(ministry)
    shown = client.get(page(strategy)).content.decode()
    assert "Diesen Termin wählen" not in shown and "Termin wählen" in shown


def test_the_strategy_page_leads_a_submitted_alliance_to_its_pitch(client, manager, strategy, cycle, alliance):
    client.force_login(manager)
    shown = client.get(reverse("alliances:strategy", args=[cycle.slug, alliance.slug])).content.decode()
    assert page(strategy) in shown


def test_a_draft_strategy_page_shows_no_way_to_a_pitch(client, manager, cycle, alliance):
    from tests.factories import StrategyFactory

    draft = StrategyFactory(cycle=cycle, alliance=alliance)
    client.force_login(manager)
    shown = client.get(reverse("alliances:strategy", args=[cycle.slug, alliance.slug])).content.decode()
    assert page(draft) not in shown


def test_the_pitch_page_reads_the_same_number_of_queries_for_few_and_many_offered_slots(
    client, cycle, manager, session, strategy
):
    client.force_login(manager)
    client.get(page(strategy))  # warms the session and the caches the page reads once
    with CaptureQueriesContext(connection) as few:
        client.get(page(strategy))
    few_slots = PitchSlot.objects.count()
    for day in (13, 14, 15):
        jury_session(cycle, starts_at=berlin(2030, 11, day, 9), hours=8, offered=True)
    assert PitchSlot.objects.count() > 4 * few_slots
    with CaptureQueriesContext(connection) as many:
        listing = client.get(page(strategy)).content.decode()
    assert listing.count('name="slot"') == PitchSlot.objects.count()
    assert len(many) == len(few), [query["sql"] for query in many]
