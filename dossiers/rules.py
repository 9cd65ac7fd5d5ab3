"""Who may request and read which dossier.

Two questions, asked in this order, with two different answers:

1. May the user's role ever read this kind of dossier? If not, 403 (`dossiers.read_kind`, the object is the
   kind). Evaluation dossiers, cycle reports and cycle archives are for the ministry alone; decision letters
   for the ministry, the programme office and alliance managers; strategy dossiers for every role but the
   admin; the dashboard's exports for the dashboard's readers, the ministry and the programme office.
2. May the user read this one, i.e. its strategy? If not, 404 (`dossiers.read_dossier`, the object is a
   `Dossier` or a `DossierSubject` for one not yet requested). Alliance managers read their own alliance's
   strategy dossier, and its decision letter once a decision is released; experts the strategy dossier of a
   strategy they are cleared for; the ministry and the programme office every dossier of the kinds they read.

The data protection kinds follow their own rule: a person's own data export (`personal_data`) is read by that
person alone, whatever the role, and the record of processing activities (`privacy_record`) by the admins.

So an expert or the programme office asking for an evaluation dossier gets 403, and a manager asking for
another alliance's strategy dossier, or for their own letter before release, gets 404. Lists use
`Dossier.objects.visible_to(user)`, which mirrors rule 2.
"""

from typing import NamedTuple

import rules

from alliances.models import Strategy
from alliances.rules import manages_strategy_alliance
from decisions.models import FundingDecision
from dossiers.models import EXPORT_KINDS, MINISTRY_KINDS, PRIVACY_KINDS, DossierKind
from portal.rules import is_admin, is_alliance_manager, is_expert, is_ministry, is_staff_reader
from reviews.models import AssignmentStatus


class DossierSubject(NamedTuple):
    """What a dossier is about, before it exists: its kind and (for the strategy kinds) its strategy, or (for a
    personal data export) its person's id."""

    kind: str
    strategy: Strategy | None = None
    person_id: int | None = None


# Rule 1: the roles that may read each kind at all.
KIND_READERS = {
    DossierKind.STRATEGY: is_staff_reader | is_alliance_manager | is_expert,
    DossierKind.DECISION_LETTER: is_staff_reader | is_alliance_manager,
    **dict.fromkeys(MINISTRY_KINDS, is_ministry),
    **dict.fromkeys(EXPORT_KINDS, is_staff_reader),
    DossierKind.PERSONAL_DATA: rules.is_authenticated & rules.is_active,
    DossierKind.PRIVACY_RECORD: is_admin,
    DossierKind.SESSION_MINUTES: is_staff_reader,
}


@rules.predicate
def reads_kind(user, kind):
    readers = KIND_READERS.get(kind)
    return readers is not None and readers.test(user)


@rules.predicate
def is_strategy_dossier(user, subject):
    return subject is not None and subject.kind == DossierKind.STRATEGY


@rules.predicate
def is_letter(user, subject):
    return subject is not None and subject.kind == DossierKind.DECISION_LETTER


@rules.predicate
def manages_subject_alliance(user, subject):
    return subject is not None and subject.strategy is not None and manages_strategy_alliance(user, subject.strategy)


@rules.predicate
def decision_released(user, subject):
    return FundingDecision.objects.filter(strategy=subject.strategy).released().exists()


@rules.predicate
def cleared_for_subject(user, subject):
    return (
        subject is not None
        and subject.strategy is not None
        and subject.strategy.assignments.filter(expert=user, status=AssignmentStatus.CLEARED).exists()
    )


@rules.predicate
def is_privacy_dossier(user, subject):
    return subject is not None and subject.kind in PRIVACY_KINDS


@rules.predicate
def is_privacy_record(user, subject):
    return subject is not None and subject.kind == DossierKind.PRIVACY_RECORD


@rules.predicate
def is_own_personal_data(user, subject):
    return subject is not None and subject.kind == DossierKind.PERSONAL_DATA and subject.person_id == user.pk


@rules.predicate
def reads_subject_kind(user, subject):
    return subject is not None and reads_kind(user, subject.kind)


# Rule 2, on top of rule 1: staff read every dossier of their kinds; managers and experts only their own.
# A person's data export is theirs alone, also against staff who read every other dossier.
reads_dossier = reads_subject_kind & (
    (
        ~is_privacy_dossier
        & (
            is_staff_reader
            | (is_alliance_manager & manages_subject_alliance & (is_strategy_dossier | (is_letter & decision_released)))
            | (is_expert & is_strategy_dossier & cleared_for_subject)
        )
    )
    | is_own_personal_data
    | (is_admin & is_privacy_record)
)

rules.add_perm("dossiers.read_kind", reads_kind)
rules.add_perm("dossiers.read_dossier", reads_dossier)
# For templates: the rules tag `has_perm` asks user.has_perm, which grants a superuser everything.
rules.add_rule("dossiers.reads_session_minutes", is_staff_reader)
