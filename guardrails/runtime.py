"""NeMo Guardrails, wired explicitly: it runs our rails and reaches the model.

Two ``LLMRails`` instances, built once per process:

- *checks* (``guardrails/config/``): input and output flows, each one Python action
  that runs the registry's rails on the text and returns a ``RailOutcome``. NeMo
  decides allow/block; the full verdicts (with evidence) come back to the caller.
- *generation*: a passthrough configuration whose main model is our streaming
  client, so the model turn goes through NeMo with the prompt untouched.

Failure is closed: a timeout, an exception inside NeMo, or a check whose action
never ran raises ``RailsUnavailable``; the pipeline then withholds the model's answer.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from guardrails.base import Action, RailContext, Verdict
from guardrails.llm_safety import SecondOpinion
from guardrails.runner import prepare_rails, run_rails

CONFIG_DIR = Path(__file__).resolve().parent / "config"


class RailsUnavailable(Exception):
    """The rails runtime could not give a verdict (timeout or error). Never carries text."""


class StreamingModel(Protocol):
    name: str

    def stream(self, messages: Sequence[dict[str, str]], *, settings: Any = ...) -> AsyncIterator[str]: ...


@dataclass
class _Check:
    names: tuple[str, ...]
    text: str
    context: RailContext
    verdicts: tuple[Verdict, ...] | None = None


@dataclass
class _Generation:
    model: StreamingModel
    kwargs: dict[str, Any]
    error: BaseException | None = None


_check: contextvars.ContextVar[_Check] = contextvars.ContextVar("guardrails_check")
_generation: contextvars.ContextVar[_Generation] = contextvars.ContextVar("guardrails_generation")


async def _run_check(**_: Any) -> Any:
    from nemoguardrails.actions.rail_outcome import RailOutcome

    call = _check.get()
    # Rails are CPU-bound; keep the event loop (and other patients' streams) moving.
    call.verdicts = await asyncio.to_thread(run_rails, call.names, call.text, call.context)
    blocking = [v.rail for v in call.verdicts if v.action in (Action.BLOCK, Action.ESCALATE)]
    if blocking:
        return RailOutcome.block(reason="blocked by " + ",".join(blocking), metadata={"rails": blocking})
    return RailOutcome.allow()


class _NemoModel:
    """Our streaming client, in the shape NeMo's ``LLMModel`` protocol asks for."""

    model_name = "patient-chat"
    provider_name = "patient-chat"
    provider_url = None

    async def generate_async(self, prompt: Any, *, stop: list[str] | None = None, **kwargs: Any) -> Any:
        from nemoguardrails.types import LLMResponse

        chunks = [chunk.delta_content or "" async for chunk in self.stream_async(prompt)]
        return LLMResponse(content="".join(chunks))

    async def stream_async(
        self, prompt: Any, *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        from nemoguardrails.types import LLMResponseChunk

        call = _generation.get()
        try:
            async for text in call.model.stream(_as_messages(prompt), **call.kwargs):
                yield LLMResponseChunk(delta_content=text)
        except BaseException as exc:
            call.error = exc  # recorded before NeMo turns it into an in-band payload
            raise


def _as_messages(prompt: Any) -> list[dict[str, str]]:
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    return [{"role": getattr(m.role, "value", str(m.role)), "content": m.content or ""} for m in prompt]


@cache
def _check_rails() -> Any:
    from nemoguardrails import LLMRails, RailsConfig

    rails = LLMRails(RailsConfig.from_path(str(CONFIG_DIR)), llm=_NemoModel())
    rails.register_action(_run_check, "run_input_rails")
    rails.register_action(_run_check, "run_output_rails")
    return rails


@cache
def _generation_rails() -> Any:
    from nemoguardrails import LLMRails, RailsConfig

    return LLMRails(
        RailsConfig.from_content(yaml_content="models: []\npassthrough: true\n"), llm=_NemoModel()
    )


def warm_up() -> None:
    """Build both runtimes now (process start) rather than on a patient's first message."""
    _check_rails()
    _generation_rails()


@dataclass
class RailsRuntime:
    input_rails: tuple[str, ...]
    output_rails: tuple[str, ...]
    timeout_s: float = 5.0
    # The optional model-based second opinion (``guardrails.llm_safety``): runs in
    # parallel with the input rails; its verdict comes last. It never raises.
    second_opinion: SecondOpinion | None = None

    async def check_input(
        self, text: str, context: RailContext, *, deidentified: tuple[str, RailContext] | None = None
    ) -> tuple[Verdict, ...]:
        """Verdicts of the input rails on ``text``, via NeMo, then the second opinion's when
        one is configured. Raises RailsUnavailable as ``_check``.

        The rails run in this process and read ``text`` and ``context``, which may be the
        patient's own words. ``deidentified`` is the text and context for everything else:
        NeMo's message list and the second-opinion model. Without it, ``text`` and
        ``context`` go there too, so pass it whenever they hold PHI."""
        shared_text, shared_context = deidentified if deidentified is not None else (text, context)
        messages = [{"role": "user", "content": shared_text}]
        if self.second_opinion is None:
            return await self._check("input", self.input_rails, messages, text, context)
        second = asyncio.create_task(self.second_opinion.check(shared_text, shared_context))
        try:
            local = await self._check("input", self.input_rails, messages, text, context)
        except BaseException:
            second.cancel()
            raise
        return (*local, await second)

    async def check_output(self, text: str, context: RailContext) -> tuple[Verdict, ...]:
        """Verdicts of the output rails on ``text`` (a sentence or a whole answer)."""
        messages = [{"role": "user", "content": context.question}, {"role": "assistant", "content": text}]
        return await self._check("output", self.output_rails, messages, text, context)

    async def prepare_output(self, context: RailContext) -> None:
        """Do the output rails' per-message work (encoding the passages) in a thread.
        Never raises; see ``guardrails.runner.prepare_rails``."""
        await asyncio.to_thread(prepare_rails, self.output_rails, context)

    async def _check(
        self,
        kind: str,
        names: tuple[str, ...],
        messages: list[dict[str, str]],
        text: str,
        context: RailContext,
    ) -> tuple[Verdict, ...]:
        if not names:
            return ()
        from nemoguardrails.rails.llm.options import RailType

        call = _Check(names, text, context)
        token = _check.set(call)
        try:
            async with asyncio.timeout(self.timeout_s):
                await _check_rails().check_async(messages, rail_types=[RailType(kind)])
        except TimeoutError:
            raise RailsUnavailable(f"{kind} rails timed out after {self.timeout_s}s") from None
        except Exception as exc:
            raise RailsUnavailable(f"{kind} rails runtime failed ({type(exc).__name__})") from None
        finally:
            _check.reset(token)
        if call.verdicts is None:  # NeMo never ran our action: nothing was checked
            raise RailsUnavailable(f"{kind} rails did not run")
        return call.verdicts

    async def stream(
        self, model: StreamingModel, messages: list[dict[str, str]], **kwargs: Any
    ) -> AsyncIterator[str]:
        """The model's answer, streamed through NeMo's generation runtime.

        Raises the model's own error (e.g. ``LLMTimeout``) if it fails; NeMo's in-band
        error payload is never yielded as answer text.
        """
        call = _Generation(model, kwargs)
        token = _generation.set(call)
        try:
            async for chunk in _generation_rails().stream_async(messages=messages):
                if call.error is not None:
                    break
                yield chunk
        finally:
            _generation.reset(token)
        if call.error is not None:
            raise call.error
