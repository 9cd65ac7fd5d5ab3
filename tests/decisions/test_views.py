from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from alliances.models import StrategyStatus
from decisions import services
from decisions.models import DecisionStatus, FundingDecision
from portal.models import Role
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    MembershipFactory,
    StrategyFactory,
    UserFactory,
    cleared_assignment,
    decision_content,
    manager_of,
    ministry_user,
    programme_rubric,
    submitted_review,
    submitted_strategy,
)
from tests.helpers import reauthenticated

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cycle):
    strategy, _ = submitted_strategy(cycle, AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz"))
    other, _ = submitted_strategy(cycle, AllianceFactory(slug="diana", name="DIANA"))
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    return {"strategy": strategy, "other": other, "bmbf1": bmbf1, "bmbf2": bmbf2}


def form(**overrides):
    data = {
        "outcome": "approved",
        "granted_amount": "450.000,00",
        "funding_start": "2025-04-01",
        "funding_end": "2028-03-31",
        "conditions": "",
        "rationale": "Überzeugend.",
        "letter_rationale": "Die Strategie überzeugt.",
        "over_request_reason": "",
    }
    data.update(overrides)
    return data


def url(name, strategy, *args):
    return reverse(f"decisions:{name}", args=[strategy.cycle.slug, strategy.alliance.slug, *args])


def test_propose_confirm_release_through_http(client, world):
    strategy = world["strategy"]
    client.force_login(world["bmbf1"])
    assert client.post(url("propose", strategy), form()).status_code == 302
    decision = FundingDecision.objects.get()
    reauthenticated(client)
    own = client.post(url("confirm", strategy, decision.pk))
    assert own.status_code == 422
    assert "Vier-Augen-Prinzip" in own.content.decode()
    client.force_login(world["bmbf2"])
    reauthenticated(client)
    assert client.post(url("confirm", strategy, decision.pk)).status_code == 302
    assert client.post(url("release", strategy, decision.pk)).status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.RELEASED


def test_a_second_proposal_changes_the_pending_one_unless_it_is_stale(client, world):
    strategy = world["strategy"]
    client.force_login(world["bmbf1"])
    assert client.post(url("propose", strategy), form()).status_code == 302
    decision = FundingDecision.objects.get()
    stale = client.post(url("propose", strategy), form(granted_amount="400.000,00", version=decision.version - 1))
    assert stale.status_code == 409  # a Conflict: someone changed the proposal meanwhile
    assert "Der Vorschlag wurde inzwischen geändert." in stale.content.decode()
    changed = client.post(
        url("propose", strategy), form(granted_amount="400.000,00", version=decision.version), follow=True
    )
    assert "Eine zweite Person im Ministerium muss ihn bestätigen." in changed.content.decode()
    decision = FundingDecision.objects.get()
    assert decision.granted_amount == Decimal("400000.00")


def test_a_correction_needs_a_reason_and_is_then_proposed_through_http(client, world):
    strategy = world["strategy"]
    decision = services.propose_decision(strategy=strategy, user=world["bmbf1"], **decision_content())
    services.confirm_decision(decision=decision, user=world["bmbf2"])
    client.force_login(world["bmbf1"])
    refused = client.post(url("correct", strategy, decision.pk), form(granted_amount="300.000,00"))
    assert refused.status_code == 422
    assert "Bitte begründen Sie die Korrektur." in refused.content.decode()
    corrected = client.post(
        url("correct", strategy, decision.pk),
        form(granted_amount="300.000,00", supersession_reason="Rechenfehler im Finanzplan"),
        follow=True,
    )
    assert "Die Korrektur ist vorgeschlagen. Sie gilt, sobald eine zweite Person sie bestätigt." in (
        corrected.content.decode()
    )
    correction = FundingDecision.objects.get(supersedes=decision)
    assert (correction.status, correction.granted_amount) == (DecisionStatus.PROPOSED, Decimal("300000.00"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"granted_amount": "-5"}, "nicht negativ"),
        ({"granted_amount": "viel"}, "Betrag in Euro"),
        ({"granted_amount": "9.000.000,00"}, "über der beantragten Summe"),
    ],
)
def test_bad_amounts_are_refused_in_german(client, world, overrides, message):
    client.force_login(world["bmbf1"])
    response = client.post(url("propose", world["strategy"]), form(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not FundingDecision.objects.exists()


def test_budget_overrun_asks_for_a_reason(client, world):
    cycle = world["strategy"].cycle
    cycle.budget = 400000
    cycle.save()
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    client.force_login(world["bmbf2"])
    reauthenticated(client)
    response = client.post(url("confirm", world["strategy"], decision.pk))
    assert response.status_code == 422
    assert "über dem Budget" in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED


def test_releasing_an_unconfirmed_decision_is_refused(client, world):
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    client.force_login(world["bmbf2"])
    reauthenticated(client)
    response = client.post(url("release", world["strategy"], decision.pk))
    assert response.status_code == 422
    assert "Nur eine bestätigte Entscheidung" in response.content.decode()


def released(world):
    decision = services.propose_decision(
        strategy=world["strategy"],
        user=world["bmbf1"],
        **decision_content(outcome="conditions", conditions="Beirat einrichten"),
    )
    services.confirm_decision(decision=decision, user=world["bmbf2"])
    return services.release_decision(decision=decision, user=world["bmbf1"])


def test_the_alliance_reads_its_released_decision_but_no_reviews(client, world):
    released(world)
    client.force_login(world["strategy"].alliance.memberships.first().user)
    page = client.get(url("alliance_decision", world["strategy"])).content.decode()
    assert "bewilligt mit Auflagen" in page
    assert "Beirat einrichten" in page
    assert "Gutachter/in" not in page


def test_another_alliance_cannot_read_the_decision(client, world):
    released(world)
    client.force_login(manager_of(world["other"].alliance))
    assert client.get(url("alliance_decision", world["strategy"])).status_code == 404


def test_an_unreleased_decision_is_not_shown_to_the_alliance(client, world):
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    services.confirm_decision(decision=decision, user=world["bmbf2"])
    client.force_login(world["strategy"].alliance.memberships.first().user)
    assert client.get(url("alliance_decision", world["strategy"])).status_code == 404


# --- The proposal form --------------------------------------------------------------------------------------


def test_the_change_form_is_prefilled_with_iso_dates_a_date_input_can_read(client, world):
    services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    client.force_login(world["bmbf2"])
    page = client.get(url("alliance", world["strategy"])).content.decode()
    assert "Vorschlag ändern" in page
    assert 'type="date" name="funding_start" value="2025-04-01"' in page
    assert 'type="date" name="funding_end" value="2028-03-31"' in page
    assert 'value="01.04.2025"' not in page


def test_german_dates_typed_into_a_text_field_are_accepted(client, world):
    client.force_login(world["bmbf1"])
    response = client.post(
        url("propose", world["strategy"]), form(funding_start="01.04.2025", funding_end="31.03.2028")
    )
    assert response.status_code == 302
    decision = FundingDecision.objects.get()
    assert (decision.funding_start, decision.funding_end) == (date(2025, 4, 1), date(2028, 3, 31))


def test_a_date_in_neither_format_is_refused(client, world):
    client.force_login(world["bmbf1"])
    response = client.post(url("propose", world["strategy"]), form(funding_start="1. April 2025"))
    assert response.status_code == 422
    assert not FundingDecision.objects.exists()


# --- The alliance managers' decisions page ------------------------------------------------------------------


def my_decisions(client, user):
    client.force_login(user)
    response = client.get(reverse("decisions:my_decisions"))
    assert response.status_code == 200
    return response.content.decode()


def test_managers_read_their_released_decision_with_letter_but_no_reviews(client, world):
    strategy = world["strategy"]
    programme_rubric(strategy.cycle)
    expert = ExpertProfileFactory(user__full_name="Dr. Erika Gutachterin").user
    assignment = cleared_assignment(strategy, expert=expert)
    submitted_review(assignment, 4)
    released(world)
    page = my_decisions(client, strategy.alliance.memberships.first().user)
    assert "Gesunde Lausitz" in page
    assert "bewilligt mit Auflagen" in page and "500.000,00 EUR" in page
    assert "01.04.2025 – 31.03.2028" in page and "Beirat einrichten" in page
    assert "Aktenzeichen" in page and "Mit freundlichen Grüßen" in page  # the letter
    assert reverse("decisions:alliance_decision", args=[strategy.cycle.slug, strategy.alliance.slug]) in page
    assert "Dr. Erika Gutachterin" not in page
    assert f"Gutachter/in {assignment.pseudonym}" not in page
    assert "Stärken" not in page and "Überzeugende Strategie" in page  # the rationale, from the letter


@pytest.mark.parametrize("stage", ["none", "proposed", "confirmed"])
def test_before_release_the_managers_page_says_no_decision_is_released(client, world, stage):
    if stage != "none":
        decision = services.propose_decision(
            strategy=world["strategy"], user=world["bmbf1"], **decision_content(granted_amount=Decimal("444000"))
        )
        if stage == "confirmed":
            services.confirm_decision(decision=decision, user=world["bmbf2"])
    page = my_decisions(client, world["strategy"].alliance.memberships.first().user)
    assert "noch keine Förderentscheidung freigegeben" in page
    assert "444.000,00" not in page and "bewilligt" not in page


def test_managers_see_only_their_own_alliances_decisions(client, world):
    released(world)
    other_manager = world["other"].alliance.memberships.first().user
    page = my_decisions(client, other_manager)
    assert "DIANA" in page and "noch keine Förderentscheidung freigegeben" in page
    assert "Gesunde Lausitz" not in page and "Beirat einrichten" not in page


def test_a_manager_of_two_alliances_sees_both(client, world):
    released(world)
    manager = world["strategy"].alliance.memberships.first().user
    MembershipFactory(user=manager, alliance=world["other"].alliance)
    page = my_decisions(client, manager)
    assert page.index("DIANA") < page.index("Gesunde Lausitz")
    assert page.count("noch keine Förderentscheidung freigegeben") == 1
    assert "Beirat einrichten" in page


def test_managers_have_a_nav_link_to_their_decisions_and_others_do_not(client, world):
    link = f'href="{reverse("decisions:my_decisions")}"'
    manager_page = my_decisions(client, world["strategy"].alliance.memberships.first().user)
    assert link in manager_page and ">Förderentscheidung</a>" in manager_page
    client.force_login(world["bmbf1"])
    assert link not in client.get(url("alliance", world["strategy"])).content.decode()


def test_the_single_decision_page_links_back_to_the_list(client, world):
    released(world)
    client.force_login(world["strategy"].alliance.memberships.first().user)
    page = client.get(url("alliance_decision", world["strategy"])).content.decode()
    assert reverse("decisions:my_decisions") in page


# fixed: session, user, the current cycle, the manager's strategies, their released decisions
MY_DECISIONS_QUERIES = 5


@pytest.mark.parametrize("size", [2, 6])
def test_my_decisions_query_count_is_the_same_at_two_sizes(client, cycle, django_assert_num_queries, size):
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    manager = UserFactory(role=Role.ALLIANCE_MANAGER)
    for number in range(size):
        strategy = StrategyFactory(
            cycle=cycle, alliance=AllianceFactory(slug=f"b-{number}"), status=StrategyStatus.SUBMITTED
        )
        MembershipFactory(user=manager, alliance=strategy.alliance)
        if number % 2 == 0:
            decision = services.propose_decision(
                strategy=strategy, user=bmbf1, **decision_content(over_request_reason="Sonderfall")
            )
            services.confirm_decision(decision=decision, user=bmbf2)
            services.release_decision(decision=decision, user=bmbf1)
    client.force_login(manager)
    target = reverse("decisions:my_decisions")
    client.get(target)
    with django_assert_num_queries(MY_DECISIONS_QUERIES):
        response = client.get(target)
    assert len(response.context["entries"]) == size
    assert sum(1 for entry in response.context["entries"] if entry["decision"]) == (size + 1) // 2


class _TableRegions(HTMLParser):
    """Collects, for every table of a page, the scroll box around it, its caption id and whether it has links."""

    def __init__(self):
        super().__init__()
        self.divs, self.tables, self.current = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div":
            self.divs.append(attrs)
        elif tag == "table":
            box = next((d for d in reversed(self.divs) if "table-responsive" in d.get("class", "").split()), None)
            self.current = {"box": box, "caption_id": None, "links": False}
        elif self.current is not None and tag == "caption":
            self.current["caption_id"] = attrs.get("id")
        elif self.current is not None and tag == "a":
            self.current["links"] = True

    def handle_endtag(self, tag):
        if tag == "div" and self.divs:
            self.divs.pop()
        elif tag == "table" and self.current is not None:
            self.tables.append(self.current)
            self.current = None


def table_region_faults(page):
    parser = _TableRegions()
    parser.feed(page)
    faults = []
    for number, table in enumerate(parser.tables, start=1):
        box = table["box"]
        if box is None:
            faults.append(f"table {number} is not inside a .table-responsive box")
        elif not table["links"] and not (
            box.get("tabindex") == "0"
            and box.get("role") == "region"
            and (box.get("aria-label") or (table["caption_id"] and box.get("aria-labelledby") == table["caption_id"]))
        ):
            faults.append(f"table {number} has no links but its box is not a focusable, named region")
    return parser.tables, faults


def test_every_table_on_the_ministrys_alliance_page_scrolls_in_a_focusable_named_region(
    client, world, programme_office
):
    strategy = world["strategy"]
    programme_rubric(strategy.cycle)
    expert = ExpertProfileFactory(user__full_name="Dr. Erika Expertin").user
    submitted_review(cleared_assignment(strategy, expert=expert, office=programme_office), 4)
    services.propose_decision(strategy=strategy, user=world["bmbf1"], **decision_content())
    client.force_login(world["bmbf2"])
    page = client.get(url("alliance", strategy)).content.decode()
    tables, faults = table_region_faults(page)
    assert len(tables) == 3  # budget plan, reviews side by side, decision events
    assert faults == []
    assert "Dr. Erika Expertin" in page and 'id="decision-events"' in page


def test_the_decision_timeline_table_scrolls_in_a_focusable_named_region(client, world):
    strategy = world["strategy"]
    services.propose_decision(strategy=strategy, user=world["bmbf1"], **decision_content())
    client.force_login(world["bmbf2"])
    page = client.get(reverse("decisions:timeline", args=[strategy.cycle.slug])).content.decode()
    tables, faults = table_region_faults(page)
    assert len(tables) == 1
    assert faults == []
    assert "Gesunde Lausitz" in page
