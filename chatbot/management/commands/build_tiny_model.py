from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Build a tiny random-weight chat model (its answers are noise) for tests and development."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default=settings.LLM_MODEL_DIR)
        parser.add_argument("--force", action="store_true", help="rebuild even if the directory has a model")

    def handle(self, *args: Any, **options: Any) -> None:
        from chatbot.llm.tiny import build_tiny_model

        out = Path(options["out"])
        if (out / "config.json").exists() and not options["force"]:
            self.stdout.write(f"Tiny model already at {out}")
            return
        build_tiny_model(out)
        self.stdout.write(f"Built a tiny random-weight model at {out}. Its answers are noise.")
