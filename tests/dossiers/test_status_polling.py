"""The status panel of a dossier: polled by htmx while the dossier is pending, still once it is done."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from tests.factories import AllianceFactory, StrategyFactory, submitted_strategy

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def strategy_with_dossier(cycle):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    dossier = services.request_dossier(kind=DossierKind.STRATEGY, cycle=cycle, strategy=strategy)
    return strategy, dossier


def panel(client, dossier, headers=HTMX):
    response = client.get(reverse("dossiers:detail", args=[dossier.public_id]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def polling_attributes(html):
    """The htmx attributes of the panel's own element (forms inside it have their own)."""
    opening_tag = html[: html.index(">") + 1]
    return re.findall(r'hx-(?:get|trigger|swap)="([^"]*)"', opening_tag)


@pytest.mark.parametrize(
    ("status", "progress", "label"),
    [
        (DossierStatus.QUEUED, 0, "in der Warteschlange – 0 %"),
        (DossierStatus.RENDERING, 45, "wird erstellt – 45 %"),
    ],
)
def test_a_pending_dossier_panel_polls_itself_every_two_seconds(
    client, programme_office, strategy_with_dossier, status, progress, label
):
    _strategy, dossier = strategy_with_dossier
    Dossier.objects.filter(pk=dossier.pk).update(status=status, progress=progress)
    client.force_login(programme_office)
    html = panel(client, dossier)
    assert "<html" not in html and "<nav" not in html  # the partial alone, not the page
    assert html.strip().startswith(f'<div class="dossier-status" id="dossier-{dossier.public_id}"')
    assert polling_attributes(html) == [reverse("dossiers:detail", args=[dossier.public_id]), "every 2s", "outerHTML"]
    assert f'<progress max="100" value="{progress}"' in html
    assert label in html
    assert 'role="status"' in html and 'aria-live="polite"' in html


def test_the_full_page_carries_the_same_polling_panel(client, programme_office, strategy_with_dossier):
    _strategy, dossier = strategy_with_dossier
    client.force_login(programme_office)
    html = panel(client, dossier, headers={})
    assert "<html" in html
    assert "every 2s" in html
    assert "in der Warteschlange – 0 %" in html


def test_a_ready_dossier_panel_stops_polling_and_offers_the_download(client, programme_office, strategy_with_dossier):
    _strategy, dossier = strategy_with_dossier
    dossier = services.render_dossier(dossier_id=dossier.pk)
    # 22:30 UTC on 30 June is half past midnight on 1 July in Berlin.
    Dossier.objects.filter(pk=dossier.pk).update(finished_at=datetime(2024, 6, 30, 22, 30, tzinfo=UTC))
    client.force_login(programme_office)
    html = panel(client, dossier)
    assert polling_attributes(html) == []
    assert f'href="{reverse("dossiers:download", args=[dossier.public_id])}"' in html
    assert f"Strategie-Dossier herunterladen ({dossier.page_count} Seiten)" in html
    assert "erstellt am 01.07.2024, 00:30" in html
    download = client.get(reverse("dossiers:download", args=[dossier.public_id]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_a_failed_dossier_panel_stops_polling_and_offers_a_retry(client, programme_office, strategy_with_dossier):
    _strategy, dossier = strategy_with_dossier
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.FAILED, error_message="Fehler beim Satz.")
    client.force_login(programme_office)
    html = panel(client, dossier)
    assert polling_attributes(html) == []
    assert "Fehler beim Satz." in html
    assert f'hx-post="{reverse("dossiers:retry", args=[dossier.public_id])}"' in html
    assert "Erneut versuchen" in html


def test_requesting_with_htmx_answers_with_the_polling_panel_of_the_new_dossier(client, programme_office, cycle):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    client.force_login(programme_office)
    response = client.post(
        reverse("dossiers:request", args=["strategy", cycle.slug, strategy.alliance.slug]), headers=HTMX
    )
    assert response.status_code == 200
    dossier = Dossier.objects.get(strategy=strategy)
    html = response.content.decode()
    assert f'id="dossier-{dossier.public_id}"' in html
    assert "every 2s" in html
    assert "<html" not in html


def test_the_panel_follows_the_dossier_from_queued_to_ready(client, programme_office, strategy_with_dossier):
    _strategy, dossier = strategy_with_dossier
    client.force_login(programme_office)
    assert "every 2s" in panel(client, dossier)
    services.render_dossier(dossier_id=dossier.pk)
    html = panel(client, dossier)
    assert "every 2s" not in html
    assert "herunterladen" in html


@pytest.mark.parametrize("kind", ["strategy", "evaluation"])
def test_a_strategy_kind_without_an_alliance_is_not_found(client, ministry, cycle, kind):
    client.force_login(ministry)
    response = client.post(reverse("dossiers:request_cycle", args=[kind, cycle.slug]))
    assert response.status_code == 404
    assert not Dossier.objects.exists()


def test_a_failed_request_only_redirects_to_a_page_of_the_portal(client, programme_office, cycle):
    draft = StrategyFactory(cycle=cycle, alliance=AllianceFactory())  # not submitted: no dossier yet
    client.force_login(programme_office)
    url = reverse("dossiers:request", args=["strategy", cycle.slug, draft.alliance.slug])
    outside = client.post(url, {"next": "https://evil.example/"})
    assert outside["Location"] == reverse("home")
    inside = client.post(url, {"next": "/alliances/"})
    assert inside["Location"] == "/alliances/"
    assert not Dossier.objects.exists()


def test_a_ready_dossier_panel_shows_the_warnings_of_its_rendering(client, programme_office, strategy_with_dossier):
    _strategy, dossier = strategy_with_dossier
    dossier = services.render_dossier(dossier_id=dossier.pk)
    warning = "Anlage „Budget.pdf“ konnte nicht eingebunden werden; die Originaldatei ist im Portal abrufbar."
    Dossier.objects.filter(pk=dossier.pk).update(warnings=[warning])
    client.force_login(programme_office)
    for headers in (HTMX, {}):
        html = panel(client, dossier, headers=headers)
        assert f"Hinweis: {warning}" in html.replace("&quot;", '"')
        assert "herunterladen" in html
