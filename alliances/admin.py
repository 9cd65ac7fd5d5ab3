from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from alliances.models import Alliance, AllianceMembership, EvaluationCycle, FundingRound, Strategy, Submission
from alliances.services import bump_figures_version
from portal.admin_site import ReadOnlyAdmin


class BumpsFiguresAdmin(admin.ModelAdmin):
    """An admin whose changes show in cycles' figures: saving or deleting a record increments the figures version
    of every cycle it shows in (`figure_cycle_ids`), in the admin's transaction, so no cached figures outlive it."""

    def figure_cycle_ids(self, obj):
        raise NotImplementedError

    def _bump(self, obj):
        for cycle_id in sorted(set(self.figure_cycle_ids(obj))):
            bump_figures_version(cycle_id=cycle_id)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._bump(obj)

    def delete_model(self, request, obj):
        self._bump(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._bump(obj)
        super().delete_queryset(request, queryset)


@admin.register(FundingRound)
class FundingRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "implementation_start"]


@admin.register(EvaluationCycle)
class EvaluationCycleAdmin(BumpsFiguresAdmin, SimpleHistoryAdmin):
    list_display = ["name", "submission_deadline", "review_deadline", "phase_override"]

    def figure_cycle_ids(self, obj):
        return [obj.pk]

    def save_model(self, request, obj, form, change):
        if change:
            # The form's copy of the version may be stale: a concurrent bump would be written back and lost.
            obj.figures_version = (
                EvaluationCycle.objects.select_for_update().values_list("figures_version", flat=True).get(pk=obj.pk)
            )
        super().save_model(request, obj, form, change)


@admin.register(Alliance)
class AllianceAdmin(BumpsFiguresAdmin, SimpleHistoryAdmin):
    list_display = ["name", "acronym", "region"]
    search_fields = ["name", "acronym", "region"]

    def figure_cycle_ids(self, obj):
        # Name, innovation field and federal states show in every cycle the alliance has a strategy in.
        return Strategy.objects.filter(alliance_id=obj.pk).values_list("cycle_id", flat=True)


@admin.register(AllianceMembership)
class AllianceMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "alliance"]
    autocomplete_fields = ["alliance"]


@admin.register(Strategy)
class StrategyAdmin(ReadOnlyAdmin, BumpsFiguresAdmin, SimpleHistoryAdmin):
    list_display = ["alliance", "cycle", "status", "updated_at"]
    list_filter = ["cycle", "status"]

    def figure_cycle_ids(self, obj):
        return [obj.cycle_id]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["strategy", "number", "submitted_at", "fingerprint"]
