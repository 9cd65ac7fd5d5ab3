"""The alliances stage's menu links, navigation sections and start pages; registered from `AppConfig.ready()`."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliances.models import current_cycle
from portal.navigation import register_nav_link, register_sections, register_start_page
from portal.rules import is_alliance_manager, is_programme_office, is_staff_reader


def _section(name):
    if name == "my_questions" or name.startswith("question"):
        return "questions"
    if name.startswith("faq"):
        return "faq"
    if name.endswith("cycle_settings"):
        return "cycle_settings"
    return "alliances"


def _overview(request):
    cycle = current_cycle()
    return reverse("alliances:overview", args=[cycle.slug]) if cycle else None


def register_navigation():
    """Strategies, questions, FAQ and cycle settings; the home page is the staff's overview of the alliances."""
    manager, staff = is_alliance_manager, is_staff_reader
    register_nav_link(
        "alliances:my_strategies", label=_("Unsere Strategie"), section="alliances", order=10, shown_to=manager
    )
    register_nav_link(
        "alliances:my_questions", label=_("Fragen und Antworten"), section="questions", order=20, shown_to=manager
    )
    register_nav_link("alliances:faq_current", label=_("FAQ"), section="faq", order=30, shown_to=manager)
    register_nav_link("home", label=_("Übersicht der Bündnisse"), section="alliances", order=110, shown_to=staff)
    register_nav_link("alliances:question_queue", label=_("Fragen"), section="questions", order=140, shown_to=staff)
    register_nav_link(
        "alliances:current_cycle_settings",
        label=_("Einstellungen der Runde"),
        section="cycle_settings",
        order=150,
        shown_to=staff,
    )
    register_sections("alliances", _section)
    register_start_page(shown_to=manager, url=lambda request: reverse("alliances:my_strategies"))
    register_start_page(shown_to=is_programme_office, url=_overview)
