"""Demo data for the decision stage: decisions that follow from the panel's Votum, under the four-eyes principle."""

from datetime import date
from decimal import Decimal

from django.test.utils import override_settings

from alliances.demo import CYCLE_SLUG, LOCAL_MAIL
from alliances.models import EvaluationCycle, Phase
from decisions import services
from decisions.models import FundingDecision, Outcome
from portal.models import User
from reviews.demo import whole_thousands
from reviews.models import PanelVotum, Recommendation


def _content(votum, *, share=Decimal("1")):
    """The decision the Votum recommends: its amount (times `share`) and its conditions."""
    with_conditions = votum.recommendation == Recommendation.FUND_WITH_CONDITIONS
    return {
        "outcome": Outcome.APPROVED_WITH_CONDITIONS if with_conditions else Outcome.APPROVED,
        "granted_amount": whole_thousands(votum.proposed_amount * share),
        "funding_start": date(2025, 4, 1),
        "funding_end": date(2028, 3, 31),
        "conditions": votum.conditions if with_conditions else "",
        "rationale": "Die Gutachten bescheinigen eine breite regionale Verankerung und einen schlüssigen Plan "
        "für die zweite Umsetzungsphase; das Votum der Jury wird übernommen.",
        "letter_rationale": "Die Gutachterinnen und Gutachter bescheinigen Ihrer Strategie eine breite regionale "
        "Verankerung und einen schlüssigen Plan für die zweite Umsetzungsphase.",
        "over_request_reason": "",
    }


def decision_plan(phase, number):
    """(proposer, confirmer or None, released) for the `number`-th strategy with a Votum, or None for no decision.

    Decision phase: some confirmed, some waiting for the second ministry user, some not yet proposed; none released.
    Released phase: every decision confirmed by a second person and released.
    """
    if phase == Phase.RELEASED:
        return ("bmbf1", "bmbf2", True) if number % 2 == 0 else ("bmbf2", "bmbf1", True)
    # Proposals waiting for confirmation come from both ministry users, so each of them has one to confirm.
    waiting = ("bmbf1", None, False) if number % 8 == 1 else ("bmbf2", None, False)
    return [("bmbf1", "bmbf2", False), waiting, ("bmbf2", "bmbf1", False), None][number % 4]


def seed(*, stdout, phase=None):
    cycle = EvaluationCycle.objects.get(slug=CYCLE_SLUG)
    if FundingDecision.objects.filter(strategy__cycle=cycle).exists():
        stdout.write("Entscheidungen: bereits angelegt.")
        return []
    if cycle.phase not in (Phase.DECISION, Phase.RELEASED):
        stdout.write("Entscheidungen: folgen in der Entscheidungsphase.")
        return []
    ministry = {name: User.objects.get(email=f"{name}@demo.example") for name in ("bmbf1", "bmbf2")}
    vota = PanelVotum.objects.filter(strategy__cycle=cycle).select_related("strategy__alliance")
    with override_settings(MAILERS=LOCAL_MAIL):
        for number, votum in enumerate(vota.order_by("strategy__alliance__name")):
            plan = decision_plan(cycle.phase, number)
            if plan is None:
                continue
            proposer, confirmer, released = plan
            decision = services.propose_decision(strategy=votum.strategy, user=ministry[proposer], **_content(votum))
            if confirmer is None:
                continue
            decision = services.confirm_decision(decision=decision, user=ministry[confirmer])
            if not released:
                continue
            decision = services.release_decision(decision=decision, user=ministry[proposer])
            if number == 3:
                # A correction of a released decision, waiting for the second ministry user.
                services.propose_decision(
                    strategy=votum.strategy,
                    user=ministry[confirmer],
                    supersedes=decision,
                    supersession_reason="Rechenfehler im Finanzplan korrigiert.",
                    **_content(votum, share=Decimal("0.95")),
                )
    decisions = FundingDecision.objects.filter(strategy__cycle=cycle)
    stdout.write(
        f"Entscheidungen: {decisions.count()} angelegt, davon {decisions.filter(confirmed_by__isnull=False).count()} "
        "bestätigt."
    )
    return []
