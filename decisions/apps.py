from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Förderentscheidungen")

    def ready(self):
        from decisions import navigation, privacy, search

        navigation.register_navigation()
        search.register()
        privacy.register()
