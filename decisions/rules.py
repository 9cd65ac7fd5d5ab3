"""Ministry staff decide; the programme office reads the dashboard; alliances read their released decision."""

import rules

from portal.rules import is_alliance_manager, is_ministry, is_staff_reader

rules.add_perm("decisions.view_dashboard", is_staff_reader)
rules.add_perm("decisions.decide", is_ministry)
rules.add_perm("decisions.view_audit", is_ministry)
rules.add_perm("decisions.read_own_decision", is_alliance_manager)
