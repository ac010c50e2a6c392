from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from chatbot import roles
from chatbot.events import conversation_group
from chatbot.inbox import services as inbox_services
from chatbot.models import Thread
from tests.chatbot.conftest import _clear_cache, scripted_model  # noqa: F401
from tests.factories import PatientFactory, UserFactory

ARTICLES = ("ace-inhibitors-lisinopril", "nsaid-safety", "prescription-refills", "cuts-and-scrapes")


@pytest.fixture
def few_articles():
    """A handful of the starter articles: enough to ground a draft, quick to embed."""
    from pathlib import Path

    from chatbot.knowledge.services import documents_upsert
    from chatbot.management.commands.load_knowledge import markdown_documents

    starter = Path(__file__).resolve().parents[2] / "chatbot" / "knowledge" / "starter"
    documents_upsert(documents=[d for d in markdown_documents(starter) if d.slug in ARTICLES])


@pytest.fixture
def patient(db):
    return PatientFactory.create(username="pat")


@pytest.fixture
def clinician(db):
    return UserFactory.create(username="doc", roles=[roles.CLINICIAN])


async def send_portal(patient: Any, text: str, topic: str = "other") -> tuple[Thread, list[dict[str, Any]]]:
    """Store a portal message, run the real tasks (eager), return the thread and the
    events the patient's sockets got."""
    from chatbot.tasks import portal_message_enqueue

    layer = get_channel_layer()
    channel = await layer.new_channel()
    thread, message = await sync_to_async(inbox_services.thread_start)(
        patient=patient, topic=topic, text=text
    )
    await layer.group_add(conversation_group(thread.conversation_id), channel)

    def enqueue() -> None:
        portal_message_enqueue(message_id=message.pk)

    await sync_to_async(enqueue, thread_sensitive=False)()
    events = []
    while True:
        try:
            received = await asyncio.wait_for(layer.receive(channel), timeout=0.5)
        except TimeoutError:
            break
        events.append(received["event"])
    await thread.arefresh_from_db()
    return thread, events
