"""The admin site: superusers only, and only with a second factor; sign-in goes through the portal's login."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.branding import PRODUCT_NAME
from portal.rules import has_second_factor


class PortalAdminSite(admin.AdminSite):
    site_header = format_lazy("{} – {}", PRODUCT_NAME, _("Verwaltung"))
    site_title = PRODUCT_NAME

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser and has_second_factor(user))

    def login(self, request, extra_context=None):
        # The admin has no password form of its own: it would bypass the rate limits and the second factor.
        # Django's would also be shown to a signed-in user without the permission, who could sign in there as
        # a superuser with the password alone; such a user is refused instead.
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return secure_admin_login(super().login)(request, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows records but never changes them: what the services own (a strategy's status and
    sections, submissions, decisions) changes only through them, with their checks and their history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
