from __future__ import annotations

from django.urls import path

from chatbot.inbox import api

urlpatterns = [
    path("", api.threads, name="api_threads"),
    path("from-chat/", api.thread_from_chat, name="api_thread_from_chat"),
    path("<int:thread_id>/", api.thread_detail, name="api_thread"),
    path("<int:thread_id>/messages/", api.thread_message, name="api_thread_message"),
]
