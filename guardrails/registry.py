"""The explicit rail registry: name -> dotted path, imported on first use.

Settings choose rails by name from this dict; nothing is discovered by scanning.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from threading import Lock

from guardrails.base import Rail

RAILS: dict[str, str] = {
    "language": "guardrails.language.LanguageRail",
    "self_harm": "guardrails.self_harm.SelfHarmRail",
    "emergency": "guardrails.emergency.EmergencyRail",
    "injection": "guardrails.injection.InjectionRail",
    "scope": "guardrails.scope.ScopeRail",
    "grounding": "guardrails.grounding.GroundingRail",
    "harmful_advice": "guardrails.harmful_advice.HarmfulAdviceRail",
    "phi_leak": "guardrails.phi_leak.PhiLeakRail",
}

# The language rail runs first: the others can only read English and Spanish.
INPUT_RAILS: tuple[str, ...] = ("language", "self_harm", "emergency", "injection", "scope")

_instances: dict[str, Rail] = {}
_lock = Lock()


class UnknownRail(KeyError):
    """The name is not in ``RAILS`` (a configuration error; a retry cannot help)."""


def get_rail(name: str) -> Rail:
    """Return the shared instance of rail ``name``, importing it on first use.

    Raises UnknownRail for a name not in RAILS, and ImportError/AttributeError when
    the dotted path does not resolve.
    """
    if name not in RAILS:
        raise UnknownRail(name)
    with _lock:
        rail = _instances.get(name)
        if rail is None:
            module_path, _, class_name = RAILS[name].rpartition(".")
            rail = getattr(import_module(module_path), class_name)()
            _instances[name] = rail
    return rail


def load_rails(names: Sequence[str]) -> tuple[Rail, ...]:
    """Return the rails for ``names`` in order; raises as ``get_rail`` does."""
    return tuple(get_rail(name) for name in names)
