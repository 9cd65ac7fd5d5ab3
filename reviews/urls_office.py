from django.urls import path

from reviews import views_office

cycle = "cycles/<slug:cycle_slug>/"

urlpatterns = [
    path("review-office/", views_office.office_home, name="office_home"),
    path(cycle + "rubric/", views_office.rubric, name="office_rubric"),
    path(cycle + "review-policy/", views_office.policy, name="office_policy"),
    path(cycle + "assignments/", views_office.assignments, name="office_assignments"),
    path(cycle + "assignments/balancer/", views_office.balancer, name="office_balancer"),
    path(cycle + "assignments/import/", views_office.assignment_import, name="office_import"),
    path(cycle + "assignments/<int:strategy_pk>/<int:expert_pk>/", views_office.assign, name="office_assign"),
    path(cycle + "review-progress/", views_office.progress, name="office_progress"),
    path(cycle + "experts/", views_office.experts, name="office_experts"),
    path(cycle + "experts/<int:expert_pk>/profile/", views_office.expert_profile, name="office_expert_profile"),
    path(cycle + "experts/reminder/", views_office.send_reminder, name="office_reminder"),
    path(cycle + "votum/<int:strategy_pk>/", views_office.votum, name="office_votum"),
    path(cycle + "reviews/<int:review_pk>/reopen/", views_office.reopen_review, name="office_review_reopen"),
]
