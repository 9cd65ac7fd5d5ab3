"""Retention of document downloads: deleted 90 days after the download, not a day before, unless a legal hold on
their cycle or alliance keeps them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alliances.models import DocumentDownload
from portal.models import Role
from portal.privacy import categories
from portal.privacy.services import apply_retention, set_legal_hold
from tests.factories import AllianceFactory, UserFactory, manager_of, submitted_strategy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]
T = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def downloads(cycle):
    alliance = AllianceFactory()
    strategy, _submission = submitted_strategy(cycle, alliance)
    document = strategy.documents.get()
    reader = UserFactory(role=Role.PROGRAMME_OFFICE)
    return strategy, [
        DocumentDownload.objects.create(document=document, user=user, downloaded_at=T)
        for user in (reader, manager_of(alliance))
    ]


def test_downloads_are_deleted_90_days_later_and_not_a_day_before(downloads):
    _strategy, rows = downloads
    assert apply_retention(now=T + timedelta(days=89)).counts[categories.ACCESS_LOGS] == 0
    assert DocumentDownload.objects.count() == 2
    assert apply_retention(now=T + timedelta(days=90)).counts[categories.ACCESS_LOGS] == 2
    assert not DocumentDownload.objects.exists()
    assert apply_retention(now=T + timedelta(days=90)).counts[categories.ACCESS_LOGS] == 0


@pytest.mark.parametrize("on", ["cycle", "alliance"])
def test_a_hold_on_the_cycle_or_the_alliance_keeps_the_downloads(downloads, on):
    strategy, _rows = downloads
    target = {"cycle_id": strategy.cycle_id} if on == "cycle" else {"alliance_id": strategy.alliance_id}
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    set_legal_hold(user=office, reason="Prüfung durch den Rechnungshof", now=T, **target)
    assert apply_retention(now=T + timedelta(days=400)).counts[categories.ACCESS_LOGS] == 0
    assert DocumentDownload.objects.count() == 2
