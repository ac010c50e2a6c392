from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from chatbot import accounts, operations

urlpatterns = [
    path("", include("chatbot.urls")),
    path("api/", include("chatbot.api_urls")),
    path("api/threads/", include("chatbot.inbox.api_urls")),
    path("messages/", include("chatbot.inbox.urls")),
    path("portal/", include("clinician_portal.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/mfa/", accounts.mfa, name="mfa"),
    path("accounts/keepalive/", accounts.keepalive, name="keepalive"),
    path("admin/", admin.site.urls),
    path("healthz", operations.healthz, name="healthz"),
    path("readyz", operations.readyz, name="readyz"),
    path("metrics", operations.metrics, name="metrics"),
]
