"""The assignment matrix and the review progress lists at programme scale: pages of bounded size, the same rows as
the whole ordered list, conflict hints equal to conflict_flags(), and query counts that do not grow with the cycle."""

import re

import pytest
from django.urls import reverse

from alliances.models import AlliancePartner, FederalState, Strategy
from portal.models import Role, User
from reviews import selectors
from reviews.models import Assignment, ExpertProfile
from tests.factories import (
    AllianceFactory,
    AssignmentFactory,
    EvaluationCycleFactory,
    ExpertFactory,
    ExpertProfileFactory,
    ReviewFactory,
    RubricVersionFactory,
    StrategyFactory,
    SubmissionFactory,
    SubmittedStrategyFactory,
    UserFactory,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

EXPERTS = 60
STATES = ["BB", "BY", "SN", "ST", "TH"]


def build_experts():
    """60 active experts: some tied to partners by name, e-mail domain, federal state or declared ties, some with
    no profile at all, pairs with the same name (the pk breaks the tie), and one inactive expert (never shown)."""
    experts = []
    for number in range(EXPERTS):
        user = ExpertFactory(
            email=f"gutachter{number}@inst{number % 4}.example", full_name=f"Gutachter/in {number // 2:02d}"
        )
        if number % 6 == 5:
            experts.append(user)  # no profile
            continue
        ExpertProfileFactory(
            user=user,
            affiliation=["Hochschule Lausitz", "Institut", "Fraunhofer-Institut Dresden", ""][number % 4],
            email_domain="hs-partner.example" if number % 5 == 0 else "",
            federal_state=FederalState.objects.get(code=STATES[number % 5]) if number % 3 == 0 else None,
            declared_ties="Gesunde Lausitz\nBündnis 003" if number % 7 == 0 else "",
        )
        experts.append(user)
    ExpertFactory(email="ruhend@example.org", is_active=False)
    return experts


def build_cycle(slug, size, experts, office):
    """`size` submitted strategies (alliances two by two with the same name) and a few drafts; partners on some,
    one to three assignments on most, in every status, some with a done review."""
    cycle = EvaluationCycleFactory(slug=slug)
    rubric = RubricVersionFactory(cycle=cycle)
    statuses = ["cleared", "awaiting", "cleared", "conflicted", "withdrawn"]
    for number in range(size):
        alliance = AllianceFactory(
            slug=f"{slug}-{number}",
            name="Gesunde Lausitz" if number == 1 else f"Bündnis {number // 2:03d}",
            acronym=f"B{number}",
            states=[STATES[number % 5], STATES[(number + 2) % 5]] if number % 2 else [STATES[number % 5]],
        )
        strategy = SubmittedStrategyFactory(cycle=cycle, alliance=alliance)
        submission = SubmissionFactory(strategy=strategy) if number % 2 else None
        if number % 3 == 0:
            AlliancePartner.objects.create(
                alliance=alliance, name="Hochschule Lausitz", email_domain="hs-partner.example"
            )
            AlliancePartner.objects.create(alliance=alliance, name="TU", email_domain="inst1.example")
        for offset in range(number % 4):
            assignment = AssignmentFactory(
                strategy=strategy,
                expert=experts[(number * 7 + offset * 11) % len(experts)],
                assigned_by=office,
                status=statuses[(number + offset) % len(statuses)],
                pseudonym="ABC"[offset],
            )
            if assignment.status == "cleared" and submission:
                ReviewFactory(assignment=assignment, submission=submission, rubric=rubric)
    for number in range(3):
        StrategyFactory(cycle=cycle, alliance=AllianceFactory(slug=f"{slug}-entwurf-{number}"))
    return cycle


@pytest.fixture(scope="module")
def world(built_once):
    office = UserFactory(email="pt-matrix@ptj.example", role=Role.PROGRAMME_OFFICE)
    experts = build_experts()
    return {
        "office": office,
        24: build_cycle("matrix-24", 24, experts, office),
        240: build_cycle("matrix-240", 240, experts, office),
    }


def matrix_url(cycle, **params):
    return reverse("reviews:office_assignments", args=[cycle.slug]), params


def every_page(client, url, params, parameter="seite"):
    """The responses of every page of a list, following `parameter` from 1 to the last page."""
    responses, number = [], 1
    while True:
        _queries, response = count_queries(client, url, {**params, parameter: number})
        responses.append(response)
        page = response.context["columns" if parameter == "experten" else "page"]
        if not page.has_next():
            return responses
        number += 1


# --- Query counts ----------------------------------------------------------------------------------------------

# session, user, cycle, policy, strategies (count, page, partners, states), experts (count, page), the page's
# assignments, the choices of the federal state filter (experts are searched, never listed as choices)
MATRIX_QUERIES = 12
# plus the validation of the chosen federal state
FILTERED_MATRIX_QUERIES = 13
# The strategy progress: session, user, cycle, the page's count and rows, the policy.
PROGRESS_QUERIES = 6
# The expert progress: the same without the policy.
EXPERT_PROGRESS_QUERIES = 5


@pytest.mark.parametrize("size", [24, 240])
def test_matrix_query_count_is_the_same_at_24_and_240_alliances(client, world, size):
    cycle = world[size]
    client.force_login(world["office"])
    queries, response = count_queries(client, *matrix_url(cycle))
    assert len(response.context["rows"]) == min(size, selectors.STRATEGIES_PER_PAGE)
    assert queries == MATRIX_QUERIES
    queries, _response = count_queries(client, *matrix_url(cycle, seite=2, experten=3))
    assert queries == MATRIX_QUERIES


@pytest.mark.parametrize("size", [24, 240])
def test_filtered_matrix_keeps_its_query_count(client, world, size):
    cycle = world[size]
    expert = User.objects.filter(role=Role.EXPERT, is_active=True).order_by("pk")[3]
    client.force_login(world["office"])
    params = {"suche": "Bündnis", "land": "SN", "gutachter": expert.email, "unterbesetzt": "on"}
    queries, response = count_queries(client, *matrix_url(cycle, **params))
    assert response.context["rows"]
    assert [column.pk for column in response.context["columns"]] == [expert.pk]
    assert queries == FILTERED_MATRIX_QUERIES


@pytest.mark.parametrize("size", [24, 240])
def test_progress_lists_keep_their_query_counts_at_24_and_240_alliances(client, world, size):
    cycle = world[size]
    client.force_login(world["office"])
    progress = reverse("reviews:office_progress", args=[cycle.slug])
    experts = reverse("reviews:office_experts", args=[cycle.slug])
    for params in ({}, {"state": "outstanding"}, {"state": "complete", "seite": 2}):
        assert count_queries(client, progress, params)[0] == PROGRESS_QUERIES
    for params in ({}, {"state": "outstanding", "seite": 2}):
        assert count_queries(client, experts, params)[0] == EXPERT_PROGRESS_QUERIES


# --- Bounded pages ---------------------------------------------------------------------------------------------


def test_a_matrix_page_of_240_strategies_and_60_experts_stays_small(client, world):
    client.force_login(world["office"])
    _queries, response = count_queries(client, *matrix_url(world[240]))
    rows = response.context["rows"]
    assert len(rows) == selectors.STRATEGIES_PER_PAGE
    assert {len(row["cells"]) for row in rows} == {selectors.EXPERTS_PER_PAGE}
    print(f"matrix page at 240 × 60: {len(response.content)} bytes")
    assert len(response.content) < 250_000


def test_progress_pages_of_240_strategies_stay_small(client, world):
    client.force_login(world["office"])
    for name in ("office_progress", "office_experts"):
        _queries, response = count_queries(client, reverse(f"reviews:{name}", args=[world[240].slug]))
        assert len(response.context["page"].object_list) == selectors.PROGRESS_PER_PAGE
        print(f"{name} page at 240: {len(response.content)} bytes")
        assert len(response.content) < 100_000


# --- Pages keep the whole list's rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"suche": "Bündnis 01"}, {"land": "SN"}, {"unterbesetzt": "on"}],
    ids=["all", "search", "state", "understaffed"],
)
def test_matrix_pages_together_hold_the_ordered_rows(client, world, params):
    cycle = world[240]
    client.force_login(world["office"])
    url, _ = matrix_url(cycle)
    shown = [row["strategy"].pk for response in every_page(client, url, params) for row in response.context["rows"]]
    state = FederalState.objects.get(code=params["land"]) if "land" in params else None
    below = selectors.review_policy(cycle).experts_per_strategy if "unterbesetzt" in params else None
    whole = selectors.matrix_strategies(cycle, search=params.get("suche", ""), state=state, assigned_below=below)
    assert shown == list(whole.values_list("pk", flat=True))
    assert len(shown) > selectors.STRATEGIES_PER_PAGE or params


def test_matrix_filters_keep_the_rows_they_name(client, world):
    cycle = world[240]
    client.force_login(world["office"])
    url, _ = matrix_url(cycle)
    rows = [
        row
        for response in every_page(client, url, {"suche": "bündnis 01", "land": "SN"})
        for row in response.context["rows"]
    ]
    assert rows
    for row in rows:
        alliance = row["strategy"].alliance
        assert all(word in f"{alliance.name} {alliance.acronym}".lower() for word in ("bündnis", "01"))
        assert "SN" in {state.code for state in alliance.states.all()}
    policy = selectors.review_policy(cycle)
    rows = [row for response in every_page(client, url, {"unterbesetzt": "on"}) for row in response.context["rows"]]
    assert rows
    for row in rows:
        active = Assignment.objects.filter(strategy=row["strategy"]).active().count()
        assert row["count"] == active < policy.experts_per_strategy


def test_matrix_column_pages_together_hold_every_active_expert_once(client, world):
    client.force_login(world["office"])
    url, _ = matrix_url(world[24])
    shown = [
        expert.pk for response in every_page(client, url, {}, "experten") for expert in response.context["columns"]
    ]
    assert shown == list(selectors.active_experts().values_list("pk", flat=True))
    assert len(shown) == EXPERTS


@pytest.mark.parametrize("state", ["", "outstanding", "complete"])
def test_strategy_progress_pages_together_hold_the_ordered_rows(client, world, state):
    cycle = world[240]
    client.force_login(world["office"])
    url = reverse("reviews:office_progress", args=[cycle.slug])
    shown = [
        strategy.pk
        for response in every_page(client, url, {"state": state})
        for strategy in response.context["strategies"]
    ]
    whole = selectors.strategy_progress(cycle, state=state)
    assert shown == list(whole.values_list("pk", flat=True))
    names = [name.lower() for name in whole.values_list("alliance__name", flat=True)]
    assert names == sorted(names)


@pytest.mark.parametrize("state", ["", "outstanding"])
def test_expert_progress_pages_together_hold_the_ordered_rows(client, world, state):
    cycle = world[240]
    client.force_login(world["office"])
    url = reverse("reviews:office_experts", args=[cycle.slug])
    shown = [expert.pk for response in every_page(client, url, {"state": state}) for expert in response.context["rows"]]
    assert shown == list(selectors.expert_progress(cycle, state=state).values_list("pk", flat=True))
    if not state:
        assert len(shown) == EXPERTS


def test_page_links_keep_the_filter(client, world):
    client.force_login(world["office"])
    url, _ = matrix_url(world[240])
    body = client.get(url, {"land": "SN", "experten": 2}).content.decode()
    assert "?land=SN&amp;experten=2&amp;seite=2" in body
    assert "?land=SN&amp;experten=3" in body
    body = client.get(reverse("reviews:office_progress", args=[world[240].slug]), {"state": "outstanding"}).content
    assert "?state=outstanding&amp;seite=2" in body.decode()


# --- Cells -----------------------------------------------------------------------------------------------------


def test_matrix_hints_equal_conflict_flags_for_every_pair(client, world):
    cycle = world[24]
    client.force_login(world["office"])
    url, _ = matrix_url(cycle)
    cells = {}
    for rows_page in every_page(client, url, {}):
        for number in range(1, rows_page.context["columns"].paginator.num_pages + 1):
            _queries, response = count_queries(
                client, url, {"seite": rows_page.context["page"].number, "experten": number}
            )
            for row in response.context["rows"]:
                for cell in row["cells"]:
                    cells[row["strategy"].pk, cell["expert"].pk] = cell
    strategies = Strategy.objects.submitted().filter(cycle=cycle)
    experts = User.objects.filter(role=Role.EXPERT, is_active=True)
    assert len(cells) == strategies.count() * experts.count() == 24 * EXPERTS
    flagged = 0
    for strategy in strategies:
        for expert in experts:
            cell = cells[strategy.pk, expert.pk]
            assignment = Assignment.objects.filter(strategy=strategy, expert=expert).first()
            if assignment:
                assert cell["text"] == f"{assignment.pseudonym} · {assignment.get_status_display()}"
            else:
                # Fresh objects: conflict_flags() looks up the profile, partners and states itself.
                assert cell["flags"] == selectors.conflict_flags(expert=expert, strategy=strategy)
                flagged += bool(cell["flags"])
    reasons = " ".join(" ".join(cell.get("flags", [])) for cell in cells.values())
    for kind in ("ist Bündnispartner", "E-Mail-Domain", "Gleiches Bundesland", "Erklärte Verbindung"):
        assert kind in reasons
    assert 0 < flagged < len(cells)


def test_a_free_cell_links_to_its_pair_and_names_it(client, world):
    cycle = world[24]
    client.force_login(world["office"])
    url, _ = matrix_url(cycle)
    response = client.get(url)
    row = response.context["rows"][0]
    cell = next(cell for cell in row["cells"] if cell["assignment"] is None and cell["flags"])
    strategy, expert = row["strategy"], cell["expert"]
    href = reverse("reviews:office_assign", args=[cycle.slug, strategy.pk, expert.pk])
    body = response.content.decode()
    link = re.search(rf'<a href="{re.escape(href)}"[^>]*>(.*?)</a>', body)
    assert link, href
    assert "zuweisen" in link.group(1)
    assert f"{expert.get_full_name()} → {strategy.alliance.name}" in link.group(1)
    assert 'class="text-danger"' in link.group(0)


def test_the_ministry_reads_the_matrix_without_assign_links(client, world):
    client.force_login(UserFactory(email="bmbf-matrix@bmbf.example", role=Role.MINISTRY))
    url, _ = matrix_url(world[24])
    response = client.get(url)
    assert response.status_code == 200
    assert "/assignments/" not in response.content.decode().split("<tbody", 1)[1]
    assert "⚠" in response.content.decode()


def test_unknown_filter_values_are_ignored(client, world):
    client.force_login(world["office"])
    url, _ = matrix_url(world[24])
    response = client.get(url, {"land": "XX", "gutachter": "", "seite": "999", "experten": "x"})
    assert response.status_code == 200
    assert len(response.context["columns"]) == selectors.EXPERTS_PER_PAGE
    assert response.context["page"].number == response.context["page"].paginator.num_pages


def test_the_expert_search_finds_experts_by_name_or_email_and_lists_no_choices(client, world):
    expert = User.objects.filter(role=Role.EXPERT, is_active=True).order_by("pk")[5]
    client.force_login(world["office"])
    url, _ = matrix_url(world[24])
    by_email = client.get(url, {"gutachter": expert.email.upper()})
    assert [column.pk for column in by_email.context["columns"]] == [expert.pk]
    by_name = client.get(url, {"gutachter": expert.full_name})
    assert expert.pk in [column.pk for column in by_name.context["columns"]]
    assert all(expert.full_name in column.full_name for column in by_name.context["columns"])
    assert client.get(url, {"gutachter": "niemand-heisst-so"}).context["columns"].paginator.count == 0
    assert re.search(r'<input type="search" name="gutachter"[^>]*>', by_email.content.decode())


def test_an_expert_without_a_profile_costs_no_query_per_cell(client, world):
    assert ExpertProfile.objects.count() < EXPERTS
    client.force_login(world["office"])
    queries, _response = count_queries(client, *matrix_url(world[24], experten=1))
    assert queries == MATRIX_QUERIES


def test_an_assignment_returns_to_the_matrix_page_it_came_from(client, world):
    cycle = world[240]
    client.force_login(world["office"])
    matrix = reverse("reviews:office_assignments", args=[cycle.slug])
    response = client.get(matrix, {"land": "SN", "seite": 2, "experten": 2})
    row = response.context["rows"][0]
    free = [cell for cell in row["cells"] if cell["assignment"] is None and not cell["flags"]]
    expert = min((cell["expert"] for cell in free), key=lambda expert: expert.load)
    assign = reverse("reviews:office_assign", args=[cycle.slug, row["strategy"].pk, expert.pk])
    came_from = f"http://testserver{matrix}?land=SN&seite=2&experten=2&weiter=https://example.org"
    page = client.get(assign, headers={"referer": came_from})
    assert page.context["back_url"] == f"{matrix}?land=SN&seite=2&experten=2"
    response = client.post(assign, {"zurueck": page.context["back_query"] + "&next=https://example.org"})
    assert response.status_code == 302
    assert response["Location"] == f"{matrix}?land=SN&seite=2&experten=2"
    assert Assignment.objects.filter(strategy=row["strategy"], expert=expert).exists()
    other = reverse("reviews:office_assign", args=[cycle.slug, row["strategy"].pk, free[-1]["expert"].pk])
    elsewhere = client.get(other, headers={"referer": "/"})
    assert elsewhere.context["back_url"] == matrix
