"""Reads about funding decisions that several views, services and later stages share."""

from decimal import Decimal

from django.db.models import Sum

from decisions.models import DecisionStatus, FundingDecision


def requested_amount(strategy):
    """The sum of the budget plan in the strategy's latest submission (0 before the first submission)."""
    return requested_in(strategy.latest_submission)


def requested_in(submission):
    """The sum of the budget plan in `submission` (a strategy's latest, already loaded; None counts 0)."""
    return submission.budget_total if submission else Decimal("0")


def confirmed_sum(cycle, exclude=None):
    """The granted sum of the cycle's decisions in force (confirmed or released), without `exclude`."""
    queryset = FundingDecision.objects.counting_against_budget().filter(strategy__cycle=cycle)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.aggregate(total=Sum("granted_amount"))["total"] or Decimal("0")


def releasable(cycle):
    """The cycle's confirmed decisions in force that are not released yet: what "release all" would release."""
    return FundingDecision.objects.filter(strategy__cycle=cycle, status=DecisionStatus.CONFIRMED, is_current=True)


def decision_in_effect(strategy):
    """The strategy's newest decision that is neither withdrawn nor replaced (proposed, confirmed or released)."""
    return FundingDecision.objects.filter(strategy=strategy).in_effect().order_by("-proposed_at").first()


def decision_awaiting_release(strategy):
    """The decision whose letter would go out next: a proposal (also a correction of a released decision) waiting for
    confirmation, else the confirmed decision in force that is not released yet; None when there is neither."""
    proposal = FundingDecision.objects.filter(strategy=strategy, status=DecisionStatus.PROPOSED)
    in_force = FundingDecision.objects.filter(strategy=strategy, status=DecisionStatus.CONFIRMED, is_current=True)
    return (
        proposal.select_related("strategy__alliance", "strategy__cycle", "supersedes").order_by("-proposed_at").first()
        or in_force.select_related("strategy__alliance", "strategy__cycle", "supersedes").first()
    )


def released_decision(strategy):
    """The strategy's decision as the alliance last received it: the most recently released one."""
    return (
        FundingDecision.objects.filter(strategy=strategy)
        .released()
        .select_related("strategy__alliance", "strategy__cycle", "supersedes")
        .order_by("-released_at", "-pk")
        .first()
    )
