"""Who may see and do what with alliances and strategies.

Role checks answer 403; object scope is enforced by `Strategy.objects.visible_to`, which answers 404.
"""

import rules

from alliances.models import Strategy
from portal.rules import is_alliance_manager, is_programme_office, is_staff_reader


@rules.predicate
def manages_alliance_of(user, obj):
    """The user manages the alliance a strategy or a question belongs to."""
    if obj is None:
        return False
    return obj.alliance.memberships.filter(user=user).exists()


# The name later stages import.
manages_strategy_alliance = manages_alliance_of


@rules.predicate
def strategy_is_editable(user, strategy):
    return strategy is not None and strategy.is_editable_status


# Role-level gates: who may reach strategy pages at all.
rules.add_perm("alliances.use_strategy_pages", is_alliance_manager | is_staff_reader)
rules.add_perm("alliances.view_overview", is_staff_reader)
# Works on its own alliances' strategies (the scope follows from Strategy.objects.visible_to).
rules.add_perm("alliances.work_on_strategies", is_alliance_manager)

rules.add_perm("alliances.view_strategy", is_staff_reader | (is_alliance_manager & manages_alliance_of))
rules.add_perm("alliances.edit_strategy", is_alliance_manager & manages_alliance_of & strategy_is_editable)
rules.add_perm("alliances.submit_strategy", is_alliance_manager & manages_alliance_of & strategy_is_editable)
rules.add_perm("alliances.view_history", is_staff_reader | (is_alliance_manager & manages_alliance_of))
rules.add_perm("alliances.reopen_submission", is_programme_office)
rules.add_perm("alliances.extend_deadline", is_programme_office)
# The postal address and file reference a decision letter prints.
rules.add_perm("alliances.edit_letter_data", is_programme_office)
# The same as a rule, for templates: `test_rule` asks no auth backend, so a page's link costs no query.
rules.add_rule("alliances.edit_letter_data", is_programme_office)

# Cycle settings: the programme office edits them, the ministry reads them.
rules.add_perm("alliances.view_cycle_settings", is_staff_reader)
rules.add_perm("alliances.edit_cycle_settings", is_programme_office)


# --- Questions and answers ----------------------------------------------------------------------------------


@rules.predicate
def takes_part_in_cycle(user, cycle):
    """The user manages an alliance with a strategy in the cycle."""
    if cycle is None:
        return False
    return Strategy.objects.filter(cycle=cycle, alliance__memberships__user=user).exists()


# Role-level gates: experts and admins never reach the questions (403).
rules.add_perm("alliances.reach_questions", is_alliance_manager | is_staff_reader)
rules.add_perm("alliances.ask_question", is_alliance_manager)
rules.add_perm("alliances.view_question_queue", is_staff_reader)
rules.add_perm("alliances.view_faq", is_alliance_manager | is_staff_reader)
# Scope of one cycle's FAQ (404 outside it): staff read every cycle's, managers those their alliances take part in.
rules.add_perm("alliances.read_cycle_faq", is_staff_reader | (is_alliance_manager & takes_part_in_cycle))

rules.add_perm("alliances.view_question", is_staff_reader | (is_alliance_manager & manages_alliance_of))
rules.add_perm("alliances.answer_question", is_programme_office)
rules.add_perm("alliances.comment_question", is_staff_reader)
# The programme office may ask the ministry for a statement along with an internal comment.
rules.add_perm("alliances.ask_ministry", is_programme_office)
rules.add_perm("alliances.view_question_comments", is_staff_reader)
rules.add_perm("alliances.publish_question", is_programme_office)
# Anyone signed in may report a barrier in the portal (BITV 2.0); those not signed in get the contact address.
rules.add_perm("alliances.report_barrier", rules.is_active)
