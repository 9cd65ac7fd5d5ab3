"""Which test holds the permission matrix of each route: URL name → "module::test function".

tests/test_architecture.py walks every URL pattern of the project and fails when a route is missing here, or when
a listed test no longer exists. A new page gets its row in its stage's matrix and its line here.
"""

ALLIANCES = "tests.alliances.test_permissions::test_permission_matrix"
CYCLE_SETTINGS = "tests.alliances.test_cycle_settings::test_cycle_settings_permission_matrix"
LETTER_DATA = "tests.alliances.test_alliance_letter_data::test_letter_data_permission_matrix"
QUESTIONS = "tests.alliances.test_question_permissions::test_question_permission_matrix"
EXPERT = "tests.reviews.test_expert_permissions::test_expert_permission_matrix"
OFFICE = "tests.reviews.test_office_permissions::test_office_permission_matrix"
POLICY = "tests.reviews.test_review_policy::test_review_policy_permission_matrix"
DECISIONS = "tests.decisions.test_decision_permissions::test_decision_permission_matrix"
LETTER_PREVIEW = "tests.decisions.test_letter_preview::test_letter_preview_permission_matrix"
DOSSIERS = "tests.dossiers.test_permissions::test_only_readers_of_the_strategy_reach_its_dossier"
DASHBOARD_EXPORTS = "tests.dossiers.test_exports::test_dashboard_export_permission_matrix"
PORTAL = "tests.portal.test_permission_matrix::test_portal_permission_matrix"
ACCOUNTS = "tests.portal.test_account_permissions::test_account_permission_matrix"
SEARCH = "tests.portal.test_search_views::test_search_permission_matrix"
ERASURE = "tests.portal.privacy.test_erasure_permissions::test_erasure_permission_matrix"
BARRIER_REPORT = "tests.alliances.test_barrier_report::test_barrier_report_permission_matrix"
# Where a search hit leads: each stage's view checks the reader again (every role × every kind of text).
ALLIANCE_PITCH = "tests.reviews.test_alliance_pitch::test_alliance_pitch_permission_matrix"
CALENDAR_FEED = "tests.reviews.test_calendar_feed::test_calendar_feed_permission_matrix"
JURY_OFFICE = "tests.reviews.test_jury_office::test_jury_office_permission_matrix"
JURY_MODE = "tests.reviews.test_jury_mode::test_jury_mode_permission_matrix"
PITCH_SLIDES = "tests.reviews.test_pitch_slides::test_pitch_slides_permission_matrix"
SESSION_MINUTES = "tests.dossiers.test_session_minutes::test_session_minutes_permission_matrix"
SEARCH_HITS = "tests.portal.search.test_search_permissions::test_the_links_of_hits_check_the_permission_again"

# Routes that are not in the matrix, with the reason.
NOT_IN_A_MATRIX = {
    # Django's admin: reachable by admins only, guarded by the admin site itself; support tooling, not the portal.
    "admin": "the Django admin guards its own pages",
}

MATRIX_OF = {
    # Alliances: strategies.
    "alliances:my_strategies": ALLIANCES,
    "alliances:alliance_letter_data": LETTER_DATA,
    "alliances:overview": ALLIANCES,
    "alliances:strategy": ALLIANCES,
    "alliances:strategy_save": ALLIANCES,
    "alliances:strategy_preview": ALLIANCES,
    "alliances:strategy_submit": ALLIANCES,
    "alliances:strategy_history": ALLIANCES,
    "alliances:strategy_reopen": ALLIANCES,
    "alliances:strategy_extend": ALLIANCES,
    "alliances:document_upload": ALLIANCES,
    "alliances:document_status": ALLIANCES,
    "alliances:document_download": ALLIANCES,
    "alliances:document_remove": ALLIANCES,
    "alliances:submission": PORTAL,
    # Alliances: cycle settings.
    "alliances:current_cycle_settings": CYCLE_SETTINGS,
    "alliances:cycle_settings": CYCLE_SETTINGS,
    # Alliances: questions and FAQ.
    "alliances:my_questions": QUESTIONS,
    "alliances:question_ask": QUESTIONS,
    "alliances:question_queue": QUESTIONS,
    "alliances:question_detail": QUESTIONS,
    "alliances:question_attachment": QUESTIONS,
    "alliances:question_attachment_status": QUESTIONS,
    "alliances:question_answer": QUESTIONS,
    "alliances:question_comment": QUESTIONS,
    "alliances:question_publish": QUESTIONS,
    "alliances:faq_current": QUESTIONS,
    "alliances:faq": QUESTIONS,
    # Reviews: the experts' pages.
    "reviews:my_assignments": EXPERT,
    "reviews:assignment": EXPERT,
    "reviews:declare": EXPERT,
    "reviews:review": EXPERT,
    "reviews:review_submit": EXPERT,
    "reviews:document": EXPERT,
    # Reviews: the programme office's pages.
    "reviews:office_home": OFFICE,
    "reviews:office_rubric": OFFICE,
    "reviews:office_policy": POLICY,
    "reviews:office_assignments": OFFICE,
    "reviews:office_balancer": OFFICE,
    "reviews:office_import": OFFICE,
    "reviews:office_assign": OFFICE,
    "reviews:office_progress": OFFICE,
    "reviews:office_experts": OFFICE,
    "reviews:office_expert_profile": OFFICE,
    "reviews:office_reminder": OFFICE,
    "reviews:office_votum": OFFICE,
    "reviews:office_review_reopen": OFFICE,
    "reviews:office_withdraw": OFFICE,
    # The decisions stage.
    "decisions:current_dashboard": PORTAL,
    "decisions:my_decisions": DECISIONS,
    "decisions:dashboard": PORTAL,
    "decisions:export_csv": PORTAL,
    "decisions:export_xlsx": PORTAL,
    "decisions:release_all": DECISIONS,
    "decisions:timeline": DECISIONS,
    "decisions:alliance": DECISIONS,
    "decisions:propose": DECISIONS,
    "decisions:withdraw": DECISIONS,
    "decisions:confirm": DECISIONS,
    "decisions:correct": DECISIONS,
    "decisions:release": DECISIONS,
    "decisions:letter_preview": LETTER_PREVIEW,
    "decisions:alliance_decision": DECISIONS,
    # The dossiers stage.
    "dossiers:detail": DOSSIERS,
    "dossiers:download": DOSSIERS,
    "dossiers:request": DOSSIERS,
    "dossiers:retry": PORTAL,
    "dossiers:panel": PORTAL,
    "dossiers:request_cycle": PORTAL,
    "dossiers:export": DASHBOARD_EXPORTS,
    # The portal's own pages.
    "home": PORTAL,
    "health": PORTAL,
    "privacy_notice": PORTAL,
    "accessibility_statement": PORTAL,
    "easy_read": PORTAL,
    "alliances:barrier_report": BARRIER_REPORT,
    "my_data": PORTAL,
    "my_data_json": PORTAL,
    "dossiers:request_personal_data": PORTAL,
    "dossiers:privacy_record": PORTAL,
    "dossiers:request_privacy_record": PORTAL,
    "portal:search": SEARCH,
    "portal:search_export": SEARCH,
    "alliances:search_hit": SEARCH_HITS,
    "reviews:search_hit": SEARCH_HITS,
    # Jury sessions: the private calendar feed.
    "reviews:calendar_feed": CALENDAR_FEED,
    "reviews:calendar_feed_ics": CALENDAR_FEED,
    "reviews:alliance_pitch": ALLIANCE_PITCH,
    # Reviews: the programme office's jury planning (sessions, schedule grid, planner).
    "reviews:jury_sessions": JURY_OFFICE,
    "reviews:jury_session_new": JURY_OFFICE,
    "reviews:jury_session_edit": JURY_OFFICE,
    "reviews:jury_schedule": JURY_OFFICE,
    "reviews:jury_slot_cancel": JURY_OFFICE,
    "reviews:jury_planner": JURY_OFFICE,
    # Jury mode: the session page, its live part, the chair's controls, the jurors' notes and the jury's result.
    "reviews:my_jury_sessions": JURY_MODE,
    "reviews:jury_session": JURY_MODE,
    "reviews:jury_session_live": JURY_MODE,
    "reviews:jury_attendance": JURY_MODE,
    "reviews:jury_pitch_start": JURY_MODE,
    "reviews:jury_pitch_close": JURY_MODE,
    "reviews:jury_note": JURY_MODE,
    "reviews:jury_result": JURY_MODE,
    # Jury sessions: the alliance's pitch slides and blocked dates, and the session's minutes.
    "reviews:pitch_slides": PITCH_SLIDES,
    "reviews:pitch_slides_download": PITCH_SLIDES,
    "reviews:pitch_blocked_dates": PITCH_SLIDES,
    "dossiers:session_minutes": SESSION_MINUTES,
    "decisions:search_hit": SEARCH_HITS,
    "outbox": PORTAL,
    "outbox_message": PORTAL,
    "outbox_retry": PORTAL,
    "notification_preferences": PORTAL,
    "set_language": PORTAL,
    # Accounts: the portal's security pages and allauth's sign-in, password, second-factor and session pages.
    "account_security": ACCOUNTS,
    "openid_connect_login": ACCOUNTS,
    "openid_connect_callback": ACCOUNTS,
    "socialaccount_login_cancelled": ACCOUNTS,
    "socialaccount_login_error": ACCOUNTS,
    "socialaccount_signup": ACCOUNTS,
    "socialaccount_connections": ACCOUNTS,
    "locked_accounts": ACCOUNTS,
    "unlock_account": ACCOUNTS,
    "erasure_request": ERASURE,
    "erasure_queue": ERASURE,
    "erasure_decide": ERASURE,
    "account_login": ACCOUNTS,
    "account_logout": ACCOUNTS,
    "account_inactive": ACCOUNTS,
    "account_signup": ACCOUNTS,
    "account_reauthenticate": ACCOUNTS,
    "account_request_reauthentication_code": ACCOUNTS,
    "account_confirm_reauthentication_code": ACCOUNTS,
    "account_email": ACCOUNTS,
    "account_email_verification_sent": ACCOUNTS,
    "account_change_password": ACCOUNTS,
    "account_set_password": ACCOUNTS,
    "account_reset_password": ACCOUNTS,
    "account_reset_password_done": ACCOUNTS,
    "account_reset_password_from_key": ACCOUNTS,
    "account_reset_password_from_key_done": ACCOUNTS,
    "account_confirm_login_code": ACCOUNTS,
    "account_confirm_email": ACCOUNTS,
    "mfa_index": ACCOUNTS,
    "mfa_authenticate": ACCOUNTS,
    "mfa_reauthenticate": ACCOUNTS,
    "mfa_activate_totp": ACCOUNTS,
    "mfa_deactivate_totp": ACCOUNTS,
    "mfa_view_recovery_codes": ACCOUNTS,
    "mfa_generate_recovery_codes": ACCOUNTS,
    "mfa_download_recovery_codes": ACCOUNTS,
    "mfa_list_webauthn": ACCOUNTS,
    "mfa_add_webauthn": ACCOUNTS,
    "mfa_reauthenticate_webauthn": ACCOUNTS,
    "mfa_remove_webauthn": ACCOUNTS,
    "mfa_edit_webauthn": ACCOUNTS,
    "mfa_login_webauthn": ACCOUNTS,
    "usersessions_list": ACCOUNTS,
}
