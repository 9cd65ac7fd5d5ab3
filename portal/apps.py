from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from portal import navigation, receivers

        navigation.register_portal()
        receivers.connect()
        from portal.privacy import declarations as personal_data

        personal_data.register()


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (superusers with a second factor); named in INSTALLED_APPS."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
