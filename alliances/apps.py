from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Bündnisse und Strategien")

    def ready(self):
        from alliances import navigation

        navigation.register_navigation()
