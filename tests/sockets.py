"""Helpers for tests that drive a socket through Channels' ``WebsocketCommunicator``."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator


async def close_code(communicator: WebsocketCommunicator) -> int:
    """The code the server closed with (waiting up to 10 s; Channels' default is 1 s).
    The communicator is then shut down, so the consumer's task ends inside the test, not
    when its event loop is torn down."""
    closed = await communicator.receive_output(timeout=10)
    assert closed["type"] == "websocket.close"
    await communicator.disconnect(timeout=10)
    return int(closed["code"])
