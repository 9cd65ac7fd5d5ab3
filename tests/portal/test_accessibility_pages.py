"""BITV 2.0 pages: the accessibility statement and the Easy Read page, public and linked from every footer."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from portal.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_statement_names_status_gaps_review_date_feedback_and_enforcement_body(client, settings):
    settings.ACCESSIBILITY_LAST_REVIEW = "2026-11-30"
    settings.ACCESSIBILITY_ENFORCEMENT_BODY = {
        "name": "Schlichtungsstelle nach § 16 BGG",
        "address": ["Mauerstraße 53", "10117 Berlin"],
        "phone": "",
        "email": "info@schlichtungsstelle-bgg.example",
        "url": "https://schlichtung.example",
    }
    page = client.get(reverse("accessibility_statement")).content.decode()
    assert "teilweise vereinbar" in page
    assert "Nicht barrierefreie Inhalte" in page
    assert "30. November 2026" in page
    assert f'href="{reverse("alliances:barrier_report")}"' in page
    assert "Schlichtungsstelle nach § 16 BGG" in page
    assert "Mauerstraße 53" in page
    assert 'href="mailto:info@schlichtungsstelle-bgg.example"' in page


def test_the_easy_read_page_explains_its_hard_words(client):
    page = client.get(reverse("easy_read")).content.decode()
    assert "in Leichter Sprache" in page
    assert "<dt>Frist</dt>" in page
    assert f'href="{reverse("alliances:barrier_report")}"' in page


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_links_both_from_its_footer(client, signed_in):
    if signed_in:
        client.force_login(UserFactory(role=Role.PROGRAMME_OFFICE))
        url = reverse("outbox")
    else:
        url = reverse("account_login")
    page = client.get(url).content.decode()
    footer = page[page.index("<footer") :]
    assert f'href="{reverse("accessibility_statement")}"' in footer
    assert f'href="{reverse("easy_read")}"' in footer
    assert "Barriere melden" in footer


def test_the_server_error_page_links_them_too():
    # 500 and 400 render from error_page.html without a request, so the paths are written out there.
    page = render_to_string("500.html", {})
    assert 'href="/barrierefreiheit/"' in page
    assert 'href="/leichte-sprache/"' in page
    assert reverse("accessibility_statement") == "/barrierefreiheit/"
    assert reverse("easy_read") == "/leichte-sprache/"
