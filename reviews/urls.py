from django.urls import path

from reviews.views import assignments, expert, jury, jury_mode, jury_office, progress, search_hits, setup, votum

app_name = "reviews"

assignment = "reviews/assignments/<int:pk>/"
cycle = "cycles/<slug:cycle_slug>/"
jury_session = cycle + "jury/<int:session_id>/"
pitch = jury_session + "pitches/<uuid:slot_uid>/"

urlpatterns = [
    # The expert's pages.
    path("reviews/", expert.my_assignments, name="my_assignments"),
    path(assignment, expert.assignment_detail, name="assignment"),
    path(assignment + "declaration/", expert.declare, name="declare"),
    path(assignment + "review/", expert.review_form, name="review"),
    path(assignment + "review/submit/", expert.review_submit, name="review_submit"),
    path(assignment + "documents/<uuid:public_id>/", expert.document_download, name="document"),
    # The programme office's pages (read-only for the ministry).
    path("review-office/", progress.office_home, name="office_home"),
    path(cycle + "rubric/", setup.rubric, name="office_rubric"),
    path(cycle + "review-policy/", setup.policy, name="office_policy"),
    path(cycle + "assignments/", assignments.assignments, name="office_assignments"),
    path(cycle + "assignments/balancer/", assignments.balancer, name="office_balancer"),
    path(cycle + "assignments/import/", assignments.assignment_import, name="office_import"),
    path(cycle + "assignments/<int:strategy_pk>/<int:expert_pk>/", assignments.assign, name="office_assign"),
    path(cycle + "assignments/<int:assignment_pk>/withdraw/", assignments.withdraw, name="office_withdraw"),
    path(cycle + "review-progress/", progress.progress, name="office_progress"),
    path(cycle + "experts/", progress.experts, name="office_experts"),
    path(cycle + "experts/<int:expert_pk>/profile/", progress.expert_profile, name="office_expert_profile"),
    path(cycle + "experts/reminder/", progress.send_reminder, name="office_reminder"),
    path(cycle + "votum/<int:strategy_pk>/", votum.votum, name="office_votum"),
    path(cycle + "reviews/<int:review_pk>/reopen/", votum.reopen_review, name="office_review_reopen"),
    # Where a search hit leads (the link names the kind and the object's id; the view checks and redirects).
    path("hits/reviews/<slug:kind>/<int:object_id>/", search_hits.search_hit, name="search_hit"),
    # Jury sessions: a person's private calendar feed (the feed itself opens with its token, without signing in).
    path("accounts/calendar/", jury.calendar_feed_settings, name="calendar_feed"),
    path("calendar/<str:token>.ics", jury.calendar_feed_ics, name="calendar_feed_ics"),
    path(cycle + "alliances/<slug:alliance_slug>/pitch/", jury.alliance_pitch, name="alliance_pitch"),
    # Jury sessions: the programme office plans them (the ministry reads along).
    path(cycle + "jury/", jury_office.jury_sessions, name="jury_sessions"),
    path(cycle + "jury/new/", jury_office.jury_session_new, name="jury_session_new"),
    path(cycle + "jury/planner/", jury_office.jury_planner, name="jury_planner"),
    path(cycle + "jury/<int:session_id>/edit/", jury_office.jury_session_edit, name="jury_session_edit"),
    path(cycle + "jury/<int:session_id>/schedule/", jury_office.jury_schedule, name="jury_schedule"),
    path(
        cycle + "jury/<int:session_id>/slots/<uuid:slot_uid>/cancel/",
        jury_office.jury_slot_cancel,
        name="jury_slot_cancel",
    ),
    # Jury mode: the session itself (the chair, the jurors and the observers; the office and the ministry read).
    path("jury/", jury_mode.my_jury_sessions, name="my_jury_sessions"),
    path(jury_session, jury_mode.jury_session, name="jury_session"),
    path(jury_session + "live/", jury_mode.jury_session_live, name="jury_session_live"),
    path(jury_session + "attendance/", jury_mode.jury_attendance, name="jury_attendance"),
    path(pitch + "start/", jury_mode.jury_pitch_start, name="jury_pitch_start"),
    path(pitch + "close/", jury_mode.jury_pitch_close, name="jury_pitch_close"),
    path(pitch + "note/", jury_mode.jury_note, name="jury_note"),
    path(pitch + "result/", jury_mode.jury_result, name="jury_result"),
    # An alliance's pitch slides and the days on which it cannot pitch.
    path(cycle + "alliances/<slug:alliance_slug>/pitch/slides/", jury.pitch_slides, name="pitch_slides"),
    path(
        cycle + "alliances/<slug:alliance_slug>/pitch/slides/<uuid:public_id>/",
        jury.pitch_slides_download,
        name="pitch_slides_download",
    ),
    path(
        cycle + "alliances/<slug:alliance_slug>/pitch/blocked-dates/",
        jury.pitch_blocked_dates,
        name="pitch_blocked_dates",
    ),
]
