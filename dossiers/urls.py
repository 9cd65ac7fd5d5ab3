from django.urls import path

from dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("dossiers/<uuid:public_id>/", views.detail, name="detail"),
    path("dossiers/<uuid:public_id>/retry/", views.retry, name="retry"),
    path("dossiers/<uuid:public_id>/download/", views.download, name="download"),
    path("dossiers/export/<slug:kind>/<slug:cycle_slug>/", views.export, name="export"),
    path("dossiers/personal-data/request/", views.request_personal_data, name="request_personal_data"),
    path("dossiers/privacy-record/", views.privacy_record, name="privacy_record"),
    path("dossiers/privacy-record/request/", views.request_privacy_record, name="request_privacy_record"),
    path("dossiers/panel/<slug:kind>/<slug:cycle_slug>/<slug:alliance_slug>/", views.panel, name="panel"),
    path("cycles/<slug:cycle_slug>/jury/<int:session_id>/minutes/", views.session_minutes, name="session_minutes"),
    path("dossiers/request/<slug:kind>/<slug:cycle_slug>/", views.request_dossier, name="request_cycle"),
    path("dossiers/request/<slug:kind>/<slug:cycle_slug>/<slug:alliance_slug>/", views.request_dossier, name="request"),
]
