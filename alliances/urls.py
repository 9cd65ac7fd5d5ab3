from django.urls import path

from alliances.views import alliance_letter, barriers, cycle, faq, questions, search_hits, strategy, submission

app_name = "alliances"

strategy_path = "cycles/<slug:cycle_slug>/strategies/<slug:alliance_slug>/"
question_path = "questions/<uuid:public_id>/"

urlpatterns = [
    path("strategies/", strategy.my_strategies, name="my_strategies"),
    path("cycles/<slug:cycle_slug>/overview/", cycle.cycle_overview, name="overview"),
    path("cycle-settings/", cycle.current_cycle_settings, name="current_cycle_settings"),
    path("cycles/<slug:cycle_slug>/settings/", cycle.cycle_settings, name="cycle_settings"),
    path(
        "alliances/<slug:alliance_slug>/letter-data/", alliance_letter.alliance_letter_data, name="alliance_letter_data"
    ),
    path(strategy_path, strategy.strategy_detail, name="strategy"),
    path(strategy_path + "save/", strategy.strategy_save, name="strategy_save"),
    path(strategy_path + "preview/", strategy.strategy_preview, name="strategy_preview"),
    path(strategy_path + "submit/", submission.strategy_submit, name="strategy_submit"),
    path(strategy_path + "history/", strategy.strategy_history, name="strategy_history"),
    path(strategy_path + "reopen/", submission.strategy_reopen, name="strategy_reopen"),
    path(strategy_path + "extend/", submission.strategy_extend, name="strategy_extend"),
    path(strategy_path + "documents/", strategy.document_upload, name="document_upload"),
    path(strategy_path + "documents/status/", strategy.document_status, name="document_status"),
    path(strategy_path + "documents/<uuid:public_id>/", strategy.document_download, name="document_download"),
    path(strategy_path + "documents/<uuid:public_id>/remove/", strategy.document_remove, name="document_remove"),
    path(strategy_path + "submissions/<int:number>/", submission.submission_detail, name="submission"),
]

# Questions and answers, and the FAQ.
question_urlpatterns = [
    path("questions/", questions.my_questions, name="my_questions"),
    path("questions/ask/", questions.question_ask, name="question_ask"),
    path("questions/queue/", questions.question_queue, name="question_queue"),
    path(question_path, questions.question_detail, name="question_detail"),
    path(question_path + "attachment/", questions.question_attachment, name="question_attachment"),
    path(question_path + "attachment/status/", questions.question_attachment_status, name="question_attachment_status"),
    path(question_path + "answer/", questions.question_answer, name="question_answer"),
    path(question_path + "comments/", questions.question_comment, name="question_comment"),
    path(question_path + "publish/", questions.question_publish, name="question_publish"),
    path("faq/", faq.faq_current, name="faq_current"),
    path("cycles/<slug:cycle_slug>/faq/", faq.faq, name="faq"),
]

urlpatterns += question_urlpatterns
urlpatterns += [
    # BITV 2.0 feedback: a barrier becomes a question without an alliance; public so that visitors find the address.
    path("barrierefreiheit/barriere-melden/", barriers.barrier_report, name="barrier_report"),
]

# Where a search hit leads (the link names the kind and the object's id; the view checks and redirects).
urlpatterns += [path("hits/alliances/<slug:kind>/<int:object_id>/", search_hits.search_hit, name="search_hit")]
