from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from chatbot.knowledge.services import documents_upsert
from chatbot.knowledge.sources import markdown_documents, medquad_documents

__all__ = ["Command", "markdown_documents", "medquad_documents"]


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


class Command(BaseCommand):
    help = "Import knowledge-base documents: a folder of Markdown files, or MedQuAD-style JSONL. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--reviewed-by",
            default="",
            help="JSONL only: who reviewed these rows; without it they are imported inactive",
        )
        parser.add_argument("--limit", type=int, default=None, help="JSONL only: import the first N rows")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if path.is_dir():
            documents = list(markdown_documents(path))
            total: int | None = len(documents)
            source: Any = documents
        elif path.suffix == ".jsonl":
            total = options["limit"] or _count_lines(path)
            source = medquad_documents(path, reviewed_by=options["reviewed_by"], limit=options["limit"])
        else:
            raise CommandError(f"{path} is neither a folder of Markdown files nor a .jsonl file")
        with tqdm(total=total, unit="doc", disable=total is not None and total < 50) as bar:
            created, updated = documents_upsert(documents=source, progress=bar.update)
        self.stdout.write(f"Knowledge base: {created} created, {updated} updated, the rest unchanged.")
