"""The load benchmark's lean websocket client, against a real server (the `websockets`
library that uvicorn serves sockets with), so that its framing is checked by another
implementation and not only by itself."""

from __future__ import annotations

import json
import math
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import pytest
from websockets.sync.server import ServerConnection, serve

from benchmarks import wsclient
from benchmarks.load import Client


@contextmanager
def server(handler: Callable[[ServerConnection], None], **options: Any) -> Iterator[int]:
    with serve(handler, "127.0.0.1", 0, **options) as running:
        thread = threading.Thread(target=running.serve_forever, daemon=True)
        thread.start()
        try:
            yield running.socket.getsockname()[1]
        finally:
            running.shutdown()
            thread.join(5)


def read(sock: socket.socket, reader: wsclient.FrameReader, count: int) -> list[tuple[int, bytes]]:
    frames: list[tuple[int, bytes]] = []
    while len(frames) < count:
        data = sock.recv(65536)
        assert data, "the server closed the connection"
        frames += reader.feed(data)
    return frames


def test_frames_of_every_length_reach_a_real_server_masked_and_come_back() -> None:
    seen_headers: list[str] = []

    def echo(ws: ServerConnection) -> None:
        seen_headers.append(ws.request.headers["Authorization"])
        for message in ws:
            ws.send(str(message).upper())

    texts = ["héllo", "a" * 200, "b" * 70_000]  # 7-bit, 16-bit and 64-bit lengths
    with server(echo) as port:
        sock, reader = wsclient.open_socket("127.0.0.1", port, "/ws/chat/?conversation=new", {"Authorization": "Token t0"}, 5)
        with sock:
            for text in texts:
                sock.sendall(wsclient.encode_frame(text.encode()))
            assert read(sock, reader, 3) == [(wsclient.TEXT, t.upper().encode()) for t in texts]
    assert seen_headers == ["Token t0"]


def test_a_message_in_fragments_and_frames_in_single_bytes_come_out_whole() -> None:
    def fragments(ws: ServerConnection) -> None:
        ws.send(["ab", "cd", "é"])  # one message in three frames
        ws.send("next")

    with server(fragments) as port:
        sock, reader = wsclient.open_socket("127.0.0.1", port, "/", {}, 5)
        with sock:
            raw = bytes(reader.buffer)  # whatever came with the 101 response
            while raw.count(b"next") == 0:
                raw += sock.recv(65536)
    one_at_a_time = wsclient.FrameReader()
    out = [frame for byte in raw for frame in one_at_a_time.feed(bytes([byte]))]
    assert out[:2] == [(wsclient.TEXT, "abcdé".encode()), (wsclient.TEXT, b"next")]
    assert out[2:] in ([], [(wsclient.CLOSE, (1000).to_bytes(2, "big"))])  # the handler returned


def test_a_refused_upgrade_is_a_handshake_error_with_its_status() -> None:
    def refuse(connection: ServerConnection, request: Any) -> Any:
        return connection.respond(HTTPStatus.FORBIDDEN, "no\n")

    with server(lambda ws: None, process_request=refuse) as port:
        with pytest.raises(wsclient.HandshakeError) as refused:
            wsclient.open_socket("127.0.0.1", port, "/", {}, 5)
        client = Client(0, "t0")
        assert client.open_lean(port) == []
    assert refused.value.code == "403"
    assert client.open_error == "403"


def chat_server(ws: ServerConnection) -> None:
    """The benchmark's side of the chat protocol: ready, then accepted, a ping the
    client must answer, and a reply."""
    ws.send(json.dumps({"type": "ready"}))
    message = json.loads(str(ws.recv()))
    ws.send(json.dumps({"type": "accepted", "client_id": message["client_id"]}))
    answered = ws.ping(b"still there?").wait(5)
    ws.send(json.dumps({"type": "reply", "mode": "extractive" if answered else "no-pong"}))
    ws.close(4403, "done")


def test_the_lean_client_opens_sends_answers_a_ping_and_reads_its_reply() -> None:
    with server(chat_server) as port:
        client = Client(7, "t7")
        assert client.open_lean(port) == []
        assert client.open_error is None and client.sock is not None and client.reader is not None
        client.sent_at = 0.0
        client.sock.sendall(wsclient.encode_frame(client.frame().encode()))
        done = False
        while not done:
            data = client.sock.recv(65536)
            assert data
            done = client.read_lean(client.reader.feed(data), now=1.5)
        client.sock.close()
    assert client.accepted_s == 1.5 and client.final == {"type": "reply", "mode": "extractive"}
    assert client.closed_code is None


def test_a_close_frame_ends_the_socket_with_its_code() -> None:
    def close(ws: ServerConnection) -> None:
        ws.send(json.dumps({"type": "ready"}))
        ws.recv()
        ws.close(4429, "slow down")

    with server(close) as port:
        client = Client(1, "t1")
        client.open_lean(port)
        assert client.sock is not None and client.reader is not None
        client.sock.sendall(wsclient.encode_frame(client.frame().encode()))
        frames: list[tuple[int, bytes]] = []
        while not frames:
            frames = client.reader.feed(client.sock.recv(65536))
        assert client.read_lean(frames, now=0.0) is True
        client.sock.close()
    assert client.closed_code == 4429 and math.isnan(client.accepted_s) and client.final is None


def test_a_close_frame_without_a_code_reads_as_no_status() -> None:
    assert wsclient.close_code(b"") == wsclient.NO_STATUS
    assert wsclient.close_code((4401).to_bytes(2, "big") + b"why") == 4401


def test_masking_twice_gives_the_payload_back_and_an_empty_payload_stays_empty() -> None:
    key = b"\x01\x02\x03\x04"
    payload = "¿cómo está?".encode()
    assert wsclient.mask(payload, key) != payload
    assert wsclient.mask(wsclient.mask(payload, key), key) == payload
    assert wsclient.mask(b"", key) == b""


class FakeStack:
    """What ``load.burst`` reads of a stack: its port, and no processes of its own."""

    def __init__(self, port: int) -> None:
        self.web_port = port
        self.ws_url = f"ws://127.0.0.1:{port}/ws/chat/"
        self.processes: dict[str, Any] = {}

    def web_children(self) -> list[int]:
        return []


@pytest.mark.parametrize("client", ["lean", "aiohttp"])
def test_a_burst_opens_every_socket_and_reads_each_message_to_its_end(client: str) -> None:
    from benchmarks import load

    calls: list[str] = []
    hooks = load.Hooks(on_burst=lambda: calls.append("burst"), on_accepted=lambda: calls.append("accepted"))
    with server(chat_server) as port:
        result = load.burst(FakeStack(port), ["t0", "t1"], 12, timeout_s=20, hooks=hooks, client=client)  # type: ignore[arg-type]
    assert result["client"] == client
    assert result["sockets_opened"] == 12 and result["open_failures"] == {}
    assert result["accepted_ms"]["n"] == 12
    assert result["replies"] == {"extractive": 12} and result["lost"] == 0
    assert result["accept_phase"]["wall_ms"] > 0 and result["accept_phase"]["first_accepted_read_ms"] is not None
    assert calls == ["burst", "accepted"]
