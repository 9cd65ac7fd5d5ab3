"""Reads of the assignment matrix: a page of submitted strategies × a page of experts, with their conflict hints.

A page costs a fixed number of queries whatever the cycle's size: the strategies (with partners and states), the
experts (with profiles and load), and the assignments between the two. The hints are then checked in memory from
facts normalised once per strategy and once per expert (see facts_flags), never per cell from the database.
"""

from django.db.models import Count, Q

from alliances.models import SECTION_FIELDS
from reviews.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus
from reviews.selectors.progress import (
    AllianceFacts,
    ExpertFacts,
    active_experts,
    facts_flags,
    submitted_strategies_for_office,
)

# Rows and columns per page; together they bound a page to 50 × 20 cells.
STRATEGIES_PER_PAGE = 50
EXPERTS_PER_PAGE = 20
# At most this many words of the alliance search are used.
SEARCH_WORDS = 5


def matrix_strategies(cycle, *, search="", state=None, assigned_below=None):
    """The cycle's submitted strategies for the matrix rows, each with `assigned` (its active assignments), by
    alliance name and pk. `search` keeps alliances whose name or acronym holds every word, `state` those in that
    federal state, `assigned_below` those with fewer active assignments."""
    strategies = (
        submitted_strategies_for_office(cycle)
        .defer(*SECTION_FIELDS)
        .annotate(
            assigned=Count("assignments", filter=Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES), distinct=True)
        )
    )
    for word in search.split()[:SEARCH_WORDS]:
        strategies = strategies.filter(Q(alliance__name__icontains=word) | Q(alliance__acronym__icontains=word))
    if state is not None:
        strategies = strategies.filter(alliance__states=state)
    if assigned_below is not None:
        strategies = strategies.filter(assigned__lt=assigned_below)
    return strategies.order_by("alliance__name", "pk")


def matrix_experts(cycle, *, search=""):
    """Active experts for the matrix columns, each with `load` (their active assignments in the cycle), by name;
    only those whose name or e-mail contains `search` when given."""
    in_cycle = Q(assignments__strategy__cycle=cycle, assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES)
    experts = active_experts().annotate(load=Count("assignments", filter=in_cycle, distinct=True))
    search = (search or "").strip()
    if search:
        experts = experts.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    return experts


def _profile(expert):
    # A missing profile must read as None without a query: conflict_flags() would look it up again.
    return getattr(expert, "expert_profile", None)


def assignment_matrix(cycle, *, strategies=None, experts=None):
    """Rows of `strategies` × `experts` (default: all submitted strategies and active experts, from
    matrix_strategies and matrix_experts): each row {"strategy", "count", "cells"}, each cell {"expert",
    "assignment", "flags", "text", "hint", "label"}:

    - an assigned cell's `text` is "pseudonym · status";
    - a free cell's `flags` are exactly conflict_flags() of the pair, `hint` joins them, `label` names the expert
      and the alliance (with "zuweisen" the accessible name of its link).

    Strategies and experts must come from matrix_strategies and matrix_experts (their annotations are read)."""
    strategies = list(matrix_strategies(cycle) if strategies is None else strategies)
    experts = list(matrix_experts(cycle) if experts is None else experts)
    existing = {
        (assignment.strategy_id, assignment.expert_id): assignment
        for assignment in Assignment.objects.filter(
            strategy__in=[strategy.pk for strategy in strategies], expert__in=[expert.pk for expert in experts]
        ).only("id", "strategy_id", "expert_id", "status", "pseudonym")
    }
    status_labels = {value: str(label) for value, label in AssignmentStatus.choices}
    columns = [(expert, expert.get_full_name(), ExpertFacts(expert, _profile(expert))) for expert in experts]
    rows = []
    for strategy in strategies:
        alliance = strategy.alliance
        partners = list(alliance.partners.all())
        facts = AllianceFacts(alliance, partners, {state.pk for state in alliance.states.all()})
        cells = []
        for expert, name, expert_facts in columns:
            assignment = existing.get((strategy.pk, expert.pk))
            if assignment is not None:
                text = f"{assignment.pseudonym} · {status_labels[assignment.status]}"
                cells.append({"expert": expert, "assignment": assignment, "flags": [], "text": text})
                continue
            flags = facts_flags(expert_facts, facts)
            hint = " ".join(flags)
            # The hints are the link's title, which screen readers announce as its description.
            label = f"{name} → {alliance.name}"
            cells.append({"expert": expert, "assignment": None, "flags": flags, "hint": hint, "label": label})
        rows.append({"strategy": strategy, "count": strategy.assigned, "cells": cells})
    return rows
