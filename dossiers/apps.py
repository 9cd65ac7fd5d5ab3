from contextlib import suppress

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from alliances.signals import strategy_submitted
        from decisions.signals import decision_confirmed, decision_released
        from dossiers import services
        from dossiers.models import DossierKind

        def on_strategy_submitted(sender, submission, **kwargs):
            strategy = submission.strategy
            services.request_dossier(kind=DossierKind.STRATEGY, cycle=strategy.cycle, strategy=strategy,
                                     user=submission.submitted_by)

        strategy_submitted.connect(on_strategy_submitted, dispatch_uid="dossiers.fresh_strategy_dossier")

        def on_decision_changed(sender, decision, **kwargs):
            """A confirmed, corrected or released decision changes the evaluation dossier's inputs."""
            strategy = decision.strategy
            with suppress(services.DossierUnavailable):  # no submission, no dossier
                services.request_dossier(kind=DossierKind.EVALUATION, cycle=strategy.cycle, strategy=strategy,
                                         user=decision.released_by or decision.confirmed_by)

        decision_confirmed.connect(on_decision_changed, dispatch_uid="dossiers.fresh_evaluation_on_confirm")
        decision_released.connect(on_decision_changed, dispatch_uid="dossiers.fresh_evaluation_on_release")

        def on_decision_released(sender, decision, **kwargs):
            """Each release (a correction too) gets its decision letter as a PDF."""
            strategy = decision.strategy
            with suppress(services.DossierUnavailable):
                services.request_dossier(kind=DossierKind.DECISION_LETTER, cycle=strategy.cycle, strategy=strategy,
                                         user=decision.released_by)

        decision_released.connect(on_decision_released, dispatch_uid="dossiers.decision_letter_on_release")
