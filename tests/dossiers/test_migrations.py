"""The migration that makes a dossier unique per kind, subject and inputs keeps every existing dossier: duplicates
from before get generations, and a request returns the newest ready one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import AllianceFactory, StrategyFactory

BEFORE = ("dossiers", "0002_decision_letter_kind")
AFTER = ("dossiers", "0003_one_dossier_per_inputs_with_heartbeat_and_warnings")


def migrate_to(target):
    """Migrates the dossiers app to `target` (None: its latest migration); returns the models as of `target`."""
    executor = MigrationExecutor(connection)
    latest = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "dossiers"]
    executor.migrate([target] if target else latest)
    return executor.loader.project_state([target or latest[0]]).apps


@pytest.mark.django_db(transaction=True)
def test_duplicate_dossiers_are_numbered_and_the_newest_ready_one_is_current(cycle):
    strategy = StrategyFactory(cycle=cycle, alliance=AllianceFactory())
    old_apps = migrate_to(BEFORE)
    try:
        Dossier = old_apps.get_model("dossiers", "Dossier")
        now = timezone.now()

        def old_dossier(status, minutes_ago, kind="strategy", subject=strategy.pk, fingerprint="a" * 64):
            return Dossier.objects.create(
                kind=kind,
                cycle_id=cycle.pk,
                strategy_id=subject,
                status=status,
                fingerprint=fingerprint,
                created_at=now - timezone.timedelta(minutes=minutes_ago),
            ).pk

        oldest_ready = old_dossier("ready", 30)
        newest_ready = old_dossier("ready", 20)
        newer_failed = old_dossier("failed", 10)
        only_failed = [old_dossier("failed", 9, "cycle_report", None, "b" * 64)]
        only_failed.append(old_dossier("queued", 8, "cycle_report", None, "b" * 64))
        single = old_dossier("ready", 5, fingerprint="c" * 64)
    finally:
        migrate_to(None)
    Dossier = MigrationExecutor(connection).loader.project_state([AFTER]).apps.get_model("dossiers", "Dossier")
    generations = dict(Dossier.objects.values_list("pk", "generation"))
    assert generations == {
        oldest_ready: 0,
        newer_failed: 1,
        newest_ready: 2,  # the one a request returns
        only_failed[0]: 0,
        only_failed[1]: 1,  # no ready one: the newest
        single: 0,
    }
