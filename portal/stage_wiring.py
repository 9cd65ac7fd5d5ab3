"""Temporary: registers each stage's navigation and start pages until the stages do it themselves.

This project-level app sits above every stage (like `portal.urls` and the settings) and is the only part of
`portal` that imports them. Once each stage's `AppConfig.ready()` calls its `portal.navigation.register_<stage>()`,
this module and its INSTALLED_APPS entry go.
"""

from django.apps import AppConfig


class StageWiringConfig(AppConfig):
    name = "portal.stage_wiring"
    label = "portal_stage_wiring"

    def ready(self):
        from alliances.models import current_cycle
        from portal import navigation

        navigation.register_portal()
        navigation.register_alliances(current_cycle=current_cycle)
        navigation.register_reviews()
        navigation.register_decisions(current_cycle=current_cycle)
