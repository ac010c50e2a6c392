"""A lean websocket client for the load benchmark (RFC 6455, standard library only).

On this machine the load generator shares the two cores with the server it measures.
The aiohttp client cost 0.08-0.23 ms of CPU a message in the accept phase (a task
wake-up per frame read, a coroutine per socket): a thousand patients' phones do not
take that from the server, but the benchmark did, and charged it to every
``accepted``. This client does the same protocol with less: each socket's handshake is
done before the burst, the message frames are masked and encoded before it, and the
burst itself is one ``send`` a socket followed by one ``epoll`` loop that reads every
socket's frames. It speaks only what the benchmark needs: text, close, ping and pong
frames, with fragmented messages put back together. The server never sees anything a
browser would not send.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
from dataclasses import dataclass, field

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x8, 0x9, 0xA, 0x0
NO_STATUS = 1005  # a close frame without a code (RFC 6455 section 7.4.1)
ABNORMAL = 1006  # the connection ended without a close frame


class HandshakeError(Exception):
    """The server refused the upgrade; ``code`` is its HTTP status (403 when the app
    closed the socket before accepting it) or a short reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def mask(payload: bytes, key: bytes) -> bytes:
    """XOR ``payload`` with the 4-byte ``key`` repeated (the client-to-server mask)."""
    n = len(payload)
    if not n:
        return b""
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def encode_frame(payload: bytes, opcode: int = TEXT, key: bytes | None = None) -> bytes:
    """One final, masked frame, as a client must send it."""
    key = os.urandom(4) if key is None else key
    n = len(payload)
    header = bytearray([0x80 | opcode])
    if n < 126:
        header.append(0x80 | n)
    elif n < 1 << 16:
        header.append(0x80 | 126)
        header += n.to_bytes(2, "big")
    else:
        header.append(0x80 | 127)
        header += n.to_bytes(8, "big")
    return bytes(header) + key + mask(payload, key)


@dataclass
class FrameReader:
    """Frames from the server (unmasked), fed as the bytes arrive in any pieces."""

    buffer: bytearray = field(default_factory=bytearray)
    fragments: list[bytes] = field(default_factory=list)
    fragment_opcode: int = TEXT

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """The complete messages and control frames in what has arrived so far, as
        ``(opcode, payload)``; a fragmented message comes out once, whole."""
        self.buffer += data
        out: list[tuple[int, bytes]] = []
        while True:
            frame = self._next_frame()
            if frame is None:
                return out
            fin, opcode, payload = frame
            if opcode >= CLOSE:  # control frames are never fragmented, and may come between fragments
                out.append((opcode, payload))
            elif opcode == CONTINUATION:
                self.fragments.append(payload)
                if fin:
                    out.append((self.fragment_opcode, b"".join(self.fragments)))
                    self.fragments = []
            elif fin:
                out.append((opcode, payload))
            else:
                self.fragment_opcode, self.fragments = opcode, [payload]

    def _next_frame(self) -> tuple[bool, int, bytes] | None:
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        fin, opcode = bool(buffer[0] & 0x80), buffer[0] & 0x0F
        masked, length, at = bool(buffer[1] & 0x80), buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length, at = int.from_bytes(buffer[2:4], "big"), 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length, at = int.from_bytes(buffer[2:10], "big"), 10
        key = b""
        if masked:  # a server must not mask; read it correctly anyway
            key, at = bytes(buffer[at : at + 4]), at + 4
        if len(buffer) < at + length:
            return None
        payload = bytes(buffer[at : at + length])
        del buffer[: at + length]
        return fin, opcode, mask(payload, key) if masked else payload


def send_all(sock: socket.socket, data: bytes, timeout: float = 5.0) -> None:
    """Writes all of ``data``, waiting up to ``timeout``, whether the socket is blocking
    or not; its mode is as it was afterwards."""
    previous = sock.gettimeout()
    sock.settimeout(timeout)
    try:
        sock.sendall(data)
    finally:
        sock.settimeout(previous)


def close_code(payload: bytes) -> int:
    """The status code of a close frame's payload."""
    return int.from_bytes(payload[:2], "big") if len(payload) >= 2 else NO_STATUS


def open_socket(
    host: str, port: int, path: str, headers: dict[str, str], timeout: float
) -> tuple[socket.socket, FrameReader]:
    """A blocking handshake. Returns the socket and a reader holding any frame bytes
    that came with the 101 response; raises ``HandshakeError`` or ``OSError``."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                raise HandshakeError("closed")
            response += chunk
        head, rest = response.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = status_line.split(" ", 2)[1] if " " in status_line else "?"
        if status != "101":
            raise HandshakeError(status)
        received = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines)
        }
        # SHA-1 is what RFC 6455 section 4.2.2 prescribes for the accept key, not a security choice.
        digest = hashlib.sha1(key.encode() + GUID, usedforsecurity=False).digest()
        expected = base64.b64encode(digest).decode()
        if received.get("sec-websocket-accept") != expected:
            raise HandshakeError("bad-accept")
        reader = FrameReader()
        reader.buffer += rest
        return sock, reader
    except BaseException:
        sock.close()
        raise
