from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and MFA failure counts live in the cache: each test starts clean."""
    cache.clear()
    yield
    cache.clear()
