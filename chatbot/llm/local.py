"""A local model directory, loaded in-process with transformers and torch.

GPU when one is present, CPU otherwise. Generation runs in a worker thread and
streams through ``TextIteratorStreamer``; the async side reads it without blocking
the event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from chatbot.llm.base import GenerationSettings, LLMBadResponse, LLMNotConfigured, LLMTimeout


@cache
def _load(model_dir: str) -> tuple[Any, Any, str]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not (Path(model_dir) / "config.json").exists():
        raise LLMNotConfigured("no model found in the configured model directory")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, dtype=dtype)
    model = model.to(device).eval()
    return tokenizer, model, device


class TransformersChat:
    # One generation at a time per process: a GPU serves one batch better than many
    # threads fighting over it. Production serving belongs to vLLM.
    _lock = threading.Lock()

    def __init__(self, *, model_dir: str, timeout_s: float = 60.0) -> None:
        self.name = f"transformers:{Path(model_dir).name}"
        self.model_dir = model_dir
        self.timeout_s = timeout_s

    def load(self) -> None:
        _load(self.model_dir)

    async def stream(
        self, messages: Sequence[dict[str, str]], *, settings: GenerationSettings = GenerationSettings()
    ) -> AsyncIterator[str]:
        from transformers import TextIteratorStreamer

        tokenizer, model, device = await asyncio.to_thread(_load, self.model_dir)
        try:
            inputs = tokenizer.apply_chat_template(
                list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
            ).to(device)
        except Exception:
            raise LLMBadResponse("the model's chat template could not render the prompt") from None
        streamer = TextIteratorStreamer(
            tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=self.timeout_s
        )
        kwargs = {
            **inputs,
            "streamer": streamer,
            "max_new_tokens": settings.max_tokens,
            "do_sample": settings.temperature > 0,
            "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id,
        }
        if settings.temperature > 0:
            kwargs["temperature"] = settings.temperature
        failure: list[BaseException] = []

        def generate() -> None:
            with self._lock:
                try:
                    model.generate(**kwargs)
                except BaseException as exc:  # surfaced to the caller below
                    failure.append(exc)
                    streamer.end()

        thread = threading.Thread(target=generate, daemon=True)
        thread.start()
        iterator = iter(streamer)
        while True:
            try:
                chunk = await asyncio.to_thread(next, iterator, None)
            except Exception:  # queue.Empty from the streamer's timeout
                raise LLMTimeout("local model produced no token in time") from None
            if chunk is None:
                break
            if chunk:
                yield chunk
        if failure:
            raise LLMBadResponse(f"local generation failed ({type(failure[0]).__name__})")
