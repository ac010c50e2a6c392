from __future__ import annotations

from django.urls import path

from chatbot import views

urlpatterns = [
    path("", views.home, name="home"),
    path("chat/", views.chat_latest, name="chat_latest"),
    path("chat/new/", views.conversation_new, name="conversation_new"),
    path("chat/<int:conversation_id>/", views.chat, name="chat"),
    path("me/data.json", views.my_data, name="my_data"),
]
