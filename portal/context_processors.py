from portal.models import Role


def nav_section(view_name):
    """The main-navigation section a URL name belongs to (compared in partials/nav_links.html), or None.

    Sections follow the app namespaces; the few names that live in one app but sit under another menu
    entry (questions, FAQ, cycle settings, an alliance's own decisions, the outbox) are picked out here.
    """
    namespace, _sep, name = (view_name or "").rpartition(":")
    if namespace == "alliances":
        if name == "my_questions" or name.startswith("question"):
            return "questions"
        if name.startswith("faq"):
            return "faq"
        if name.endswith("cycle_settings"):
            return "cycle_settings"
        return "alliances"
    if namespace == "reviews":
        return "reviews"
    if namespace == "decisions":
        return "my_decisions" if name in {"my_decisions", "alliance_decision"} else "decisions"
    if not namespace and name.startswith("outbox"):
        return "outbox"
    if not namespace and name == "home":
        return "alliances"
    return None


def portal(request):
    """Exposes the signed-in user's role, the current navigation section and the notification kinds the role
    is sent (the notification settings offer only those; the form itself cannot see the user) to templates."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user and user.is_authenticated else None
    match = getattr(request, "resolver_match", None)
    return {"user_role": role, "Role": Role, "nav_section": nav_section(match.view_name if match else None)}
