from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.admin_site import ReadOnlyAdmin
from portal.models import LegalHold, RetentionRule, RetentionRun, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "role"]}),
        (_("Rechte"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "role", "password1", "password2"]})]


@admin.register(RetentionRule)
class RetentionRuleAdmin(SimpleHistoryAdmin):
    """The retention schedule: the period and the texts are editable, with history; the category, its event and
    its action belong to the code that carries them out."""

    list_display = ["label", "code", "period", "unit", "counts_from", "action", "updated_at"]
    readonly_fields = ["code", "counts_from", "action", "updated_at"]
    fields = [
        "code",
        "label",
        "label_en",
        "description",
        "description_en",
        "period",
        "unit",
        "counts_from",
        "legal_basis",
        "legal_basis_en",
        "action",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(SimpleHistoryAdmin):
    """Legal holds: set with a reason, lifted with the action; never deleted, so that the record stays."""

    list_display = ["__str__", "cycle_id", "alliance_id", "set_by", "set_at", "lifted_by", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    actions = ["lift"]

    recorded = ["cycle_id", "alliance_id", "reason", "set_by", "set_at", "lifted_by", "lifted_at"]

    def get_fields(self, request, obj=None):
        return ["cycle_id", "alliance_id", "reason"] if obj is None else self.recorded

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.recorded

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Ausgewählte Aufbewahrungssperren aufheben"))
    def lift(self, request, queryset):
        from portal.privacy.services import lift_legal_hold

        for hold in queryset.filter(lifted_at__isnull=True):
            lift_legal_hold(hold=hold, user=request.user)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "as_of", "finished_at", "total", "active_holds"]
    fields = ["started_at", "finished_at", "as_of", "counts", "active_holds"]
    readonly_fields = fields
