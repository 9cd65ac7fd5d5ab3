"""Who may request and download which dossier. Anyone without a right to the subject gets 404."""

import rules

from decisions.models import DecisionStatus
from dossiers.models import DossierKind
from portal.models import Role
from reviews.models import AssignmentStatus


def _may_read_letter(user, strategy):
    """The ministry and the programme office always; the alliance's own managers once a decision is released."""
    if user.role in (Role.MINISTRY, Role.PROGRAMME_OFFICE):
        return True
    if user.role == Role.ALLIANCE_MANAGER:
        return (
            strategy.alliance.memberships.filter(user=user).exists()
            and strategy.decisions.filter(status=DecisionStatus.RELEASED).exists()
        )
    return False


def may_read(user, *, kind, strategy=None):
    if not (user and user.is_authenticated and user.is_active):
        return False
    if kind in (DossierKind.EVALUATION, DossierKind.CYCLE_REPORT, DossierKind.CYCLE_ARCHIVE):
        return user.role == Role.MINISTRY
    if kind == DossierKind.DECISION_LETTER:
        return _may_read_letter(user, strategy)
    if user.role in (Role.MINISTRY, Role.PROGRAMME_OFFICE):
        return True
    if user.role == Role.ALLIANCE_MANAGER:
        return strategy.alliance.memberships.filter(user=user).exists()
    if user.role == Role.EXPERT:
        return strategy.assignments.filter(expert=user, status=AssignmentStatus.CLEARED).exists()
    return False


@rules.predicate
def may_read_dossier(user, dossier):
    return dossier is not None and may_read(user, kind=dossier.kind, strategy=dossier.strategy)


rules.add_perm("dossiers.read_dossier", may_read_dossier)
