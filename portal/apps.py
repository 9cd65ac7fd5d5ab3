from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

# The empty choice of every select box built from model choices, ModelChoiceFields and the admin.
BLANK_CHOICE_LABEL = _("– Bitte wählen –")


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.db.models import fields

        from portal import navigation, receivers

        # Django 6.1's own blank choice ("- Select an option -") has no German translation; the portal's wording
        # is German in the source like every other string and is translated in our own catalogue.
        fields.BLANK_CHOICE_LABEL = BLANK_CHOICE_LABEL

        navigation.register_portal()
        receivers.connect()
        from portal.privacy import declarations as personal_data

        personal_data.register()


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (superusers with a second factor); named in INSTALLED_APPS."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
