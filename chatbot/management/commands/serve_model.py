from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve a local transformers model behind an OpenAI-compatible /v1/chat/completions endpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", required=True, help="a local model directory (config.json, tokenizer)")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--name", default="local", help="the model id clients send")

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        from chatbot.llm.local import TransformersChat
        from chatbot.llm.server import build_app

        model = TransformersChat(model_dir=options["model"])
        model.load()  # fail now, not on the first request
        self.stdout.write(f"Serving {options['model']} on http://{options['host']}:{options['port']}/v1")
        uvicorn.run(
            build_app(model, model_name=options["name"]),
            host=options["host"],
            port=options["port"],
            log_level="warning",
        )
