"""Retention of dossier downloads: deleted 90 days after the download, not a day before, unless held."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dossiers.models import DossierDownload, DossierKind
from portal.models import Role
from portal.privacy import categories
from portal.privacy.services import apply_retention, set_legal_hold
from tests.factories import UserFactory, ready_dossier

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]
T = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


def test_dossier_downloads_are_deleted_90_days_later_and_not_a_day_before_unless_held(cycle):
    reader = UserFactory(role=Role.MINISTRY)
    dossier = ready_dossier(kind=DossierKind.CYCLE_REPORT, cycle=cycle, requested_by=reader)
    DossierDownload.objects.create(dossier=dossier, user=reader, downloaded_at=T)
    assert apply_retention(now=T + timedelta(days=89)).counts[categories.ACCESS_LOGS] == 0
    hold = set_legal_hold(user=reader, cycle_id=cycle.pk, reason="Klageverfahren", now=T)
    assert apply_retention(now=T + timedelta(days=90)).counts[categories.ACCESS_LOGS] == 0
    hold.delete()
    assert apply_retention(now=T + timedelta(days=90)).counts[categories.ACCESS_LOGS] == 1
    assert not DossierDownload.objects.exists()
