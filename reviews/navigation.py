"""The reviews stage's menu links, navigation section and start page; registered from `AppConfig.ready()`."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.navigation import register_nav_link, register_sections, register_start_page
from portal.rules import is_expert, is_staff_reader


def register_navigation():
    """The experts' reviews and the programme office's review pages."""
    register_nav_link(
        "reviews:my_assignments", label=_("Meine Begutachtungen"), section="reviews", order=10, shown_to=is_expert
    )
    register_nav_link(
        "reviews:my_jury_sessions",
        label=_("Meine Jurysitzungen"),
        section="jury",
        order=15,
        shown_to=is_expert,
    )
    register_nav_link(
        "reviews:office_home", label=_("Begutachtung"), section="reviews", order=120, shown_to=is_staff_reader
    )
    # Jury mode's pages are their own section, so "Meine Begutachtungen" is not marked current there.
    register_sections(
        "reviews", lambda name: "jury" if name.startswith("jury") or name == "my_jury_sessions" else "reviews"
    )
    register_start_page(shown_to=is_expert, url=lambda request: reverse("reviews:my_assignments"))
