from reviews.urls_expert import urlpatterns as expert_urlpatterns
from reviews.urls_office import urlpatterns as office_urlpatterns

app_name = "reviews"

urlpatterns = expert_urlpatterns + office_urlpatterns
