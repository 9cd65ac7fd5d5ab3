"""axe-core in the browser tests: `assert_accessible(page, label)` fails on any WCAG 2.1 A/AA violation.

axe comes from tests/browser/vendor/axe-core (see its README), never from the network. It is injected with
Playwright's `page.evaluate`, which runs through the DevTools protocol: the page's Content Security Policy stays
as the portal sends it (no `bypass_csp`, no inline <script>), so the page is checked as users get it.
"""

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

# WCAG 2.0 and 2.1, levels A and AA: what BITV 2.0 asks of the portal.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Nodes that are not the portal's to fix, each with the reason. A whole rule is never excluded.
EXCLUDED_NODES: list[str] = []

RUN_AXE_JS = """
async ([tags, exclude]) => {
  const results = await axe.run(
    {include: [document], exclude: exclude},
    {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]},
  );
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    helpUrl: violation.helpUrl,
    nodes: violation.nodes.map((node) => ({target: node.target.join(" "), summary: node.failureSummary})),
  }));
}
"""


class AccessibilityViolations(AssertionError):
    """axe found violations; `rule_ids` names the rules, the message lists every node."""

    def __init__(self, label, url, violations):
        self.rule_ids = [violation["id"] for violation in violations]
        self.violations = violations
        super().__init__(report(label, url, violations))


@cache
def axe_source():
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page):
    """axe's WCAG 2.1 A/AA violations on the page as it stands (after htmx swaps, with errors shown, …)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(RUN_AXE_JS, [WCAG_TAGS, EXCLUDED_NODES])


def assert_accessible(page, label):
    """Runs axe on the page and fails with a readable report (rule, impact, help, each node) on any violation."""
    violations = axe_violations(page)
    if violations:
        raise AccessibilityViolations(label, page.url, violations)


def report(label, url, violations):
    lines = [f"{len(violations)} accessibility rule(s) violated on {label} ({url}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)
