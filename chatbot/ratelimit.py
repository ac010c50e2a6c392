"""A fixed-window per-user message limit, kept in the Django cache (Redis in production)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_s: int


def message_rate_check(*, user_id: int) -> RateDecision:
    """Count one message for ``user_id``; say whether it is within the limit."""
    window = settings.CHAT_RATE_WINDOW_S
    now = int(time.time())
    bucket = now // window
    key = f"chat-rate:{user_id}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > settings.CHAT_RATE_LIMIT:
        return RateDecision(False, window - now % window or window)
    return RateDecision(True, 0)


def _failure_keys(user_id: int, ip: str | None) -> list[str]:
    return [f"mfa-fail:user:{user_id}", *([f"mfa-fail:ip:{ip}"] if ip else [])]


def mfa_locked_out(*, user_id: int, ip: str | None) -> bool:
    """True once ``MFA_FAILURE_LIMIT`` second-factor failures were counted for this
    account or this address within ``MFA_LOCKOUT_S``."""
    return any((cache.get(key) or 0) >= settings.MFA_FAILURE_LIMIT for key in _failure_keys(user_id, ip))


def mfa_failure_count(*, user_id: int, ip: str | None) -> None:
    for key in _failure_keys(user_id, ip):
        cache.add(key, 0, timeout=settings.MFA_LOCKOUT_S)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.MFA_LOCKOUT_S)


def mfa_failures_reset(*, user_id: int) -> None:
    cache.delete(f"mfa-fail:user:{user_id}")
