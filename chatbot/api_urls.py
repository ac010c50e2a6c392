from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from chatbot import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("auth/token", api.TokenView.as_view(), name="api_token"),
    path("conversations/", api.conversations, name="api_conversations"),
    path("conversations/<int:conversation_id>/", api.conversation_detail, name="api_conversation"),
    path("conversations/<int:conversation_id>/messages/", api.message_create, name="api_message_create"),
]
