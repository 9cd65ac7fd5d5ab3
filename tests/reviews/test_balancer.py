from collections import Counter, deque

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from alliances.models import AlliancePartner, FederalState
from portal.models import NotificationKind, OutgoingMessage, User
from reviews import services
from reviews.balancer import apply_proposal, balance, propose_assignments
from reviews.models import Assignment, AssignmentStatus
from tests.factories import AllianceFactory, ExpertFactory, ExpertProfileFactory, declared_conflict, submitted_strategy

# --- Helpers (no factories exist for these) -----------------------------------------------------------------


def partner(alliance, name, domain=""):
    return AlliancePartner.objects.create(alliance=alliance, name=name, email_domain=domain)


def expert(email=None, state=None, **profile):
    user = ExpertFactory(**({"email": email} if email else {}))
    if state:
        profile["federal_state"] = FederalState.objects.get(code=state)
    return ExpertProfileFactory(user=user, **profile).user


def submitted(cycle, count=1, **alliance):
    return [submitted_strategy(cycle, AllianceFactory(**alliance))[0] for _ in range(count)]


def pairs_of(proposal):
    return [(row.strategy.pk, row.expert.pk) for row in proposal.rows]


def per_strategy(proposal):
    return Counter(row.strategy.pk for row in proposal.rows)


# --- Database level -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_strategy_gets_k_experts_and_loads_stay_even(cycle):
    strategies = submitted(cycle, 6)
    experts = [expert() for _ in range(8)]
    proposal = propose_assignments(cycle=cycle, k=3, load_cap=3)
    assert proposal.shortfalls == []
    assert per_strategy(proposal) == {strategy.pk: 3 for strategy in strategies}
    assert set(proposal.loads) == set(experts)
    assert sorted(set(proposal.loads.values())) == [2, 3]
    assert sum(proposal.loads.values()) == 18
    assert len(set(pairs_of(proposal))) == 18


@pytest.mark.django_db
def test_experts_with_conflict_flags_are_never_proposed(cycle):
    target = submitted(cycle, slug="gesunde-lausitz", name="Gesunde Lausitz", states=["SN"])[0]
    partner(target.alliance, "Hochschule Zittau/Görlitz", "hszg.de")
    others = submitted(cycle, 2, states=["BY"])
    flagged = [
        expert(affiliation="Hochschule Zittau/Görlitz"),
        expert(email="kollegin@hszg.de"),
        expert(state="SN"),
        expert(declared_ties="Gesunde Lausitz"),
    ]
    clean = [expert() for _ in range(3)]
    for person in flagged:
        assert services.conflict_flags(expert=person, strategy=target)
    proposal = propose_assignments(cycle=cycle, k=3, load_cap=6)
    proposed = set(pairs_of(proposal))
    assert not {(target.pk, person.pk) for person in flagged} & proposed
    assert {(target.pk, person.pk) for person in clean} <= proposed
    assert proposal.conflicts_avoided == 4
    for row in proposal.rows:
        assert services.conflict_flags(expert=row.expert, strategy=row.strategy) == []
    # Flags are per alliance: the same experts are fine for the others.
    assert per_strategy(proposal) == {target.pk: 3, others[0].pk: 3, others[1].pk: 3}
    assert proposal.shortfalls == []


@pytest.mark.django_db
def test_load_cap_holds_and_shortfall_names_the_reason(cycle):
    strategies = submitted(cycle, 4)
    experts = [expert() for _ in range(3)]
    proposal = propose_assignments(cycle=cycle, k=3, load_cap=2)
    assert max(proposal.loads.values()) <= 2
    assert sum(proposal.loads.values()) == 6
    assert set(proposal.loads) == set(experts)
    missing = {shortfall.strategy.pk: shortfall.missing for shortfall in proposal.shortfalls}
    assert sum(missing.values()) == 12 - 6
    assert set(missing) <= {strategy.pk for strategy in strategies}
    assert all("Höchstzahl von 2 Strategien" in shortfall.reason for shortfall in proposal.shortfalls)


@pytest.mark.django_db
def test_too_few_experts_without_conflict_is_reported(cycle):
    strategy = submitted(cycle, states=["SN"])[0]
    expert(), expert(), expert(state="SN")
    proposal = propose_assignments(cycle=cycle, k=3, load_cap=6)
    assert per_strategy(proposal) == {strategy.pk: 2}
    [shortfall] = proposal.shortfalls
    assert (shortfall.strategy, shortfall.assigned, shortfall.missing) == (strategy, 2, 1)
    assert shortfall.reason == "Nur 2 Gutachter/innen ohne Hinweis auf Befangenheit verfügbar, 3 benötigt."


@pytest.mark.django_db
def test_policy_defaults_apply_without_writing_a_policy(cycle):
    submitted(cycle)
    [expert() for _ in range(4)]
    proposal = propose_assignments(cycle=cycle)
    assert (proposal.k, proposal.load_cap) == (3, 6)
    assert len(proposal.rows) == 3
    assert not hasattr(cycle, "review_policy") or cycle.review_policy.pk is None


@pytest.mark.django_db
def test_existing_assignments_count_toward_k_and_load(cycle, programme_office):
    first, second = submitted(cycle, 2)
    assigned, declined, withdrawn, busy, free_one, free_two = (expert() for _ in range(6))
    services.assign_expert(strategy=first, expert=assigned, user=programme_office)
    conflicted = services.assign_expert(strategy=first, expert=declined, user=programme_office)
    declared_conflict(conflicted)
    gone = services.assign_expert(strategy=first, expert=withdrawn, user=programme_office)
    services.withdraw_assignment(assignment=gone, user=programme_office, reason="Keine Rückmeldung")
    services.assign_expert(strategy=second, expert=busy, user=programme_office)

    proposal = propose_assignments(cycle=cycle, k=3, load_cap=2)
    proposed = set(pairs_of(proposal))
    # Top-up: two more for the first strategy, never the assigned, conflicted or withdrawn pair again.
    assert per_strategy(proposal) == {first.pk: 2, second.pk: 2}
    assert not {(first.pk, assigned.pk), (first.pk, declined.pk), (first.pk, withdrawn.pk)} & proposed
    assert (second.pk, busy.pk) not in proposed
    assert proposal.loads[assigned] == Counter(e for _s, e in proposed)[assigned.pk] + 1
    assert proposal.loads[busy] == Counter(e for _s, e in proposed)[busy.pk] + 1
    assert max(proposal.loads.values()) <= 2
    assert proposal.shortfalls == []
    assert Counter(e for _s, e in proposed)[free_one.pk] + Counter(e for _s, e in proposed)[free_two.pk] >= 2


@pytest.mark.django_db
def test_full_strategies_get_nothing(cycle, programme_office):
    strategy = submitted(cycle)[0]
    experts = [expert() for _ in range(4)]
    for person in experts[:3]:
        services.assign_expert(strategy=strategy, expert=person, user=programme_office)
    proposal = propose_assignments(cycle=cycle, k=3, load_cap=6)
    assert proposal.rows == [] and proposal.shortfalls == []
    assert proposal.conflicts_avoided == 0
    assert proposal.loads == {experts[0]: 1, experts[1]: 1, experts[2]: 1, experts[3]: 0}


@pytest.mark.django_db
def test_expertise_match_decides_when_loads_tie(cycle):
    hydrogen = submitted(cycle, innovation_field="Wasserstoff und Energiespeicher")[0]
    health = submitted(cycle, innovation_field="Gesundheit und Pflege")[0]
    nurse = expert(expertise_keywords="Pflege")
    chemist = expert(expertise_keywords="Chemie, wasserstoff")
    proposal = propose_assignments(cycle=cycle, k=1, load_cap=6)
    # Without the match the lower id (nurse) would go to the first strategy.
    assert set(pairs_of(proposal)) == {(hydrogen.pk, chemist.pk), (health.pk, nurse.pk)}
    row = next(row for row in proposal.rows if row.expert == chemist)
    assert row.score == 1
    assert row.reasons == ("Fachgebiete passen zum Innovationsfeld: wasserstoff.",)


@pytest.mark.django_db
def test_evenness_comes_before_expertise(cycle, programme_office):
    hydrogen = submitted(cycle, innovation_field="Wasserstoff")[0]
    elsewhere = submitted(cycle, innovation_field="Tourismus")[0]
    generalist = expert(expertise_keywords="Tourismus")
    chemist = expert(expertise_keywords="Wasserstoff")
    services.assign_expert(strategy=elsewhere, expert=chemist, user=programme_office)
    proposal = propose_assignments(cycle=cycle, k=1, load_cap=6)
    assert pairs_of(proposal) == [(hydrogen.pk, generalist.pk)]
    assert proposal.rows[0].reasons == ("Keine passenden Fachgebiete; ausgewählt wegen geringer Auslastung.",)


@pytest.mark.django_db
def test_two_runs_give_the_same_proposal(cycle, programme_office):
    strategies = submitted(cycle, 5, states=["SN"])
    partner(strategies[0].alliance, "Fraunhofer IWU", "iwu.fraunhofer.de")
    [expert(expertise_keywords=words) for words in ["Gesundheit", "Pflege", "Energie", "", "Region", "Gesundheit"]]
    expert(state="SN"), expert(affiliation="Fraunhofer IWU")

    def snapshot():
        proposal = propose_assignments(cycle=cycle, k=3, load_cap=3)
        return (
            pairs_of(proposal),
            [row.reasons for row in proposal.rows],
            {e.pk: load for e, load in proposal.loads.items()},
            [(s.strategy.pk, s.missing, s.reason) for s in proposal.shortfalls],
            proposal.conflicts_avoided,
        )

    assert snapshot() == snapshot()


def build_cycle(cycle, office, strategies, experts):
    created = submitted(cycle, strategies, states=["SN"])
    for number, strategy in enumerate(created):
        partner(strategy.alliance, f"Partner {number}", f"partner{number}.example")
        partner(strategy.alliance, f"Kammer {number}")
    people = [
        expert(state="SN" if number == 0 else "BY", declared_ties=f"Partner {number}") for number in range(experts)
    ]
    services.assign_expert(strategy=created[0], expert=people[1], user=office)


@pytest.mark.django_db
@pytest.mark.parametrize(("strategies", "experts"), [(2, 3), (6, 9)])
def test_propose_runs_a_fixed_number_of_queries(cycle, programme_office, strategies, experts):
    build_cycle(cycle, programme_office, strategies, experts)
    with CaptureQueriesContext(connection) as queries:
        proposal = propose_assignments(cycle=cycle)
    # policy, strategies, partners, states, experts with profiles and states, assignments
    assert len(queries) == 6, [query["sql"] for query in queries]
    assert proposal.conflicts_avoided >= strategies  # the expert from Saxony, at least


@pytest.mark.django_db
def test_apply_creates_every_assignment_and_emails_each_expert(
    cycle, programme_office, django_capture_on_commit_callbacks
):
    submitted(cycle, 2)
    experts = [expert() for _ in range(4)]
    proposal = propose_assignments(cycle=cycle, k=2, load_cap=6)
    with django_capture_on_commit_callbacks(execute=True):
        created = apply_proposal(proposal=proposal, user=programme_office)
    assert sorted((a.strategy_id, a.expert_id) for a in created) == sorted(pairs_of(proposal))
    assert Assignment.objects.filter(status=AssignmentStatus.AWAITING_DECLARATION).count() == 4
    assert all(a.conflict_flags == [] and a.override_reason == "" for a in created)
    sent = Counter(message.to[0] for message in mail.outbox if "Neue Begutachtung" in message.subject)
    assert sent == Counter(row.expert.email for row in proposal.rows)
    assert set(sent) <= {person.email for person in experts}
    assert propose_assignments(cycle=cycle, k=2, load_cap=6).rows == []


@pytest.mark.django_db
def test_apply_is_all_or_nothing(cycle, programme_office, django_capture_on_commit_callbacks):
    submitted(cycle, 2)
    [expert() for _ in range(4)]
    proposal = propose_assignments(cycle=cycle, k=2, load_cap=6)
    last = proposal.rows[-1].expert
    assert proposal.rows[0].expert != last
    # Deactivated after the preview, through the database: the proposal still holds the old object.
    User.objects.filter(pk=last.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.AssignmentRefused):
        apply_proposal(proposal=proposal, user=programme_office)
    assert Assignment.objects.count() == 0
    assert not OutgoingMessage.objects.filter(kind=NotificationKind.ASSIGNMENT).exists()
    assert not [message for message in mail.outbox if "Neue Begutachtung" in message.subject]


@pytest.mark.django_db
def test_apply_refuses_a_strategy_reopened_since_the_proposal(cycle, programme_office):
    strategy = submitted(cycle)[0]
    [expert() for _ in range(3)]
    proposal = propose_assignments(cycle=cycle, k=3, load_cap=6)
    type(strategy).objects.filter(pk=strategy.pk).update(status="reopened")
    with pytest.raises(services.AssignmentRefused, match="nicht mehr eingereicht"):
        apply_proposal(proposal=proposal, user=programme_office)
    assert Assignment.objects.count() == 0


# --- Pure core, property-based ------------------------------------------------------------------------------


def max_flow(needs, candidates, loads, cap):
    """Edmonds–Karp on source → strategy → expert → sink, written independently of balance()."""
    source, sink = ("source",), ("sink",)
    capacity = Counter()
    graph = {}

    def edge(a, b, amount):
        capacity[a, b] += amount
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set()).add(a)

    for strategy, need in needs.items():
        edge(source, ("s", strategy), need)
        for expert_id in candidates.get(strategy, {}):
            edge(("s", strategy), ("e", expert_id), 1)
    for expert_id in {e for options in candidates.values() for e in options}:
        edge(("e", expert_id), sink, max(0, cap - loads.get(expert_id, 0)))
    total = 0
    while True:
        parent = {source: None}
        queue = deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for nxt in graph.get(node, ()):
                if nxt not in parent and capacity[node, nxt] > 0:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            return total
        node = sink
        while parent[node] is not None:
            capacity[parent[node], node] -= 1
            capacity[node, parent[node]] += 1
            node = parent[node]
        total += 1


@st.composite
def instances(draw, conflicts=True, existing=True):
    strategies = draw(st.integers(0, 8))
    experts = draw(st.integers(0, 10))
    k = draw(st.integers(1, 4))
    cap = draw(st.integers(1, 5))
    loads = {e: (draw(st.integers(0, cap + 1)) if existing else 0) for e in range(experts)}
    needs, candidates = {}, {}
    for s in range(strategies):
        needs[s] = draw(st.integers(0, k)) if existing else k
        candidates[s] = {e: draw(st.integers(0, 3)) for e in range(experts) if not conflicts or draw(st.booleans())}
    return needs, candidates, loads, cap, k


def check_invariants(needs, candidates, loads, cap, chosen):
    assert len(chosen) == len(set(chosen))
    load = Counter(e for _s, e in chosen)
    for strategy, expert_id in chosen:
        assert expert_id in candidates[strategy]  # never a conflicted or already assigned pair
    for expert_id, extra in load.items():
        assert loads.get(expert_id, 0) + extra <= cap
    per = Counter(s for s, _e in chosen)
    for strategy, count in per.items():
        assert count <= needs[strategy]


@settings(max_examples=20, deadline=None)
@given(instances())
def test_balance_keeps_the_rules_and_fills_whatever_can_be_filled(instance):
    needs, candidates, loads, cap, _k = instance
    chosen = balance(needs=needs, candidates=candidates, loads=loads, cap=cap)
    check_invariants(needs, candidates, loads, cap, chosen)
    assert len(chosen) == max_flow(needs, candidates, loads, cap)
    assert chosen == balance(needs=needs, candidates=candidates, loads=loads, cap=cap)


@settings(max_examples=20, deadline=None)
@given(instances(conflicts=False, existing=False))
def test_without_conflicts_everyone_gets_k_when_capacity_suffices(instance):
    needs, candidates, loads, cap, k = instance
    chosen = balance(needs=needs, candidates=candidates, loads=loads, cap=cap)
    check_invariants(needs, candidates, loads, cap, chosen)
    experts = len(loads)
    if experts >= k and experts * cap >= len(needs) * k:
        assert Counter(s for s, _e in chosen) == dict.fromkeys(needs, k)
    load = Counter(dict.fromkeys(loads, 0)) + Counter(e for _s, e in chosen)
    if chosen:
        all_loads = [load.get(e, 0) for e in loads]
        assert max(all_loads) - min(all_loads) <= 1


def test_balance_reshuffles_when_greedy_would_leave_a_gap():
    # Greedy gives expert 1 to strategy 0 (ties by id); strategy 1 can only use expert 1 (expert 3 is full),
    # so expert 1 moves to strategy 1 and strategy 0 takes expert 2.
    chosen = balance(needs={0: 1, 1: 1}, candidates={0: {1: 0, 2: 0}, 1: {1: 0, 3: 0}}, loads={3: 1}, cap=1)
    assert chosen == [(0, 2), (1, 1)]


def test_balance_moves_pairs_to_lighter_experts():
    # Greedy gives strategy 0 expert 1 (ties by id); strategies 1 and 2 then can only take expert 1 as well
    # (experts 3 and 4 are full), so strategy 0 hands expert 1 over to expert 2.
    chosen = balance(
        needs={0: 1, 1: 1, 2: 1},
        candidates={0: {1: 0, 2: 0}, 1: {1: 0, 3: 0}, 2: {1: 0, 4: 0}},
        loads={3: 3, 4: 3},
        cap=3,
    )
    assert chosen == [(0, 2), (1, 1), (2, 1)]
