"""Test doubles. ``ScriptedChatModel`` answers from a script and raises when it runs out,
so a test that calls the model more often than it expects fails loudly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from chatbot.llm.base import GenerationSettings, LLMError


class ScriptExhausted(AssertionError):
    pass


class ScriptedChatModel:
    name = "scripted"

    def __init__(
        self, responses: Sequence[str | LLMError], *, chunk_words: int = 1, delay_s: float = 0.0
    ) -> None:
        self.responses = list(responses)
        self.calls: list[list[dict[str, str]]] = []
        self.chunk_words = chunk_words
        self.delay_s = delay_s

    async def stream(
        self, messages: Sequence[dict[str, str]], *, settings: GenerationSettings = GenerationSettings()
    ) -> AsyncIterator[str]:
        self.calls.append([dict(m) for m in messages])
        if not self.responses:
            raise ScriptExhausted("the scripted model was called more times than scripted")
        response = self.responses.pop(0)
        if isinstance(response, LLMError):
            raise response
        words = response.split(" ")
        for i in range(0, len(words), self.chunk_words):
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            piece = " ".join(words[i : i + self.chunk_words])
            yield piece if i + self.chunk_words >= len(words) else piece + " "


class FakeSafetyServer:
    """A scripted OpenAI-compatible ``/v1/chat/completions`` server on loopback, for the
    model-based second opinion. Each request takes the next scripted reply: a string (the
    model's text), an int (that HTTP status), or ``("slow", seconds, text)``. A request
    past the end of the script gets a 500 and is counted in ``overrun``, so a test that
    calls the server more often than it expects can fail loudly."""

    def __init__(self, replies: Sequence[str | int | tuple[str, float, str]]) -> None:
        import json
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.replies = list(replies)
        self.requests: list[dict] = []
        self.overrun = 0
        self.received = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name for the handler
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                server.received.set()
                if not server.replies:
                    server.overrun += 1
                    return self._send(500, {"error": "script exhausted"})
                reply = server.replies.pop(0)
                if isinstance(reply, int):
                    return self._send(reply, {"error": "scripted status"})
                if isinstance(reply, tuple):
                    _, seconds, reply = reply
                    time.sleep(seconds)
                self._send(200, {"choices": [{"message": {"role": "assistant", "content": reply}}]})

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args: object) -> None:
                pass  # keep the test output (and any text) out of stderr

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
