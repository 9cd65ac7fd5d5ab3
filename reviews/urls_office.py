from django.urls import path

from reviews import views_office

urlpatterns = [
    path("cycles/<slug:cycle_slug>/assignments/", views_office.assignments, name="office_assignments"),
]
