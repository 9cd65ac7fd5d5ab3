from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from alliances.models import Alliance, AllianceMembership, EvaluationCycle, FundingRound, Strategy, Submission
from portal.admin_site import ReadOnlyAdmin


@admin.register(FundingRound)
class FundingRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "implementation_start"]


@admin.register(EvaluationCycle)
class EvaluationCycleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "submission_deadline", "review_deadline", "phase_override"]


@admin.register(Alliance)
class AllianceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "acronym", "region"]
    search_fields = ["name", "acronym", "region"]


@admin.register(AllianceMembership)
class AllianceMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "alliance"]
    autocomplete_fields = ["alliance"]


@admin.register(Strategy)
class StrategyAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["alliance", "cycle", "status", "updated_at"]
    list_filter = ["cycle", "status"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["strategy", "number", "submitted_at", "fingerprint"]
