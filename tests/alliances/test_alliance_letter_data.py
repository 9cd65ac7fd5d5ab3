"""The programme office keeps the postal address and the file reference a decision letter prints."""

import pytest
from django.urls import reverse

from alliances.models import Alliance
from alliances.services.alliance_letter import update_letter_data
from portal.exceptions import Refusal
from tests.factories import AllianceFactory, ExpertProfileFactory, manager_of, ministry_user, role_actors
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

ADDRESS = {
    "postal_recipient": "Hochschule Zittau/Görlitz",
    "postal_street": "Theodor-Körner-Allee 16",
    "postal_code": "02763",
    "postal_city": "Zittau",
    "file_reference": "03WIR2207A",
}

MATRIX = [
    ("alliance_letter_data", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("alliance_letter_data", "post", [LOGIN, 403, 403, 302, 403, 403]),
]


@pytest.fixture(scope="module")
def world(built_once):
    alliance = AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz")
    actors = role_actors(
        manager=manager_of(alliance),
        expert=ExpertProfileFactory().user,
        ministry=ministry_user("bmbf1@bmbf.example"),
    )
    return {"alliance": alliance, "actors": actors}


def page(alliance):
    return reverse("alliances:alliance_letter_data", args=[alliance.slug])


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_letter_data_permission_matrix(client, world, name, method, actor, want):
    data = ADDRESS if method == "post" else None
    response = request_as(client, world["actors"][actor], method, page(world["alliance"]), data)
    assert_status(response, want, f"{actor} {method} {name}")


def test_the_programme_office_saves_address_and_file_reference_with_history(client, programme_office, alliance):
    client.force_login(programme_office)
    response = client.post(page(alliance), ADDRESS, follow=True)
    assert "Anschrift und Förderkennzeichen wurden gespeichert." in response.content.decode()
    alliance.refresh_from_db()
    assert {name: getattr(alliance, name) for name in ADDRESS} == ADDRESS
    latest = alliance.history.latest()
    assert latest.history_user == programme_office and latest.file_reference == "03WIR2207A"
    assert alliance.postal_address_lines() == [
        "Gesunde Lausitz",
        "Hochschule Zittau/Görlitz",
        "Theodor-Körner-Allee 16",
        "02763 Zittau",
    ]


def test_saving_unchanged_data_writes_no_history(programme_office, alliance):
    update_letter_data(alliance=alliance, user=programme_office, **ADDRESS)
    count = alliance.history.count()
    assert update_letter_data(alliance=alliance, user=programme_office, **ADDRESS) == []
    assert alliance.history.count() == count


def test_a_too_long_postcode_is_refused_with_a_german_message(client, programme_office, alliance):
    client.force_login(programme_office)
    response = client.post(page(alliance), {**ADDRESS, "postal_code": "1" * 11})
    assert response.status_code == 422
    assert "höchstens 10 Zeichen" in response.content.decode()
    assert Alliance.objects.get(pk=alliance.pk).postal_code == ""


def test_the_service_refuses_the_ministry(alliance):
    with pytest.raises(Refusal, match="Nur der Projektträger"):
        update_letter_data(alliance=alliance, user=ministry_user("bmbf9@bmbf.example"), **ADDRESS)
