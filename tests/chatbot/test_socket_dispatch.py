"""Frames and pipeline events reach the consumers without a hop onto the database
thread (``chatbot.socket_base``), and the consumers keep the ORM off the event loop,
which is what makes skipping that hop safe."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from chatbot.consumers import ChatConsumer
from chatbot.inbox.consumers import InboxConsumer
from chatbot.socket_base import SocketConsumer
from clinician_portal.consumers import PortalConsumer
from config.asgi import application
from tests.factories import PatientFactory

ROOT = Path(__file__).resolve().parents[2]
CONSUMER_MODULES = [
    ROOT / "chatbot" / "consumers.py",
    ROOT / "chatbot" / "inbox" / "consumers.py",
    ROOT / "clinician_portal" / "consumers.py",
    ROOT / "chatbot" / "socket_base.py",
]
# Django's async ORM entry points: each would need Channels' connection sweep.
ASYNC_ORM = {
    "aaggregate", "abulk_create", "abulk_update", "acontains", "acount", "acreate", "adelete",
    "aearliest", "aexists", "aexplain", "afirst", "aget", "aget_or_create", "ain_bulk",
    "aiterator", "alast", "alatest", "arefresh_from_db", "asave", "aupdate", "aupdate_or_create",
}  # fmt: skip


@pytest.mark.parametrize("consumer", [ChatConsumer, InboxConsumer, PortalConsumer])
def test_every_socket_consumer_dispatches_without_the_connection_sweep(consumer) -> None:
    assert issubclass(consumer, SocketConsumer)


@pytest.mark.parametrize("module", CONSUMER_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_consumers_never_use_the_async_orm(module: Path) -> None:
    tree = ast.parse(module.read_text())
    used = sorted(
        {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr in ASYNC_ORM}
    )
    loops = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.AsyncFor)]
    assert used == [] and loops == [], f"{module.name}: async ORM {used}, async for at lines {loops}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_rails")
async def test_a_chat_turn_never_waits_on_the_database_thread_to_dispatch(
    monkeypatch, scripted_model
) -> None:
    """Channels' own dispatch would call ``aclose_old_connections`` before every frame
    and every event; a whole turn here must not."""
    sweeps: list[str] = []

    async def counted_sweep() -> None:
        sweeps.append("sweep")

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted_sweep)
    scripted_model(["Rest, and drink plenty of water."])
    patient = await sync_to_async(PatientFactory)()
    token, _ = await Token.objects.aget_or_create(user=patient)
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"authorization", f"Token {token.key}".encode())]
    )
    assert (await communicator.connect(timeout=10))[0]
    kinds = [json.loads(await communicator.receive_from(timeout=10))["type"]]
    await communicator.send_to(
        text_data=json.dumps({"type": "message", "text": "i have a cold", "client_id": "d1"})
    )
    while kinds[-1] != "reply":
        kinds.append(
            json.loads(await communicator.receive_from(timeout=60))["type"]
        )  # first turn: models load
    await communicator.disconnect()

    assert kinds[0] == "ready" and "accepted" in kinds and kinds[-1] == "reply"
    assert sweeps == []
