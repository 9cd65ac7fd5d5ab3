from portal.models import Role


def portal(request):
    """Exposes the signed-in user's role to the base templates for navigation."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user and user.is_authenticated else None
    return {"user_role": role, "Role": Role}
