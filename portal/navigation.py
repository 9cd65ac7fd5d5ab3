"""The main navigation and each user's start page, filled by the stages.

`portal` knows no stage: each stage registers its menu links, the navigation sections of its URL names and the
start pages of the users it serves from its `AppConfig.ready()`, through `register_navigation()` in the stage's
own `navigation.py` (`alliances/navigation.py`, `reviews/navigation.py`, `decisions/navigation.py`). The template
asks whether a link is shown through the link's predicate (a permission), never through a role name.

Links appear by their `order` number, whichever app registers them; start pages are tried in the order they
were registered, which is the order of INSTALLED_APPS. Only the portal's own pages are registered here.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.rules import is_admin, is_programme_office


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


# --- The portal's own registrations, called from PortalConfig.ready() ------------------------------------------


def register_portal():
    """The portal's own pages: the outbox of the programme office and the admin's start page."""
    register_nav_link("outbox", label=_("Postausgang"), section="outbox", order=160, shown_to=is_programme_office)
    register_nav_link(
        "locked_accounts",
        label=_("Gesperrte Konten"),
        section="accounts",
        order=170,
        shown_to=is_programme_office | is_admin,
    )
    register_nav_link("erasure_queue", label=_("Löschanträge"), section="erasure", order=175, shown_to=is_admin)
    # The home page itself is the staff's overview of the alliances (it redirects there).
    register_sections(
        "",
        lambda name: (
            "outbox"
            if name.startswith("outbox")
            else "accounts"
            if name in ("locked_accounts", "unlock_account")
            else "erasure"
            if name in ("erasure_queue", "erasure_decide")
            else "alliances"
            if name == "home"
            else None
        ),
    )
    register_start_page(shown_to=is_admin, url=lambda request: reverse("admin:index"))
