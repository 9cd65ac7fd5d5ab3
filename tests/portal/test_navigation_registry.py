"""Each stage registers its own menu links; the registry in portal names none of them, and the order holds."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from portal.models import Role
from portal.navigation import nav_links
from tests.factories import UserFactory

LATER_STAGES = ["alliances", "reviews", "decisions", "dossiers"]
STAFF_LINKS = ["Übersicht der Bündnisse", "Begutachtung", "Dashboard", "Fragen", "Einstellungen der Runde"]


def test_the_portal_navigation_names_no_stage_url_namespace():
    tree = ast.parse((Path(settings.BASE_DIR) / "portal" / "navigation.py").read_text())
    names = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert not [name for name in names if name.split(":", 1)[0] in LATER_STAGES and ":" in name]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "labels"),
    [
        (Role.ALLIANCE_MANAGER, ["Unsere Strategie", "Fragen und Antworten", "FAQ", "Förderentscheidung"]),
        (Role.PROGRAMME_OFFICE, [*STAFF_LINKS, "Postausgang", "Gesperrte Konten"]),
        (Role.MINISTRY, STAFF_LINKS),
    ],
)
def test_the_menu_keeps_its_order_across_the_stages(role, labels):
    assert [str(link["label"]) for link in nav_links(UserFactory(role=role), None)] == labels
