from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from alliances.signals import strategy_submitted
        from dossiers import services
        from dossiers.models import DossierKind

        def on_strategy_submitted(sender, submission, **kwargs):
            strategy = submission.strategy
            services.request_dossier(kind=DossierKind.STRATEGY, cycle=strategy.cycle, strategy=strategy,
                                     user=submission.submitted_by)

        strategy_submitted.connect(on_strategy_submitted, dispatch_uid="dossiers.fresh_strategy_dossier")
