"""Who may see and do what with funding decisions.

Ministry staff decide; the programme office reads the dashboard; alliances read their released decision.
Role checks answer 403 (the role may never do this). Object scope answers 404 (the role may, but not for
this object): `decisions.read_decision` on one decision, mirrored for lists by
`FundingDecision.objects.visible_to(user)`. Services guard with the same permissions (defence in depth).
"""

import rules

from alliances.rules import manages_strategy_alliance
from portal.rules import is_alliance_manager, is_ministry, is_programme_office, is_staff_reader


@rules.predicate
def decision_is_released(user, decision):
    return decision is not None and decision.is_released


@rules.predicate
def manages_decision_alliance(user, decision):
    return decision is not None and manages_strategy_alliance(user, decision.strategy)


rules.add_perm("decisions.view_dashboard", is_staff_reader)


@rules.predicate
def proposed_the_decision(user, decision):
    return decision is not None and decision.proposed_by_id == user.pk


rules.add_perm("decisions.decide", is_ministry)
# A colleague's answer to a proposal is confirming or changing it; withdrawing it is its proposer's call.
rules.add_perm("decisions.withdraw_proposal", (is_ministry & proposed_the_decision) | is_programme_office)
rules.add_perm("decisions.view_audit", is_ministry)
rules.add_perm("decisions.read_own_decision", is_alliance_manager)
rules.add_perm(
    "decisions.read_decision",
    is_staff_reader | (is_alliance_manager & decision_is_released & manages_decision_alliance),
)
