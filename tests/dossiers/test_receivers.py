"""The signal receivers fire in a long-running production process, not only in the test process."""

import json
import os
import secrets
import sys

import pytest
from django.conf import settings

from dossiers.models import DossierKind
from tests.helpers import broker_nobody_consumes, run_in_checkout


@pytest.fixture
def scenario_result(transactional_db, tmp_path):
    """Runs receivers_scenario.py with DEBUG=0 against the test database, tasks sent to a broker nobody consumes."""
    database = settings.DATABASES["default"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example",
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    # Production settings need a broker; the receivers' tasks wait there unconsumed, the rows are what counts.
    with broker_nobody_consumes("receivers") as broker:
        completed = run_in_checkout(
            [sys.executable, "-m", "tests.dossiers.receivers_scenario"], {**env, **broker}, timeout=240
        )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_every_receiver_fires_after_garbage_collection_in_a_production_process(scenario_result):
    assert scenario_result["debug"] is False
    assert scenario_result["after_submission"] == [DossierKind.STRATEGY]
    assert scenario_result["resubmission_notices"] == 1
    assert DossierKind.EVALUATION in scenario_result["after_confirmation"]
    assert DossierKind.DECISION_LETTER not in scenario_result["after_confirmation"]
    assert set(scenario_result["after_release"]) == {
        DossierKind.STRATEGY,
        DossierKind.EVALUATION,
        DossierKind.DECISION_LETTER,
    }
