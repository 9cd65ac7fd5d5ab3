from portal.navigation import nav_links, nav_section


def portal(request):
    """The main navigation (links the user may follow, the current section) for every page.

    No role names: templates ask permissions (`perms`, `has_perm`), never which role a user has.
    """
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else None
    return {
        "nav_section": nav_section(view_name),
        "nav_links": nav_links(user, view_name) if signed_in else [],
    }
