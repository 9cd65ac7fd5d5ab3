"""The product's name follows the language: "WIR!-Strategieportal" in German, "WIR! Strategy Portal" in English,
and it is written in one place only."""

import re

import pytest
from django.urls import reverse

from portal.branding import mail_subject
from tests.helpers import ROOT

pytestmark = pytest.mark.django_db

SOURCE_DIRS = ["portal", "alliances", "reviews", "decisions", "dossiers", "templates"]


def title_and_brand(client, language):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    brand = re.search(r'class="navbar-brand[^"]*"[^>]*>(.*?)</a>', page, re.S).group(1)
    return title, brand.strip()


def test_german_pages_carry_the_german_name(client):
    title, brand = title_and_brand(client, "de")
    assert title.endswith("· WIR!-Strategieportal")
    assert brand == "WIR!-Strategieportal"


def test_english_pages_carry_the_english_name(client):
    title, brand = title_and_brand(client, "en")
    assert title.endswith("· WIR! Strategy Portal")
    assert brand == "WIR! Strategy Portal"


def test_mails_are_german_and_so_is_the_name_in_their_subject(settings):
    from django.utils import translation

    with translation.override("en"):
        assert mail_subject("Neue Begutachtung") == "[WIR!-Strategieportal] Neue Begutachtung"


def test_the_name_is_written_only_in_portal_branding():
    """Templates use {% product_name %}, Python code portal.branding.PRODUCT_NAME; nowhere else spells it."""
    spelled = []
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            if relative in {"portal/branding.py", "portal/settings.py"}:
                continue
            text = path.read_text(encoding="utf-8")
            if "WIR! Strategy Portal" in text or "WIR!-Strategieportal" in text:
                spelled.append(relative)
    assert spelled == []
