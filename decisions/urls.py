from django.urls import path

from decisions.views import alliance, dashboard, decide, exports, letter, search_hits

app_name = "decisions"

cycle = "cycles/<slug:cycle_slug>/"
alliance_page = cycle + "dashboard/<slug:alliance_slug>/"

urlpatterns = [
    path("dashboard/", dashboard.current_dashboard, name="current_dashboard"),
    path("my-decisions/", alliance.my_decisions, name="my_decisions"),
    path(cycle + "dashboard/", dashboard.dashboard, name="dashboard"),
    path(cycle + "dashboard/export.csv", exports.export_csv, name="export_csv"),
    path(cycle + "dashboard/export.xlsx", exports.export_xlsx, name="export_xlsx"),
    path(cycle + "decisions/release-all/", decide.release_all, name="release_all"),
    path(cycle + "decisions/timeline/", decide.timeline, name="timeline"),
    path(alliance_page, decide.alliance_detail, name="alliance"),
    path(alliance_page + "propose/", decide.propose, name="propose"),
    path(alliance_page + "decisions/<int:pk>/withdraw/", decide.withdraw, name="withdraw"),
    path(alliance_page + "decisions/<int:pk>/confirm/", decide.confirm, name="confirm"),
    path(alliance_page + "decisions/<int:pk>/correct/", decide.correct, name="correct"),
    path(alliance_page + "decisions/<int:pk>/release/", decide.release, name="release"),
    path(alliance_page + "decisions/<int:pk>/letter-preview/", letter.letter_preview, name="letter_preview"),
    path(cycle + "strategies/<slug:alliance_slug>/decision/", alliance.alliance_decision, name="alliance_decision"),
    # Where a search hit leads (the link names the kind and the object's id; the view checks and redirects).
    path("hits/decisions/<slug:kind>/<int:object_id>/", search_hits.search_hit, name="search_hit"),
]
