"""ASGI entry point: HTTP goes to Django, websockets to the chat consumer."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from chatbot.consumers import ChatConsumer  # noqa: E402
from chatbot.inbox.consumers import InboxConsumer  # noqa: E402
from chatbot.ws_auth import websocket_auth_stack  # noqa: E402
from clinician_portal.consumers import PortalConsumer  # noqa: E402

# The web process runs the pipeline only in eager mode (no broker); with a broker the
# Celery workers load the models, and each web process stays small (~150 MB, not ~800)
# and warms only its hand-over to them.
if settings.WARM_UP:
    from chatbot.warmup import warm_up_web_in_background

    warm_up_web_in_background()

# Every websocket route; the authorization matrix (tests/security) walks this list.
websocket_urlpatterns = [
    path("ws/chat/", ChatConsumer.as_asgi()),
    path("ws/portal/", PortalConsumer.as_asgi()),
    path("ws/inbox/", InboxConsumer.as_asgi()),
]
if settings.ESCALATION_EMBEDDED_SCHEDULER:
    from clinician_portal.scheduler import start_in_background

    start_in_background()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_auth_stack(URLRouter(websocket_urlpatterns)),
    }
)
