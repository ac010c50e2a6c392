from __future__ import annotations

from django.urls import path

from chatbot.inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.thread_list, name="list"),
    path("new/", views.thread_new, name="new"),
    path("from-chat/", views.thread_from_chat, name="from_chat"),
    path("<int:thread_id>/", views.thread_detail, name="thread"),
    path("<int:thread_id>/reply/", views.thread_reply, name="reply"),
]
