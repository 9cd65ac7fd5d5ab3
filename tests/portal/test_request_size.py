"""A request body over its limit is refused from its Content-Length, before the CSRF check or a view reads it."""

import pytest
from django.test import Client
from django.urls import reverse

from alliances.models import StrategyDocument
from tests.factories import pdf_upload

pytestmark = pytest.mark.django_db

TOO_LARGE = "Die gesendeten Daten sind zu groß"


@pytest.fixture
def small_limits(settings):
    settings.UPLOAD_MAX_BYTES = 2000
    settings.UPLOAD_FORM_OVERHEAD_BYTES = 1000
    settings.ANONYMOUS_BODY_MAX_BYTES = 1000


def upload_url(strategy):
    return reverse("alliances:document_upload", args=[strategy.cycle.slug, strategy.alliance.slug])


def test_an_anonymous_body_over_the_limit_is_refused_before_the_csrf_check(small_limits):
    client = Client(enforce_csrf_checks=True, headers={"X-Forwarded-Proto": "https"})
    response = client.post(reverse("account_login"), {"login": "x@example.org", "password": "x" * 2000})
    # Without a CSRF token the check would answer 403; the size refusal comes first.
    assert response.status_code == 413
    assert TOO_LARGE in response.content.decode()


def test_a_small_anonymous_body_still_reaches_the_csrf_check(small_limits):
    client = Client(enforce_csrf_checks=True, headers={"X-Forwarded-Proto": "https"})
    response = client.post(reverse("account_login"), {"login": "x@example.org", "password": "x"})
    assert response.status_code == 403


def test_the_refusal_is_decided_by_the_header_without_reading_the_body(client, manager, strategy, small_limits):
    client.force_login(manager)
    # The body is ten bytes; a server that read it would find it short, not large.
    response = client.generic(
        "POST",
        upload_url(strategy),
        b"0123456789",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH="50000000",
    )
    assert response.status_code == 413


def test_an_upload_over_the_limit_is_refused_and_nothing_is_stored(client, manager, strategy, small_limits):
    client.force_login(manager)
    response = client.post(upload_url(strategy), {"kind": "main", "file": pdf_upload(content=b"%PDF-" + b"0" * 4000)})
    assert response.status_code == 413
    assert "erlaubt sind höchstens 2,9" in response.content.decode()
    assert not StrategyDocument.objects.exists()


def test_an_htmx_upload_over_the_limit_shows_the_refusal_in_the_live_region(client, manager, strategy, small_limits):
    client.force_login(manager)
    response = client.post(
        upload_url(strategy),
        {"kind": "main", "file": pdf_upload(content=b"%PDF-" + b"0" * 4000)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 413
    assert response["HX-Retarget"] == "#messages"
    assert 'role="alert"' in response.content.decode()


def test_an_upload_within_the_limit_passes_on_to_the_view(client, manager, strategy, small_limits):
    client.force_login(manager)
    response = client.post(upload_url(strategy), {"kind": "main", "file": pdf_upload(content=b"%PDF-" + b"0" * 1500)})
    # The view takes it in for its check (which later refuses the stand-in as damaged).
    assert response.status_code == 302
