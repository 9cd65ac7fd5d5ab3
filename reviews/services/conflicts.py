"""The expert's conflict-of-interest declaration (the hints themselves are read by selectors.conflict_flags)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.services import bump_figures_version
from portal.models import NotificationKind, Role, User
from portal.notifications import send_notification
from reviews import validators
from reviews.models import Assignment, AssignmentStatus, ConflictType


@transaction.atomic
def declare_conflict(*, assignment, user, has_conflict, conflict_type="", explanation="", now=None):
    """Records the expert's conflict-of-interest declaration.

    No conflict clears the assignment, so the strategy's documents become visible to the expert.
    A conflict ends the assignment, frees the slot and e-mails the programme office.
    """
    now = now or timezone.now()
    assignment = Assignment.objects.select_for_update().select_related("strategy__alliance").get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.AWAITING_DECLARATION:
        raise ValidationError(_("Die Erklärung wurde bereits abgegeben."))
    assignment.declared_at = now
    assignment.last_activity_at = now
    assignment._history_user = user
    if has_conflict:
        if conflict_type not in ConflictType.values:
            raise ValidationError(validators.CONFLICT_TYPE_MISSING)
        if not (explanation or "").strip():
            raise ValidationError(validators.CONFLICT_EXPLANATION_MISSING)
        assignment.status = AssignmentStatus.CONFLICTED
        assignment.conflict_type = conflict_type
        assignment.conflict_explanation = explanation.strip()
        assignment.save()
        send_notification(
            recipients=list(User.objects.filter(role=Role.PROGRAMME_OFFICE, is_active=True)),
            kind=NotificationKind.CONFLICT_DECLARED,
            subject=_("Befangenheit erklärt: %(alliance)s") % {"alliance": assignment.strategy.alliance.name},
            template="reviews/email/conflict_declared",
            context={"assignment": assignment},
            cause=assignment,
            cause_url=reverse("reviews:office_assignments", args=[assignment.strategy.cycle.slug]),
        )
    else:
        assignment.status = AssignmentStatus.CLEARED
        assignment.save()
    bump_figures_version(cycle_id=assignment.strategy.cycle_id)
    return assignment
