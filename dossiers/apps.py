from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from alliances.signals import strategy_submitted
        from decisions.signals import decision_confirmed, decision_released
        from dossiers import receivers

        strategy_submitted.connect(receivers.request_strategy_dossier, dispatch_uid="dossiers.fresh_strategy_dossier")
        decision_confirmed.connect(
            receivers.request_fresh_evaluation_dossier, dispatch_uid="dossiers.fresh_evaluation_on_confirm"
        )
        decision_released.connect(
            receivers.request_fresh_evaluation_dossier, dispatch_uid="dossiers.fresh_evaluation_on_release"
        )
        decision_released.connect(receivers.request_decision_letter, dispatch_uid="dossiers.decision_letter_on_release")
