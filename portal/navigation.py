"""The main navigation and each user's start page, filled by the stages.

`portal` knows no stage: each stage registers its menu links, the navigation sections of its URL names and the
start pages of the users it serves, in its `AppConfig.ready()`. The template asks whether a link is shown through
the link's predicate (a permission), never through a role name.

Each stage's `AppConfig.ready()` calls its `register_<stage>()` below (`PortalConfig.ready()` calls
`register_portal()`). The bodies still live here, side by side, so the menu's order reads in one place; a stage
passes in what portal may not import (e.g. `current_cycle`).
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.rules import is_admin, is_alliance_manager, is_expert, is_ministry, is_programme_office, is_staff_reader


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: str
    section: str
    order: int
    shown_to: object  # a rules predicate of the user


@dataclass(frozen=True)
class StartPage:
    shown_to: object  # a rules predicate of the user
    url: object  # callable(request) -> URL, or None when the user has nowhere to go yet


_links = {}
_sections = {}
_start_pages = []


def register_nav_link(url_name, *, label, section, order, shown_to):
    """Adds a main-menu link; links appear in `order`. Registering the same URL name again replaces it."""
    _links[url_name] = NavLink(url_name, label, section, order, shown_to)


def register_sections(namespace, section_of):
    """`section_of(name)` names the navigation section of a URL name in `namespace` ("" for none), or None."""
    _sections[namespace] = section_of


def register_start_page(*, shown_to, url):
    """The first registered start page whose predicate holds is where the home page sends the user."""
    _start_pages.append(StartPage(shown_to, url))


def nav_section(view_name):
    """The main-navigation section a URL name belongs to, or None."""
    namespace, _sep, name = (view_name or "").rpartition(":")
    section_of = _sections.get(namespace)
    return section_of(name) if section_of else None


def nav_links(user, view_name):
    """The main-menu links `user` may follow, in order, each with whether it is the current section's link."""
    current = nav_section(view_name)
    return [
        {"url": reverse(link.url_name), "label": link.label, "current": current is not None and link.section == current}
        for link in sorted(_links.values(), key=lambda link: link.order)
        if link.shown_to(user)
    ]


def start_page(request):
    """The URL the home page redirects `request.user` to, or None (the home page then shows a notice)."""
    for page in _start_pages:
        if page.shown_to(request.user):
            return page.url(request)
    return None


# --- The stages' registrations, to be called from their AppConfig.ready() --------------------------------------


def register_portal():
    """The portal's own pages: the outbox of the programme office and the admin's start page."""
    register_nav_link("outbox", label=_("Postausgang"), section="outbox", order=160, shown_to=is_programme_office)
    # The home page itself is the staff's overview of the alliances (it redirects there).
    register_sections(
        "", lambda name: "outbox" if name.startswith("outbox") else "alliances" if name == "home" else None
    )
    register_start_page(shown_to=is_admin, url=lambda request: reverse("admin:index"))


def _alliance_section(name):
    if name == "my_questions" or name.startswith("question"):
        return "questions"
    if name.startswith("faq"):
        return "faq"
    if name.endswith("cycle_settings"):
        return "cycle_settings"
    return "alliances"


def register_alliances(*, current_cycle):
    """Strategies, questions, FAQ and cycle settings. `current_cycle()` is the cycle users work in, or None."""
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
    register_sections("alliances", _alliance_section)
    register_start_page(shown_to=manager, url=lambda request: reverse("alliances:my_strategies"))

    def overview(request):
        cycle = current_cycle()
        return reverse("alliances:overview", args=[cycle.slug]) if cycle else None

    register_start_page(shown_to=is_programme_office, url=overview)


def register_reviews():
    """The experts' reviews and the programme office's review pages."""
    register_nav_link(
        "reviews:my_assignments", label=_("Meine Begutachtungen"), section="reviews", order=10, shown_to=is_expert
    )
    register_nav_link(
        "reviews:office_home", label=_("Begutachtung"), section="reviews", order=120, shown_to=is_staff_reader
    )
    register_sections("reviews", lambda name: "reviews")
    register_start_page(shown_to=is_expert, url=lambda request: reverse("reviews:my_assignments"))


def register_decisions(*, current_cycle):
    """The ministry's dashboard and an alliance's own decisions. `current_cycle()` as in register_alliances."""
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

    def dashboard(request):
        cycle = current_cycle()
        return reverse("decisions:dashboard", args=[cycle.slug]) if cycle else None

    register_start_page(shown_to=is_ministry, url=dashboard)
