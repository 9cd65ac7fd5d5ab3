"""The permission matrix of the routes no stage's matrix covered: the portal's own pages, the submission receipt,
the ministry dashboard and its exports, and the dossier panel, retry and cycle requests.

Every route × anonymous and each role. Out-of-scope objects answer 404, a wrong role 403, an anonymous visitor
goes to the login page unless the page is public. tests/permission_routes.py lists these routes against this test.
"""

import pytest
from django.urls import reverse

from dossiers.models import DossierKind
from portal.models import MessageStatus, NotificationKind, OutgoingMessage
from tests.factories import (
    AllianceFactory,
    EvaluationCycleFactory,
    manager_of,
    ready_dossier,
    role_actors,
    submitted_strategy,
)
from tests.helpers import (
    LOGIN,
    MATRIX_CASE,
    assert_status,
    matrix_cases,
    request_as,
)

pytestmark = pytest.mark.django_db

# A role that may never read a kind of dossier gets 403 (dossiers/rules.py).
DOSSIER_WRONG_ROLE = 403
W = DOSSIER_WRONG_ROLE
# URL name, method, expected status per actor in the order of ROLE_ACTORS.
MATRIX = [
    ("home", "get", [LOGIN, 302, 302, 302, 302, 302]),
    ("health", "get", [200, 200, 200, 200, 200, 200]),
    ("privacy_notice", "get", [200, 200, 200, 200, 200, 200]),
    ("accessibility_statement", "get", [200, 200, 200, 200, 200, 200]),
    ("easy_read", "get", [200, 200, 200, 200, 200, 200]),
    ("outbox", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("outbox_message", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("outbox_retry", "post", [LOGIN, 403, 403, 302, 403, 403]),
    ("notification_preferences", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("notification_preferences", "post", [LOGIN, 302, 302, 302, 302, 302]),
    ("set_language", "post", [302, 302, 302, 302, 302, 302]),
    ("alliances:submission", "get", [LOGIN, 200, 403, 200, 200, 403]),
    ("decisions:current_dashboard", "get", [LOGIN, 403, 403, 302, 302, 403]),
    ("decisions:dashboard", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("decisions:export_csv", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("decisions:export_xlsx", "get", [LOGIN, 403, 403, 200, 200, 403]),
    # A strategy dossier: its alliance's managers, the programme office and the ministry read it.
    ("dossiers:panel", "get", [LOGIN, 200, 404, 200, 200, W]),
    ("dossiers:retry", "post", [LOGIN, 302, 404, 302, 302, W]),
    # The cycle report is the ministry's alone.
    ("dossiers:request_cycle", "post", [LOGIN, W, W, W, 302, W]),
    # "Meine Daten": every signed-in person, each their own; the record of processing activities for admins.
    ("my_data", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("my_data_json", "get", [LOGIN, 200, 200, 200, 200, 200]),
    ("dossiers:request_personal_data", "post", [LOGIN, 302, 302, 302, 302, 302]),
    ("dossiers:privacy_record", "get", [LOGIN, W, W, W, W, 200]),
    ("dossiers:request_privacy_record", "post", [LOGIN, W, W, W, W, 302]),
]


@pytest.fixture(scope="module")
def world(built_once):
    """One submitted strategy with its dossier and a failed e-mail, and the actors; built once for the module."""
    alliance = AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz")
    return build_world(EvaluationCycleFactory(), alliance, role_actors(manager=manager_of(alliance)))


def build_world(cycle, alliance, actors):
    strategy, submission = submitted_strategy(cycle, alliance, manager=actors["manager"])
    dossier = ready_dossier(kind=DossierKind.STRATEGY, cycle=cycle, strategy=strategy)
    message = OutgoingMessage.objects.create(
        recipient=actors["manager"],
        recipient_email=actors["manager"].email,
        kind=NotificationKind.SUBMISSION_RECEIPT,
        subject="Eingangsbestätigung",
        body_text="Ihre Strategie ist eingegangen.",
        body_html="<p>Ihre Strategie ist eingegangen.</p>",
        status=MessageStatus.FAILED,
    )
    return {
        "cycle": cycle,
        "strategy": strategy,
        "submission": submission,
        "dossier": dossier,
        "message": message,
        "actors": actors,
    }


def url_for(name, world):
    cycle, strategy = world["cycle"].slug, world["strategy"]
    args = {
        "outbox_message": [world["message"].pk],
        "outbox_retry": [world["message"].pk],
        "alliances:submission": [cycle, strategy.alliance.slug, world["submission"].number],
        "decisions:dashboard": [cycle],
        "decisions:export_csv": [cycle],
        "decisions:export_xlsx": [cycle],
        "dossiers:retry": [world["dossier"].public_id],
        "dossiers:panel": [DossierKind.STRATEGY, cycle, strategy.alliance.slug],
        "dossiers:request_cycle": [DossierKind.CYCLE_REPORT, cycle],
    }.get(name, [])
    return reverse(name, args=args)


DATA = {
    "set_language": {"language": "de", "next": "/"},
}


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_portal_permission_matrix(client, world, name, method, actor, want):
    url = url_for(name, world)
    response = request_as(client, world["actors"][actor], method, url, DATA.get(name))
    assert_status(response, want, f"{actor} {method.upper()} {url}")
