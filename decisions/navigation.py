"""The decisions stage's menu links, navigation sections and start page; registered from `AppConfig.ready()`."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliances.models import current_cycle
from portal.navigation import register_nav_link, register_sections, register_start_page
from portal.rules import is_alliance_manager, is_ministry, is_staff_reader


def _dashboard(request):
    cycle = current_cycle()
    return reverse("decisions:dashboard", args=[cycle.slug]) if cycle else None


def register_navigation():
    """The ministry's dashboard and an alliance's own decisions."""
    register_nav_link(
        "decisions:my_decisions",
        label=_("Förderentscheidung"),
        section="my_decisions",
        order=40,
        shown_to=is_alliance_manager,
    )
    register_nav_link(
        "decisions:current_dashboard", label=_("Dashboard"), section="decisions", order=130, shown_to=is_staff_reader
    )
    register_sections(
        "decisions", lambda name: "my_decisions" if name in {"my_decisions", "alliance_decision"} else "decisions"
    )
    register_start_page(shown_to=is_ministry, url=_dashboard)
