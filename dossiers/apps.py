from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from alliances.signals import strategy_submitted
        from decisions.signals import decision_confirmed, decision_released
        from dossiers import receivers
        from portal.slots import register_slot

        # The dossier panels on earlier stages' pages; those pages only name the slot.
        register_slot("strategy_detail.dossiers", template="dossiers/partials/strategy_detail.html")
        register_slot("decision_detail.dossiers", template="dossiers/partials/decision_detail.html")
        register_slot("decision_dashboard.dossiers", template="dossiers/partials/decision_dashboard.html")
        register_slot("released_decision.dossiers", template="dossiers/partials/letter_panel.html")
        register_slot("letter_preview.dossiers", template="dossiers/partials/letter_draft_panel.html")
        register_slot("my_data.dossiers", template="dossiers/partials/my_data.html")
        register_slot("jury_session.dossiers", template="dossiers/partials/session_minutes.html")

        strategy_submitted.connect(receivers.request_strategy_dossier, dispatch_uid="dossiers.fresh_strategy_dossier")
        decision_confirmed.connect(
            receivers.request_fresh_evaluation_dossier, dispatch_uid="dossiers.fresh_evaluation_on_confirm"
        )
        decision_released.connect(
            receivers.request_fresh_evaluation_dossier, dispatch_uid="dossiers.fresh_evaluation_on_release"
        )
        decision_released.connect(receivers.request_decision_letter, dispatch_uid="dossiers.decision_letter_on_release")
        from dossiers import privacy

        privacy.register()
        from portal.navigation import register_nav_link
        from portal.rules import is_admin

        register_nav_link(
            "dossiers:privacy_record",
            label=_("Verarbeitungsverzeichnis"),
            section="privacy",
            order=180,
            shown_to=is_admin,
        )
