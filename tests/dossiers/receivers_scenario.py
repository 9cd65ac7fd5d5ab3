"""Walks a strategy from submission to a released decision in a fresh process, after a garbage collection.

Run by tests/dossiers/test_receivers.py with production settings. Prints one JSON object: what the
receivers set going (dossiers by kind, resubmission notices).
"""

import gc
import json
import sys

import django

django.setup()
# Receivers that are only weakly referenced are gone after this; production runs long enough to collect them.
gc.collect()

from django.conf import settings  # noqa: E402

# No SMTP relay in the test: messages stay in memory, the outbox rows are what counts.
settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

from alliances import services as alliance_services  # noqa: E402
from decisions import services as decision_services  # noqa: E402
from dossiers.models import Dossier  # noqa: E402
from portal.models import NotificationKind, OutgoingMessage, Role  # noqa: E402
from tests.factories import (  # noqa: E402
    AllianceFactory,
    EvaluationCycleFactory,
    UserFactory,
    cleared_assignment,
    decision_content,
    manager_of,
    ministry_user,
    programme_rubric,
    submitted_strategy,
)


def kinds(strategy):
    return sorted(Dossier.objects.filter(strategy=strategy).values_list("kind", flat=True).distinct())


cycle = EvaluationCycleFactory()
programme_rubric(cycle)
alliance = AllianceFactory()
manager = manager_of(alliance)
strategy, _first = submitted_strategy(cycle, alliance, manager)
after_submission = kinds(strategy)

office = UserFactory(role=Role.PROGRAMME_OFFICE)
assignment = cleared_assignment(strategy)
alliance_services.reopen_submission(strategy=strategy, user=office, reason="Budget fehlt.")
strategy.refresh_from_db()
alliance_services.submit_strategy(strategy=strategy, user=manager)
notices = OutgoingMessage.objects.filter(kind=NotificationKind.RESUBMISSION, recipient=assignment.expert).count()

bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
decision = decision_services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())
decision = decision_services.confirm_decision(decision=decision, user=bmbf2)
after_confirmation = kinds(strategy)
decision_services.release_decision(decision=decision, user=bmbf1)
after_release = kinds(strategy)

json.dump(
    {
        "debug": settings.DEBUG,
        "after_submission": after_submission,
        "resubmission_notices": notices,
        "after_confirmation": after_confirmation,
        "after_release": after_release,
    },
    sys.stdout,
)
