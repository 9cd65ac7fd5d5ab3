"""The `decisions.read_decision` rule and `FundingDecision.objects.visible_to` agree; services guard by the rule."""

import pytest
import rules

from decisions import services
from decisions.models import FundingDecision
from portal.models import Role
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    decision_content,
    manager_of,
    ministry_user,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def decisions(cycle):
    bmbf1, bmbf2 = ministry_user("read1@bmbf.example"), ministry_user("read2@bmbf.example")
    released_strategy, _ = submitted_strategy(cycle, AllianceFactory(slug="released", name="Released"))
    proposed_strategy, _ = submitted_strategy(cycle, AllianceFactory(slug="proposed", name="Proposed"))
    released = services.propose_decision(strategy=released_strategy, user=bmbf1, **decision_content())
    services.confirm_decision(decision=released, user=bmbf2)
    released = services.release_decision(decision=released, user=bmbf1)
    proposed = services.propose_decision(strategy=proposed_strategy, user=bmbf1, **decision_content())
    return {"released": released, "proposed": proposed, "bmbf1": bmbf1}


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("released_manager", {"released"}),
        ("proposed_manager", set()),
        ("other_manager", set()),
        ("expert", set()),
        ("programme_office", {"released", "proposed"}),
        ("ministry", {"released", "proposed"}),
        ("admin", set()),
    ],
)
def test_the_rule_and_visible_to_name_the_same_decisions(decisions, programme_office, actor, expected):
    users = {
        "released_manager": lambda: decisions["released"].strategy.alliance.memberships.first().user,
        "proposed_manager": lambda: decisions["proposed"].strategy.alliance.memberships.first().user,
        "other_manager": lambda: manager_of(AllianceFactory(slug="else", name="Else")),
        "expert": lambda: ExpertProfileFactory().user,
        "programme_office": lambda: programme_office,
        "ministry": lambda: decisions["bmbf1"],
        "admin": lambda: UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True),
    }
    user = users[actor]()
    named = {name: decisions[name] for name in ("released", "proposed")}
    by_rule = {name for name, decision in named.items() if rules.has_perm("decisions.read_decision", user, decision)}
    listed = {name for name, decision in named.items() if decision in FundingDecision.objects.visible_to(user)}
    assert by_rule == listed == expected


def test_the_services_refuse_whoever_lacks_the_decide_permission(decisions, programme_office):
    inactive = UserFactory(role=Role.MINISTRY, is_active=False)
    for user in (programme_office, inactive):
        with pytest.raises(services.DecisionRefused, match="Nur das Ministerium"):
            services.release_decision(decision=decisions["proposed"], user=user)
