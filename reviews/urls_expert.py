from django.urls import path

from reviews import views_expert

urlpatterns = [
    path("reviews/", views_expert.my_assignments, name="my_assignments"),
    path("reviews/assignments/<int:pk>/", views_expert.assignment_detail, name="assignment"),
]
