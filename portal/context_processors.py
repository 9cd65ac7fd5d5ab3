from portal.models import Role
from portal.navigation import nav_links, nav_section


def portal(request):
    """The main navigation (links the user may follow, the current section) for every page.

    `user_role` and `Role` remain only for templates of the stages that still compare role names; templates ask
    permissions instead (`perms`, `has_perm`), and both names go once no template uses them.
    """
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else None
    return {
        "user_role": user.role if signed_in else None,
        "Role": Role,
        "nav_section": nav_section(view_name),
        "nav_links": nav_links(user, view_name) if signed_in else [],
    }
