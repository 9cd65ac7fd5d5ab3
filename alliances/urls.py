from django.urls import path

from alliances import views, views_cycle
from alliances.urls_questions import urlpatterns as question_urlpatterns

app_name = "alliances"

strategy = "cycles/<slug:cycle_slug>/strategies/<slug:alliance_slug>/"

urlpatterns = [
    path("strategies/", views.my_strategies, name="my_strategies"),
    path("cycles/<slug:cycle_slug>/overview/", views.cycle_overview, name="overview"),
    path("cycle-settings/", views_cycle.current_cycle_settings, name="current_cycle_settings"),
    path("cycles/<slug:cycle_slug>/settings/", views_cycle.cycle_settings, name="cycle_settings"),
    path(strategy, views.strategy_detail, name="strategy"),
    path(strategy + "save/", views.strategy_save, name="strategy_save"),
    path(strategy + "preview/", views.strategy_preview, name="strategy_preview"),
    path(strategy + "submit/", views.strategy_submit, name="strategy_submit"),
    path(strategy + "history/", views.strategy_history, name="strategy_history"),
    path(strategy + "reopen/", views.strategy_reopen, name="strategy_reopen"),
    path(strategy + "extend/", views.strategy_extend, name="strategy_extend"),
    path(strategy + "documents/", views.document_upload, name="document_upload"),
    path(strategy + "documents/<uuid:public_id>/", views.document_download, name="document_download"),
    path(strategy + "documents/<uuid:public_id>/remove/", views.document_remove, name="document_remove"),
    path(strategy + "submissions/<int:number>/", views.submission_detail, name="submission"),
]

urlpatterns += question_urlpatterns
