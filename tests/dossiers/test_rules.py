"""The two homes of dossier permissions agree: the `dossiers.read_dossier` rule and `Dossier.objects.visible_to`."""

import pytest
import rules

from decisions import services as decision_services
from dossiers.models import Dossier, DossierKind
from dossiers.rules import DossierSubject
from portal.models import Role
from tests.factories import (
    AllianceFactory,
    UserFactory,
    cleared_and_waiting_experts,
    decision_content,
    ministry_user,
    ready_dossier,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cycle, programme_office):
    own, _ = submitted_strategy(cycle, AllianceFactory(slug="own", name="Own"))
    other, _ = submitted_strategy(cycle, AllianceFactory(slug="other", name="Other"))
    bmbf1, bmbf2 = ministry_user("rules1@bmbf.example"), ministry_user("rules2@bmbf.example")
    decision = decision_services.propose_decision(strategy=own, user=bmbf1, **decision_content())
    decision_services.confirm_decision(decision=decision, user=bmbf2)
    decision_services.release_decision(decision=decision, user=bmbf1)
    cleared, waiting = cleared_and_waiting_experts(own, programme_office)
    dossiers = {}
    for strategy in (own, other):
        for kind in (DossierKind.STRATEGY, DossierKind.EVALUATION, DossierKind.DECISION_LETTER):
            dossiers[(strategy.alliance.slug, kind)] = ready_dossier(kind=kind, cycle=cycle, strategy=strategy)
    for kind in (DossierKind.CYCLE_REPORT, DossierKind.CYCLE_ARCHIVE):
        dossiers[("cycle", kind)] = ready_dossier(kind=kind, cycle=cycle)
    # A person's own data export is theirs alone, the ministry's included; the record is the admins'.
    own_manager = own.alliance.memberships.first().user
    for name, person in (("own_manager", own_manager), ("ministry", bmbf1)):
        dossiers[(name, DossierKind.PERSONAL_DATA)] = ready_dossier(kind=DossierKind.PERSONAL_DATA, person=person)
    dossiers[("record", DossierKind.PRIVACY_RECORD)] = ready_dossier(kind=DossierKind.PRIVACY_RECORD)
    return {
        "own": own,
        "dossiers": dossiers,
        "actors": {
            "own_manager": own_manager,
            "other_manager": other.alliance.memberships.first().user,
            "cleared_expert": cleared,
            "waiting_expert": waiting,
            "programme_office": programme_office,
            "ministry": bmbf1,
            "admin": UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True),
            "inactive_ministry": UserFactory(role=Role.MINISTRY, is_active=False),
        },
    }


# Which dossiers each actor reads; the other alliance's letter exists but its decision is not released.
READS = {
    "own_manager": {("own", "strategy"), ("own", "decision_letter"), ("own_manager", "personal_data")},
    "other_manager": {("other", "strategy")},
    "cleared_expert": {("own", "strategy")},
    "waiting_expert": set(),
    "programme_office": {(slug, kind) for slug in ("own", "other") for kind in ("strategy", "decision_letter")},
    "ministry": {
        *((slug, kind) for slug in ("own", "other") for kind in ("strategy", "evaluation", "decision_letter")),
        ("cycle", "cycle_report"),
        ("cycle", "cycle_archive"),
        ("ministry", "personal_data"),
    },
    "admin": {("record", "privacy_record")},
    "inactive_ministry": set(),
}


@pytest.mark.parametrize("actor", list(READS))
def test_the_rule_and_visible_to_name_the_same_dossiers(world, actor):
    user = world["actors"][actor]
    dossiers = world["dossiers"]
    by_rule = {key for key, dossier in dossiers.items() if rules.has_perm("dossiers.read_dossier", user, dossier)}
    listed = {key for key, dossier in dossiers.items() if dossier in Dossier.objects.visible_to(user)}
    assert by_rule == listed == READS[actor]


# Everyone may ask for their own data; whose export it is, rule 2 decides.
KIND_READERS = {
    Role.ALLIANCE_MANAGER: {"strategy", "decision_letter", "personal_data"},
    Role.EXPERT: {"strategy", "personal_data"},
    Role.PROGRAMME_OFFICE: {
        "strategy",
        "decision_letter",
        "dashboard_csv",
        "dashboard_xlsx",
        "personal_data",
        "session_minutes",
    },
    Role.MINISTRY: set(DossierKind.values) - {"privacy_record"},
    Role.ADMIN: {"personal_data", "privacy_record"},
}


@pytest.mark.parametrize("role", list(KIND_READERS))
def test_which_kinds_a_role_may_ever_read(db, role):
    user = UserFactory(role=role)
    assert {kind for kind in DossierKind.values if rules.has_perm("dossiers.read_kind", user, kind)} == (
        KIND_READERS[role]
    )


def test_a_subject_without_a_dossier_is_judged_like_its_dossier(world):
    own_manager = world["actors"]["own_manager"]
    assert rules.has_perm("dossiers.read_dossier", own_manager, DossierSubject(DossierKind.STRATEGY, world["own"]))
    assert not rules.has_perm(
        "dossiers.read_dossier", own_manager, DossierSubject(DossierKind.EVALUATION, world["own"])
    )
