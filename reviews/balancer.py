"""Proposes a balanced set of expert assignments for a cycle, and applies a previewed proposal: per strategy or
all at once, each strategy only while its proposal is still the one previewed.

Loading is a fixed handful of queries; the balancing itself (`balance`) is a pure function on ids.
"""

from collections import deque
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from alliances.models import Strategy, StrategyStatus
from portal.models import Role, User
from reviews import services
from reviews.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, ReviewPolicy
from reviews.ordering import natural_key


@dataclass(frozen=True)
class ProposedAssignment:
    strategy: Strategy
    expert: User
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Shortfall:
    strategy: Strategy
    assigned: int  # active assignments plus proposed ones
    missing: int
    reason: str


@dataclass
class Proposal:
    cycle: object
    k: int
    load_cap: int
    rows: list[ProposedAssignment] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    # Every eligible expert (active, with profile) → active load in the cycle once the proposal is applied.
    loads: dict[User, int] = field(default_factory=dict)
    conflicts_avoided: int = 0

    def pairs(self):
        """(strategy, expert, override_reason) for services.assign_many; no flagged pair is ever proposed."""
        return [(row.strategy, row.expert, "") for row in self.rows]

    def by_strategy(self):
        """The proposed rows grouped per strategy, in the rows' order: [{"strategy", "rows", "keys"}]; `keys` are
        the "strategy:expert" keys a preview posts back."""
        groups = {}
        for row in self.rows:
            group = groups.setdefault(row.strategy.pk, {"strategy": row.strategy, "rows": [], "keys": []})
            group["rows"].append(row)
            group["keys"].append(pair_key(row.strategy, row.expert))
        for group in groups.values():
            group["keys"].sort()
        return list(groups.values())


def pair_key(strategy, expert):
    return f"{strategy.pk}:{expert.pk}"


@dataclass(frozen=True)
class Applied:
    """What applying a preview did: the assignments created, and the strategies left alone because their
    proposal had changed since the preview (their alliance names)."""

    created: list
    stale: list[str]


# --- Pure core ----------------------------------------------------------------------------------------------


def balance(*, needs, candidates, loads, cap):
    """Chooses (strategy_id, expert_id) pairs; pure, deterministic, no side effects.

    `needs` maps strategy id → open slots; `candidates` maps strategy id → {expert id: match score} of the
    allowed pairs (no conflict, not yet assigned); `loads` maps expert id → current load; `cap` is the most
    any expert may carry. Greedy first (fewest candidates first; per slot lowest load, then best match,
    then lowest id), then augmenting paths fill slots greedy left open whenever a reshuffle makes room,
    so no strategy falls short while a feasible assignment exists; last, pairs move from experts carrying
    two or more above another eligible expert.
    """
    load = {expert: loads.get(expert, 0) for options in candidates.values() for expert in options}
    chosen = {strategy: set() for strategy in needs}
    holders = {}  # expert → strategies it was chosen for (existing assignments are not in here: they stay)

    def rank(strategy, expert):
        return load[expert], -candidates[strategy][expert], expert

    def add(strategy, expert):
        chosen[strategy].add(expert)
        holders.setdefault(expert, set()).add(strategy)

    def remove(strategy, expert):
        chosen[strategy].discard(expert)
        holders[expert].discard(strategy)

    order = sorted(needs, key=lambda strategy: (len(candidates.get(strategy, {})), strategy))
    for strategy in order:
        options = candidates.get(strategy, {})
        for _slot in range(needs[strategy]):
            free = [expert for expert in options if expert not in chosen[strategy] and load[expert] < cap]
            if not free:
                break
            expert = min(free, key=lambda e, s=strategy: rank(s, e))
            add(strategy, expert)
            load[expert] += 1

    def augment(start):
        # BFS over strategies; an expert at the cap may hand one of its proposed strategies on to someone else.
        parent = {}
        seen_strategies, seen_experts = {start}, set()
        queue = deque([start])
        while queue:
            strategy = queue.popleft()
            options = sorted(candidates.get(strategy, {}), key=lambda e, s=strategy: rank(s, e))
            for expert in options:
                if expert in seen_experts or expert in chosen[strategy]:
                    continue
                seen_experts.add(expert)
                if load[expert] < cap:
                    add(strategy, expert)
                    load[expert] += 1
                    while strategy != start:
                        via, previous = parent[strategy]
                        remove(strategy, via)
                        add(previous, via)
                        strategy = previous
                    return True
                for other in sorted(holders.get(expert, ())):
                    if other not in seen_strategies:
                        seen_strategies.add(other)
                        parent[other] = (expert, strategy)
                        queue.append(other)
        return False

    for strategy in order:
        while len(chosen[strategy]) < needs[strategy] and augment(strategy):
            pass

    # Evening out: hand a pair from an expert to one carrying at least two fewer; each move lowers the
    # sum of squared loads, so this ends.
    moved = True
    while moved:
        moved = False
        for strategy in order:
            for expert in sorted(chosen[strategy]):
                lighter = [
                    other
                    for other in candidates[strategy]
                    if other not in chosen[strategy] and load[other] <= load[expert] - 2 and load[other] < cap
                ]
                if lighter:
                    other = min(lighter, key=lambda e, s=strategy: rank(s, e))
                    remove(strategy, expert)
                    add(strategy, other)
                    load[expert] -= 1
                    load[other] += 1
                    moved = True
    return sorted((strategy, expert) for strategy in needs for expert in chosen[strategy])


def matched_keywords(keywords, text):
    """The expert's keywords found in `text`, case-insensitive (substrings, so German compounds match)."""
    text = text.lower()
    return [word for word in keywords if word and word in text]


# --- Loading and applying -----------------------------------------------------------------------------------


def _policy_values(cycle, k, load_cap):
    if k is not None and load_cap is not None:
        return k, load_cap
    # Read-only: an unsaved policy carries the defaults policy_for() would create.
    policy = ReviewPolicy.objects.filter(cycle=cycle).first() or ReviewPolicy(cycle=cycle)
    return (policy.experts_per_strategy if k is None else k, policy.load_cap if load_cap is None else load_cap)


def propose_assignments(*, cycle, k=None, load_cap=None):
    """Proposes experts for the cycle's submitted strategies, up to `k` each; no side effects.

    `k` and `load_cap` default to the cycle's ReviewPolicy (a higher cap than the policy's would be
    refused on apply). Existing active assignments count toward both; no pair that already has an
    assignment (in any status, so also after a declared conflict or a withdrawal) and no pair with
    conflict flags is proposed. Loads are kept as even as possible, then the expertise match decides.
    Runs at most six queries, whatever the size of the cycle.
    """
    k, load_cap = _policy_values(cycle, k, load_cap)
    strategies = list(
        Strategy.objects.submitted()
        .filter(cycle=cycle)
        .select_related("alliance")
        .prefetch_related("alliance__partners", "alliance__states")
        .order_by("pk")
    )
    experts = list(
        User.objects.filter(role=Role.EXPERT, is_active=True, expert_profile__isnull=False)
        .select_related("expert_profile__federal_state")
        .order_by("pk")
    )
    existing = list(Assignment.objects.filter(strategy__cycle=cycle).values_list("strategy_id", "expert_id", "status"))

    taken = {(strategy_id, expert_id) for strategy_id, expert_id, _status in existing}
    active_per_strategy, active_per_expert = {}, {}
    for strategy_id, expert_id, status in existing:
        if status in ACTIVE_ASSIGNMENT_STATUSES:
            active_per_strategy[strategy_id] = active_per_strategy.get(strategy_id, 0) + 1
            active_per_expert[expert_id] = active_per_expert.get(expert_id, 0) + 1

    needs, candidates, matches = {}, {}, {}
    conflicts_avoided = 0
    for strategy in strategies:
        needs[strategy.pk] = max(0, k - active_per_strategy.get(strategy.pk, 0))
        candidates[strategy.pk] = {}
        if not needs[strategy.pk]:
            continue
        alliance = strategy.alliance
        partners = list(alliance.partners.all())
        state_ids = {state.pk for state in alliance.states.all()}
        text = f"{alliance.innovation_field} {alliance.name}"
        for expert in experts:
            if (strategy.pk, expert.pk) in taken:
                continue
            profile = expert.expert_profile
            if services.conflict_flags(
                expert=expert, strategy=strategy, profile=profile, partners=partners, alliance_state_ids=state_ids
            ):
                conflicts_avoided += 1
                continue
            words = matched_keywords(profile.keywords(), text)
            candidates[strategy.pk][expert.pk] = len(words)
            matches[strategy.pk, expert.pk] = words

    chosen = balance(
        needs=needs,
        candidates=candidates,
        loads={expert.pk: active_per_expert.get(expert.pk, 0) for expert in experts},
        cap=load_cap,
    )

    by_strategy = {strategy.pk: strategy for strategy in strategies}
    by_expert = {expert.pk: expert for expert in experts}
    proposed_per_strategy, proposed_per_expert = {}, {}
    rows = []
    for strategy_id, expert_id in chosen:
        proposed_per_strategy[strategy_id] = proposed_per_strategy.get(strategy_id, 0) + 1
        proposed_per_expert[expert_id] = proposed_per_expert.get(expert_id, 0) + 1
        words = matches[strategy_id, expert_id]
        if words:
            reasons = (_("Fachgebiete passen zum Innovationsfeld: %(words)s.") % {"words": ", ".join(words)},)
        else:
            reasons = (_("Keine passenden Fachgebiete; ausgewählt wegen geringer Auslastung."),)
        rows.append(
            ProposedAssignment(
                strategy=by_strategy[strategy_id], expert=by_expert[expert_id], score=len(words), reasons=reasons
            )
        )

    shortfalls = []
    for strategy in strategies:
        assigned = active_per_strategy.get(strategy.pk, 0) + proposed_per_strategy.get(strategy.pk, 0)
        if assigned >= k:
            continue
        possible = active_per_strategy.get(strategy.pk, 0) + len(candidates[strategy.pk])
        if possible < k:
            reason = _("Nur %(count)s Gutachter/innen ohne Hinweis auf Befangenheit verfügbar, %(k)s benötigt.") % {
                "count": possible,
                "k": k,
            }
        else:
            reason = _("Die geeigneten Gutachter/innen haben die Höchstzahl von %(cap)s Strategien erreicht.") % {
                "cap": load_cap
            }
        shortfalls.append(Shortfall(strategy=strategy, assigned=assigned, missing=k - assigned, reason=reason))

    return Proposal(
        cycle=cycle,
        k=k,
        load_cap=load_cap,
        rows=sorted(
            rows,
            key=lambda row: (
                row.strategy.alliance.name,
                row.strategy.pk,
                natural_key(row.expert.get_full_name()),
                row.expert.pk,
            ),
        ),
        shortfalls=shortfalls,
        loads={
            expert: active_per_expert.get(expert.pk, 0) + proposed_per_expert.get(expert.pk, 0) for expert in experts
        },
        conflicts_avoided=conflicts_avoided,
    )


def refreshed_pairs(pairs):
    """Re-reads the experts and checks the strategies are still submitted; call inside the applying transaction.

    services.assign_many checks role and activity on the objects it is given, so stale previews must not
    carry an expert deactivated since. Raises services.AssignmentRefused.
    """
    expert_ids = {expert.pk for _strategy, expert, _reason in pairs}
    experts = User.objects.in_bulk(expert_ids)
    submitted = set(
        Strategy.objects.filter(
            pk__in={strategy.pk for strategy, _e, _r in pairs}, status=StrategyStatus.SUBMITTED
        ).values_list("pk", flat=True)
    )
    fresh = []
    for strategy, expert, reason in pairs:
        if expert.pk not in experts:
            raise services.AssignmentRefused(_("%(who)s ist nicht mehr registriert.") % {"who": expert})
        if strategy.pk not in submitted:
            raise services.AssignmentRefused(
                _("Die Strategie von %(alliance)s ist nicht mehr eingereicht.") % {"alliance": strategy.alliance.name}
            )
        fresh.append((strategy, experts[expert.pk], reason))
    return fresh


@transaction.atomic
def apply_proposal(*, proposal, user):
    """Creates the proposal's assignments in one transaction: all or nothing.

    Side effects: per pair as services.assign_expert (Assignment with history, e-mail to the expert
    after commit). Raises services.AssignmentRefused, and then nothing is created or sent.
    Returns the created assignments.
    """
    return services.assign_many(pairs=refreshed_pairs(proposal.pairs()), user=user)


def _posted_by_strategy(keys):
    """ "strategy:expert" keys grouped per strategy id, each group sorted; malformed keys count as a change."""
    grouped, malformed = {}, False
    for key in keys:
        strategy_id, _sep, expert_id = key.partition(":")
        if not (strategy_id.isdigit() and expert_id.isdigit()):
            malformed = True
            continue
        grouped.setdefault(int(strategy_id), []).append(key)
    return {strategy_id: sorted(group) for strategy_id, group in grouped.items()}, malformed


@transaction.atomic
def apply_previewed(*, cycle, keys, user):
    """Applies the previewed pairs `keys` ("strategy:expert"), per strategy only where the current proposal for
    that strategy is still exactly the previewed one; a strategy whose proposal changed meanwhile (another tab,
    a reopened strategy, a new declaration) is left alone and named in the result.

    Side effects: per applied pair as services.assign_expert (Assignment with history, e-mail to the expert
    after commit), in one transaction. Raises services.AssignmentRefused, and then nothing is created or sent.
    """
    proposal = propose_assignments(cycle=cycle)
    current = {group["strategy"].pk: group for group in proposal.by_strategy()}
    posted, malformed = _posted_by_strategy(keys)
    pairs, stale_ids = [], []
    for strategy_id, previewed in posted.items():
        group = current.get(strategy_id)
        if group is None or group["keys"] != previewed:
            stale_ids.append(strategy_id)
            continue
        pairs.extend((row.strategy, row.expert, "") for row in group["rows"])
    created = services.assign_many(pairs=refreshed_pairs(pairs), user=user) if pairs else []
    stale = sorted(Strategy.objects.filter(pk__in=stale_ids, cycle=cycle).values_list("alliance__name", flat=True))
    if malformed or len(stale) < len(stale_ids):
        stale.append(_("unbekannte Strategie"))
    return Applied(created=created, stale=stale)
