from django.urls import path

from reviews import views_expert

assignment = "reviews/assignments/<int:pk>/"

urlpatterns = [
    path("reviews/", views_expert.my_assignments, name="my_assignments"),
    path(assignment, views_expert.assignment_detail, name="assignment"),
    path(assignment + "declaration/", views_expert.declare, name="declare"),
    path(assignment + "review/", views_expert.review_form, name="review"),
    path(assignment + "documents/<uuid:public_id>/", views_expert.document_download, name="document"),
]
