"""Role predicates every app builds its permissions from."""

import rules
from django.core.exceptions import PermissionDenied

from portal.models import Role


def _has_role(role):
    @rules.predicate(name=f"is_{role}")
    def predicate(user):
        return bool(user and user.is_authenticated and user.is_active and user.role == role)

    return predicate


is_alliance_manager = _has_role(Role.ALLIANCE_MANAGER)
is_expert = _has_role(Role.EXPERT)
is_programme_office = _has_role(Role.PROGRAMME_OFFICE)
is_ministry = _has_role(Role.MINISTRY)
is_admin = _has_role(Role.ADMIN)

# Programme office and ministry read across all alliances.
is_staff_reader = is_programme_office | is_ministry


@rules.predicate
def is_superuser(user):
    return bool(user and user.is_authenticated and user.is_superuser)


# Whoever decides about funding, runs the process or administers accounts signs in with a second factor.
needs_second_factor = is_programme_office | is_ministry | is_admin | is_superuser
rules.add_rule("needs_second_factor", needs_second_factor)


@rules.predicate
def has_second_factor(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk).exists()


rules.add_rule("needs_second_factor_setup", needs_second_factor & ~has_second_factor)
rules.add_perm("portal.read_outbox", is_programme_office)
rules.add_perm("portal.unlock_account", is_programme_office | is_admin)
# Everyone signed in may ask for the erasure of their own account; the admins decide (portal.privacy.erasure).
rules.add_perm("portal.request_erasure", rules.is_authenticated & rules.is_active)
rules.add_perm("portal.decide_erasure", is_admin)
# Everyone signed in searches; what a search finds is limited by each kind's scope (portal.search.registry).
rules.add_perm("portal.search", rules.is_authenticated & rules.is_active)
# Staff search from a box in the page header; everyone else reaches the search page through a header link. A rule,
# not a permission: every page asks, and a "no" from Django's permission backends would cost two queries.
rules.add_rule("portal.search_from_header", is_staff_reader)


def require_permission(user, perm, obj=None):
    """Raises PermissionDenied (403) unless `user` holds `perm` (on `obj`, if given)."""
    # rules.has_perm, not user.has_perm: superusers get no implicit access to portal pages.
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied
