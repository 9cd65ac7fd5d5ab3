from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("alliances.urls")),
    path("", include("reviews.urls")),
    path("", include("dossiers.urls")),
    path("", include("decisions.urls")),
    path("", include("portal.site_urls")),
]
