"""Demo data for the decision stage: decisions in every state."""

from datetime import date
from decimal import Decimal

from django.test.utils import override_settings

from alliances.demo import CYCLE_SLUG
from alliances.models import EvaluationCycle, Strategy
from decisions import selectors, services
from decisions.models import FundingDecision, Outcome
from portal.models import User
from reviews import services as review_services


def _content(strategy, share, outcome=Outcome.APPROVED):
    requested = selectors.requested_amount(strategy)
    amount = Decimal("0") if outcome == Outcome.REJECTED else (requested * share).quantize(Decimal("1000"))
    return {
        "outcome": outcome,
        "granted_amount": amount,
        "funding_start": date(2025, 4, 1),
        "funding_end": date(2028, 3, 31),
        "conditions": "Verstetigungskonzept bis 30.06.2026 vorlegen."
        if outcome == Outcome.APPROVED_WITH_CONDITIONS
        else "",
        "rationale": "Die Gutachten bescheinigen eine breite regionale Verankerung und einen schlüssigen Plan "
        "für die zweite Umsetzungsphase.",
        "over_request_reason": "",
    }


def seed(*, stdout):
    cycle = EvaluationCycle.objects.get(slug=CYCLE_SLUG)
    if FundingDecision.objects.filter(strategy__cycle=cycle).exists():
        stdout.write("Entscheidungen: bereits angelegt.")
        return []
    bmbf1 = User.objects.get(email="bmbf1@demo.example")
    bmbf2 = User.objects.get(email="bmbf2@demo.example")
    office = User.objects.get(email="pt@demo.example")
    strategies = list(
        Strategy.objects.submitted().filter(cycle=cycle).select_related("alliance").order_by("alliance__name")
    )
    with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
        for strategy in strategies:
            if review_services.reviews_complete(strategy):
                review_services.save_votum(
                    strategy=strategy,
                    user=office,
                    recommendation="conditions",
                    proposed_amount=(selectors.requested_amount(strategy) * Decimal("0.9")).quantize(Decimal("1000")),
                    conditions="Verstetigungskonzept bis 30.06.2026 vorlegen.",
                    summary="Die Jury empfiehlt die Förderung der zweiten Phase mit einer Auflage zur Verstetigung.",
                )
        plan = ["released", "confirmed", "proposed", "corrected"]
        for strategy, state in zip(strategies, plan, strict=False):
            outcome = Outcome.APPROVED_WITH_CONDITIONS if state != "proposed" else Outcome.APPROVED
            decision = services.propose_decision(
                strategy=strategy, user=bmbf1, **_content(strategy, Decimal("0.9"), outcome)
            )
            if state == "proposed":
                continue
            services.confirm_decision(decision=decision, user=bmbf2)
            if state in ("released", "corrected"):
                services.release_decision(decision=decision, user=bmbf1)
            if state == "corrected":
                services.propose_decision(
                    strategy=strategy,
                    user=bmbf2,
                    supersedes=decision,
                    supersession_reason="Rechenfehler im Finanzplan korrigiert.",
                    **_content(strategy, Decimal("0.85"), outcome),
                )
    stdout.write(f"Entscheidungen: {FundingDecision.objects.filter(strategy__cycle=cycle).count()} angelegt.")
    return []
