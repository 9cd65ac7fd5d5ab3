from django.urls import path

from decisions import views

app_name = "decisions"

cycle = "cycles/<slug:cycle_slug>/"
alliance = cycle + "dashboard/<slug:alliance_slug>/"

urlpatterns = [
    path("dashboard/", views.current_dashboard, name="current_dashboard"),
    path("my-decisions/", views.my_decisions, name="my_decisions"),
    path(cycle + "dashboard/", views.dashboard, name="dashboard"),
    path(cycle + "dashboard/export.csv", views.export_csv, name="export_csv"),
    path(cycle + "dashboard/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path(cycle + "decisions/release-all/", views.release_all, name="release_all"),
    path(cycle + "decisions/timeline/", views.timeline, name="timeline"),
    path(alliance, views.alliance_detail, name="alliance"),
    path(alliance + "propose/", views.propose, name="propose"),
    path(alliance + "decisions/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path(alliance + "decisions/<int:pk>/confirm/", views.confirm, name="confirm"),
    path(alliance + "decisions/<int:pk>/correct/", views.correct, name="correct"),
    path(alliance + "decisions/<int:pk>/release/", views.release, name="release"),
    path(cycle + "strategies/<slug:alliance_slug>/decision/", views.alliance_decision, name="alliance_decision"),
]
