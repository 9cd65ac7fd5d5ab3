"""The permission matrix of the erasure pages: everyone signed in asks for the erasure of their own account; only
admins see the queue and decide. Every route × anonymous and each role; an unknown request answers 404.
tests/permission_routes.py lists these routes against this test."""

import pytest
from django.urls import reverse

from portal.models import ErasureRequest, ErasureStatus, Role
from portal.privacy.erasure import request_erasure
from tests.factories import UserFactory, role_actors
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

MATRIX = [
    ("erasure_request", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("erasure_request", "post", [LOGIN, 302, 302, 302, 302, 302]),
    ("erasure_queue", "get", [LOGIN, 403, 403, 403, 403, 200]),
    ("erasure_decide", "get", [LOGIN, 403, 403, 403, 403, 200]),
    ("erasure_decide", "post", [LOGIN, 403, 403, 403, 403, 302]),
]


@pytest.fixture
def world():
    actors = role_actors(manager=UserFactory(role=Role.ALLIANCE_MANAGER))
    return {"actors": actors, "request": request_erasure(user=UserFactory(role=Role.EXPERT))}


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_erasure_permission_matrix(client, world, name, method, actor, want):
    pending = world["request"]
    url = reverse(name, args=[pending.pk]) if name == "erasure_decide" else reverse(name)
    data = {"action": "reject", "note": "Aufbewahrungspflicht."} if name == "erasure_decide" else {}
    response = request_as(client, world["actors"][actor], method, url, data)
    assert_status(response, want, f"{actor} {method.upper()} {url}")
    pending.refresh_from_db()
    decided = name == "erasure_decide" and method == "post" and want == 302
    assert pending.status == (ErasureStatus.REJECTED if decided else ErasureStatus.OPEN)
    if name == "erasure_request" and method == "post" and actor != "anonymous":
        assert ErasureRequest.objects.open().filter(user=world["actors"][actor]).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_request_answers_404_to_an_admin(client, world, method):
    response = request_as(client, world["actors"]["admin"], method, reverse("erasure_decide", args=[999999]))
    assert response.status_code == 404
