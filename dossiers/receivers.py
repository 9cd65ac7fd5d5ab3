"""Later work the dossier stage sets going when earlier stages announce a fact.

Module-level functions, so the signals' weak references keep them alive for the life of the process.
"""

from contextlib import suppress

from dossiers import services
from dossiers.models import DossierKind


def request_strategy_dossier(sender, submission, **kwargs):
    """Every submission gets its strategy dossier, so experts can read it as one PDF."""
    strategy = submission.strategy
    services.request_dossier(
        kind=DossierKind.STRATEGY, cycle=strategy.cycle, strategy=strategy, user=submission.submitted_by
    )


def request_fresh_evaluation_dossier(sender, decision, **kwargs):
    """A confirmed, corrected or released decision changes the evaluation dossier's inputs."""
    strategy = decision.strategy
    with suppress(services.DossierUnavailable):  # no submission, no dossier
        services.request_dossier(
            kind=DossierKind.EVALUATION,
            cycle=strategy.cycle,
            strategy=strategy,
            user=decision.released_by or decision.confirmed_by,
        )


def request_decision_letter(sender, decision, **kwargs):
    """Each release (a correction too) gets its decision letter as a PDF."""
    strategy = decision.strategy
    with suppress(services.DossierUnavailable):
        services.request_dossier(
            kind=DossierKind.DECISION_LETTER, cycle=strategy.cycle, strategy=strategy, user=decision.released_by
        )
