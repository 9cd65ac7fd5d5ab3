"""Assigning experts to submitted strategies, one at a time or as one unit, and withdrawing an assignment."""

import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import Strategy, StrategyStatus
from alliances.services import bump_figures_version
from portal.models import NotificationKind, Role, User
from portal.notifications import send_notification
from reviews import validators
from reviews.exceptions import AssignmentRefused
from reviews.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, ReviewStatus
from reviews.scoring import refresh_score_summaries
from reviews.selectors import conflict_flags
from reviews.services.policy import policy_for


def _next_pseudonym(strategy):
    taken = set(Assignment.objects.filter(strategy=strategy).values_list("pseudonym", flat=True))
    for letter in string.ascii_uppercase:
        if letter not in taken:
            return letter
    raise AssignmentRefused(_("Für diese Strategie sind keine weiteren Kennungen frei."))


def _active_load(expert, cycle):
    return Assignment.objects.active().filter(expert=expert, strategy__cycle=cycle).count()


def _assign(*, strategy, expert, user, override_reason, policy):
    # Locking the expert serialises assignments to them, so two runs cannot both pass the load cap.
    expert = User.objects.select_for_update().get(pk=expert.pk)
    if expert.role != Role.EXPERT or not expert.is_active:
        raise AssignmentRefused(_("%(who)s ist nicht als Gutachter/in registriert.") % {"who": expert})
    if strategy.status != StrategyStatus.SUBMITTED:
        raise AssignmentRefused(
            _("Die Strategie von %(alliance)s ist noch nicht eingereicht.") % {"alliance": strategy.alliance.name}
        )
    existing = Assignment.objects.filter(strategy=strategy, expert=expert).first()
    if existing and existing.status in ACTIVE_ASSIGNMENT_STATUSES:
        raise AssignmentRefused(_("%(who)s ist dieser Strategie bereits zugewiesen.") % {"who": expert})
    if existing and existing.status == AssignmentStatus.CONFLICTED:
        raise AssignmentRefused(validators.DECLARED_CONFLICT % {"who": expert, "alliance": strategy.alliance.name})
    if _active_load(expert, strategy.cycle) >= policy.load_cap:
        raise AssignmentRefused(
            _("%(who)s hat bereits die Höchstzahl von %(cap)s Strategien.") % {"who": expert, "cap": policy.load_cap}
        )
    flags = conflict_flags(expert=expert, strategy=strategy)
    override_reason = (override_reason or "").strip()
    if flags and not override_reason:
        raise AssignmentRefused(
            _("Hinweis auf Befangenheit (%(flags)s) – eine Zuweisung ist nur mit schriftlicher Begründung möglich.")
            % {"flags": " ".join(flags)}
        )
    if existing:
        assignment = existing
        assignment.status = AssignmentStatus.AWAITING_DECLARATION
        assignment.assigned_by, assignment.assigned_at = user, timezone.now()
        assignment.conflict_flags, assignment.override_reason = flags, override_reason if flags else ""
    else:
        assignment = Assignment(
            strategy=strategy,
            expert=expert,
            assigned_by=user,
            conflict_flags=flags,
            override_reason=override_reason if flags else "",
            pseudonym=_next_pseudonym(strategy),
        )
    assignment._history_user = user
    if flags:
        assignment._change_reason = _("Zuweisung trotz Hinweis: %(reason)s") % {"reason": override_reason}
    assignment.save()
    bump_figures_version(cycle_id=strategy.cycle_id)
    send_notification(
        recipients=[expert],
        kind=NotificationKind.ASSIGNMENT,
        subject=_("Neue Begutachtung: %(alliance)s") % {"alliance": strategy.alliance.name},
        template="reviews/email/assigned",
        context={"assignment": assignment, "strategy": strategy},
        cause=assignment,
        cause_url=reverse("reviews:assignment", args=[assignment.pk]),
    )
    return assignment


@transaction.atomic
def assign_expert(*, strategy, expert, user, override_reason=""):
    """Assigns one expert to a submitted strategy.

    Side effects: creates the Assignment (history keeps a conflict override and its reason)
    and e-mails the expert. Raises AssignmentRefused (not an expert, not submitted, load cap,
    already assigned, flagged conflict without justification).
    """
    strategy = Strategy.objects.select_for_update().select_related("cycle", "alliance").get(pk=strategy.pk)
    return _assign(
        strategy=strategy, expert=expert, user=user, override_reason=override_reason, policy=policy_for(strategy.cycle)
    )


@transaction.atomic
def assign_many(*, pairs, user):
    """Applies a previewed set of assignments as one unit: all or nothing.

    `pairs` are (strategy, expert, override_reason). Side effects as assign_expert, per pair.
    """
    created = []
    for strategy, expert, override_reason in pairs:
        locked = Strategy.objects.select_for_update().select_related("cycle", "alliance").get(pk=strategy.pk)
        created.append(
            _assign(
                strategy=locked,
                expert=expert,
                user=user,
                override_reason=override_reason,
                policy=policy_for(locked.cycle),
            )
        )
    return created


@transaction.atomic
def withdraw_assignment(*, assignment, user, reason):
    """The programme office ends an assignment; a submitted review cannot be withdrawn.

    Side effects: the assignment becomes "zurückgezogen" (frees the expert's slot), kept in history with the
    reason; refreshes the strategy's score summary; e-mails the expert the reason. Raises ValidationError
    without a reason, for a submitted review, or for an assignment that has already ended.
    """
    reason = validators.required_reason(reason, validators.WITHDRAW_REASON_MISSING)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("strategy__alliance", "strategy__cycle", "expert")
        .get(pk=assignment.pk)
    )
    if assignment.reviews.filter(status=ReviewStatus.SUBMITTED).exists():
        raise ValidationError(_("Ein abgegebenes Gutachten kann nicht zurückgezogen werden."))
    if assignment.status not in ACTIVE_ASSIGNMENT_STATUSES:
        raise ValidationError(_("Diese Zuweisung ist bereits beendet."))
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment._history_user = user
    assignment._change_reason = reason
    assignment.save()
    bump_figures_version(cycle_id=assignment.strategy.cycle_id)
    refresh_score_summaries(strategy_ids=[assignment.strategy_id])
    strategy = assignment.strategy
    send_notification(
        recipients=[assignment.expert],
        kind=NotificationKind.ASSIGNMENT,
        subject=_("Begutachtung zurückgezogen: %(alliance)s") % {"alliance": strategy.alliance.name},
        template="reviews/email/withdrawn",
        context={"assignment": assignment, "strategy": strategy, "reason": reason},
        cause=assignment,
        cause_url=reverse("reviews:my_assignments"),
    )
    return assignment
