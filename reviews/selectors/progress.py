"""Reads of review progress: done and outstanding reviews, the assignment matrix, conflict hints."""

from django.db.models import Count, F, Max, Prefetch, Q
from django.utils.translation import gettext as _

from alliances.models import AlliancePartner, FederalState, Strategy
from portal.models import Role, User
from reviews.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    ExpertProfile,
)

# --- Progress -----------------------------------------------------------------------------------------------


def reviews_complete(strategy):
    """Every active assignment has submitted a review of the latest snapshot."""
    active = strategy.assignments.active()
    if strategy.latest_submission is None or not active.exists():
        return False
    return not active.outstanding().exists()


def experts_with_outstanding_reviews(cycle):
    """Experts and their count of active assignments whose review is not done (Assignment.is_done)."""
    outstanding = {}
    for assignment in Assignment.objects.filter(strategy__cycle=cycle).outstanding().select_related("expert"):
        outstanding[assignment.expert] = outstanding.get(assignment.expert, 0) + 1
    return outstanding


# --- Assignments and progress -------------------------------------------------------------------------------


def _email_domain(email):
    return email.rsplit("@", 1)[-1].lower() if "@" in email else ""


def _same_organisation(first, second):
    """Equal names, or one contained in the other when the shorter is specific enough ("TU" is not)."""
    if not first or not second:
        return False
    shorter, longer = sorted((first, second), key=len)
    return shorter == longer or (len(shorter) >= 8 and shorter in longer)


def conflict_flags(*, expert, strategy, profile=None, partners=None, alliance_state_ids=None):
    """Likely conflicts of interest between an expert and an alliance, each as a German reason."""
    alliance = strategy.alliance
    profile = profile if profile is not None else ExpertProfile.objects.filter(user=expert).first()
    partners = partners if partners is not None else list(alliance.partners.all())
    state_ids = alliance_state_ids if alliance_state_ids is not None else {s.pk for s in alliance.states.all()}
    flags = []
    affiliation = (profile.affiliation if profile else "").strip().lower()
    domains = {_email_domain(expert.email)} | (
        {profile.email_domain.lower()} if profile and profile.email_domain else set()
    )
    for partner in partners:
        name = partner.name.strip().lower()
        if _same_organisation(affiliation, name):
            flags.append(_("Organisation „%(org)s“ ist Bündnispartner.") % {"org": partner.name})
        elif partner.email_domain and partner.email_domain.lower() in domains:
            flags.append(
                _("E-Mail-Domain %(domain)s gehört zum Bündnispartner „%(org)s“.")
                % {"domain": partner.email_domain, "org": partner.name}
            )
    if profile and profile.federal_state_id and profile.federal_state_id in state_ids:
        flags.append(_("Gleiches Bundesland: %(state)s.") % {"state": profile.federal_state.name})
    if profile:
        targets = [alliance.name.lower(), alliance.acronym.lower()] + [p.name.lower() for p in partners]
        flags.extend(
            _("Erklärte Verbindung: %(tie)s.") % {"tie": tie}
            for tie in profile.ties()
            if any(_same_organisation(tie.lower(), target) for target in targets)
        )
    return flags


def submitted_strategies_for_office(cycle):
    """The cycle's submitted strategies with their partners and states, by alliance name."""
    return (
        Strategy.objects.submitted()
        .filter(cycle=cycle)
        .select_related("alliance")
        .prefetch_related(
            Prefetch("alliance__partners", queryset=AlliancePartner.objects.order_by("name")),
            Prefetch("alliance__states", queryset=FederalState.objects.order_by("name")),
        )
        .order_by("alliance__name")
    )


def active_experts():
    return (
        User.objects.filter(role=Role.EXPERT, is_active=True)
        .select_related("expert_profile__federal_state")
        .order_by("full_name", "email")
    )


def assignment_matrix(cycle):
    """Rows of submitted strategies × active experts, each cell with its assignment or the conflict hints, and
    the experts with their active load: ({"strategy", "cells", "count"} rows, {"expert", "load"} columns)."""
    strategies = list(submitted_strategies_for_office(cycle))
    experts = list(active_experts())
    existing = {
        (a.strategy_id, a.expert_id): a
        for a in Assignment.objects.filter(strategy__cycle=cycle).only(
            "id", "strategy_id", "expert_id", "status", "pseudonym", "conflict_flags"
        )
    }
    load = {expert.pk: 0 for expert in experts}
    per_strategy = {strategy.pk: 0 for strategy in strategies}
    for (strategy_id, expert_id), assignment in existing.items():
        if assignment.status in ACTIVE_ASSIGNMENT_STATUSES:
            load[expert_id] = load.get(expert_id, 0) + 1
            per_strategy[strategy_id] = per_strategy.get(strategy_id, 0) + 1
    rows = []
    for strategy in strategies:
        partners = list(strategy.alliance.partners.all())
        state_ids = {state.pk for state in strategy.alliance.states.all()}
        cells = []
        for expert in experts:
            assignment = existing.get((strategy.pk, expert.pk))
            flags = (
                []
                if assignment
                else conflict_flags(
                    expert=expert,
                    strategy=strategy,
                    profile=getattr(expert, "expert_profile", None),
                    partners=partners,
                    alliance_state_ids=state_ids,
                )
            )
            cells.append({"expert": expert, "assignment": assignment, "flags": flags})
        rows.append({"strategy": strategy, "cells": cells, "count": per_strategy[strategy.pk]})
    return rows, [{"expert": expert, "load": load[expert.pk]} for expert in experts]


def strategy_progress(cycle, *, state=""):
    """The cycle's submitted strategies with counts of assigned, awaiting, done (`submitted`), outstanding and
    conflicted assignments and the last activity; `state` "outstanding" or "complete" filters them."""
    active = Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES)
    strategies = (
        Strategy.objects.submitted()
        .filter(cycle=cycle)
        .select_related("alliance", "votum")
        .annotate(
            assigned=Count("assignments", filter=active, distinct=True),
            awaiting=Count("assignments", filter=Q(assignments__status="awaiting"), distinct=True),
            submitted=Count("assignments", filter=active & Q(assignments__in=Assignment.objects.done()), distinct=True),
            conflicts=Count("assignments", filter=Q(assignments__status="conflicted"), distinct=True),
            last_activity=Max("assignments__last_activity_at"),
        )
        .annotate(outstanding=F("assigned") - F("submitted"))
        .order_by("alliance__name")
    )
    if state == "outstanding":
        strategies = strategies.filter(Q(submitted__lt=F("assigned")) | Q(assigned=0))
    elif state == "complete":
        strategies = strategies.filter(assigned__gt=0, submitted__gte=F("assigned"))
    return strategies


def expert_progress(cycle, *, state=""):
    """Active experts with counts of their assigned, done (`submitted`) and conflicted assignments in the cycle
    and their last activity; `state` "outstanding" keeps those with reviews outstanding."""
    in_cycle = Q(assignments__strategy__cycle=cycle)
    active = in_cycle & Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES)
    rows = active_experts().annotate(
        assigned=Count("assignments", filter=active, distinct=True),
        submitted=Count("assignments", filter=active & Q(assignments__in=Assignment.objects.done()), distinct=True),
        conflicts=Count("assignments", filter=in_cycle & Q(assignments__status="conflicted"), distinct=True),
        last_activity=Max("assignments__last_activity_at", filter=in_cycle),
    )
    if state == "outstanding":
        rows = rows.filter(submitted__lt=F("assigned"))
    return rows
