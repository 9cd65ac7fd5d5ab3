"""The privacy notice (Art. 13 DSGVO): public, reachable from sign-in and every footer, and it says what the
settings and the retention schedule say."""

import pytest
from django.urls import reverse

from portal.privacy.models import RetentionRule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]


def test_the_notice_names_the_controller_and_the_data_protection_officer_from_settings(client, settings):
    settings.PRIVACY_CONTROLLER_NAME = "Bundesministerium für Forschung, Technologie und Raumfahrt, Referat 524"
    settings.PRIVACY_CONTROLLER_ADDRESS = ["Heinemannstraße 2", "53175 Bonn"]
    settings.PRIVACY_CONTROLLER_EMAIL = "referat524@bmftr.example"
    settings.PRIVACY_DPO_EMAIL = "datenschutz@bmftr.example"
    page = client.get(reverse("privacy_notice")).content.decode()
    assert "Referat 524" in page and "Heinemannstraße 2<br>53175 Bonn" in page
    assert 'href="mailto:referat524@bmftr.example"' in page
    assert 'href="mailto:datenschutz@bmftr.example"' in page


def test_every_retention_period_comes_from_the_schedule_and_follows_an_edit(client):
    rules = list(RetentionRule.objects.all())
    assert len(rules) >= 7
    page = client.get(reverse("privacy_notice")).content.decode()
    for rule in rules:
        assert f'id="frist-{rule.code}"' in page
        assert rule.label in page
    outbox = RetentionRule.objects.get(code="outbox")
    outbox.period = 200
    outbox.save()
    row = client.get(reverse("privacy_notice")).content.decode().split('id="frist-outbox"')[1].split("</tr>")[0]
    assert "200 Tage ab Erfassung, dann löschen" in row


def test_the_purposes_come_from_the_personal_data_registry(client):
    page = client.get(reverse("privacy_notice")).content.decode()
    access_logs = page.split('id="frist-access_logs"')[1].split("</tr>")[0]
    assert "Protokoll der Zugriffe auf Dokumente" in access_logs
    # The confidential note has a category of its own, though its review is part of the funding file.
    notes = page.split('id="frist-confidential_notes"')[1].split("</tr>")[0]
    assert "vertrauliche Anmerkung" in notes


def test_sign_in_and_every_footer_link_to_the_notice(client, programme_office):
    notice = reverse("privacy_notice")
    assert f'href="{notice}"' in client.get(reverse("account_login")).content.decode()
    client.force_login(programme_office)
    assert f'href="{notice}"' in client.get(reverse("notification_preferences")).content.decode()


def test_the_notice_speaks_english(client):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("privacy_notice"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Privacy notice" in page and "Your rights" in page
    # The shipped rules carry English texts; the German ones stay for the German page.
    assert "Access and download logs" in page and "Zugriffs- und Downloadprotokolle" not in page
    assert "Art. 32 GDPR (security of processing)" in page


def test_the_notice_says_when_addresses_are_cut_short_from_the_sign_in_lock(client, settings):
    settings.LOGIN_LOCKOUT_MINUTES = 30
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/30m/key"}
    page = client.get(reverse("privacy_notice")).content.decode()
    assert "Nach 30 Minuten, der Dauer der Anmeldesperre, wird sie gekürzt" in page
    assert reverse("my_data") in page
