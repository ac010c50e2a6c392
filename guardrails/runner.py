"""Run a list of rails over one text: normalise once, check each, fail closed."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from guardrails.base import Action, Evidence, RailContext, Verdict
from guardrails.normalize import normalize
from guardrails.registry import get_rail

log = logging.getLogger(__name__)

# Rails that run in-process and send nothing out: the pipeline runs these even when
# de-identification failed, because a crisis must never wait on a broken dependency.
LOCAL_RAILS: tuple[str, ...] = ("self_harm", "emergency")


def rail_error(name: str, exc: BaseException) -> Verdict:
    """The fail-closed verdict for a rail that could not give an answer."""
    return Verdict(
        rail=name,
        action=Action.BLOCK,
        category="rail_error",
        score=1.0,
        evidence=(Evidence(0, 0, f"{type(exc).__name__}: rail failed"),),
    )


def prepare_rails(names: Sequence[str], context: RailContext) -> None:
    """Let each rail in ``names`` that has ``prepare`` do its per-message work now. Never
    raises: a rail that fails here fails again, closed, in ``run_rails``."""
    for name in names:
        try:
            prepare = getattr(get_rail(name), "prepare", None)
            if prepare is not None:
                prepare(context)
        except Exception as exc:
            log.warning("rail %s could not prepare (%s)", name, type(exc).__name__)


def run_rails(names: Sequence[str], text: str, context: RailContext) -> tuple[Verdict, ...]:
    """Return one Verdict per name, in order. Never raises.

    The text is normalised once and shared through ``context.normalized``. A rail that
    cannot be loaded or raises yields a BLOCK verdict with category ``rail_error``:
    an unchecked message must never look safe.
    """
    try:
        norm = normalize(text)
    except Exception as exc:  # normalisation is pure; failure means a bug, so block
        # The type only, never the traceback text: an exception message may quote its input.
        log.error("normalisation failed (%s)", type(exc).__name__)
        return tuple(rail_error(name, exc) for name in names)
    ctx = dataclasses.replace(context, normalized=norm, memo=context.memo)
    verdicts = []
    for name in names:
        try:
            verdict = get_rail(name).check(text, ctx)
            if not isinstance(verdict, Verdict):
                raise TypeError(f"rail {name} returned {type(verdict).__name__}")
        except Exception as exc:
            log.error("rail %s failed (%s); failing closed", name, type(exc).__name__)
            verdict = rail_error(name, exc)
        verdicts.append(verdict)
    return tuple(verdicts)
