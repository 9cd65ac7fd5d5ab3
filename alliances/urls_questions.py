from django.urls import path

from alliances import views_questions as views

question = "questions/<uuid:public_id>/"

urlpatterns = [
    path("questions/", views.my_questions, name="my_questions"),
    path("questions/ask/", views.question_ask, name="question_ask"),
    path("questions/queue/", views.question_queue, name="question_queue"),
    path(question, views.question_detail, name="question_detail"),
    path(question + "attachment/", views.question_attachment, name="question_attachment"),
    path(question + "answer/", views.question_answer, name="question_answer"),
    path(question + "comments/", views.question_comment, name="question_comment"),
    path(question + "publish/", views.question_publish, name="question_publish"),
    path("faq/", views.faq_current, name="faq_current"),
    path("cycles/<slug:cycle_slug>/faq/", views.faq, name="faq"),
]
