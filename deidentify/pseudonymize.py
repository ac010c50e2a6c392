"""Reversible, per-conversation pseudonymisation: PHI spans become typed surrogates.

The same original value (normalised: case and spacing for words, digits and letters for
numbers) gets the same surrogate for the whole conversation, so the model can still tell
"my daughter [NAME_2]" from "[NAME_1]". The `SurrogateMap` is the only place the originals
live; the Django side encrypts its JSON at rest.

`reidentify` replaces only surrogates present in the map. A surrogate-shaped token the
model invented (e.g. ``[NAME_7]`` when the map has two names) is left exactly as written:
it cannot be turned into PHI, and a visible placeholder is more honest than a guessed word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from deidentify.base import DeidentificationError, Finding

# Surrogate label per entity type; unknown types fall back to PHI.
LABELS = {
    "PERSON": "NAME", "DATE": "DATE", "AGE": "AGE", "PHONE": "PHONE", "EMAIL": "EMAIL",
    "URL": "URL", "SSN": "SSN", "MRN": "MRN", "ACCOUNT": "ID", "VEHICLE": "VEHICLE",
    "DEVICE": "DEVICE", "IP_ADDRESS": "IP", "ADDRESS": "ADDRESS", "ZIP": "ZIP",
    "LOCATION": "LOCATION", "SURROGATE": "PHI",
}
NUMERIC_LABELS = frozenset({"PHONE", "SSN", "MRN", "ID", "VEHICLE", "DEVICE", "ZIP", "IP"})
SURROGATE_RE = re.compile(r"\[([A-Z]+)_(\d{1,6})\]")
# Spans of one type separated only by these characters are one value ("John  Smith").
JOINERS = re.compile(r"[\s.'-]{0,3}")


def _normalise(label: str, value: str) -> str:
    if label in NUMERIC_LABELS:
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    return " ".join(re.sub(r"[^\w@./:-]+", " ", value.casefold()).split())


@dataclass(frozen=True)
class _Entry:
    surrogate: str
    label: str
    key: str
    original: str


class SurrogateMap:
    """Mapping between surrogates and originals for one conversation (immutable in use:
    `with_findings` returns an updated copy)."""

    def __init__(self, entries: Iterable[_Entry] = ()) -> None:
        self._by_surrogate: dict[str, _Entry] = {}
        self._by_key: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        for entry in entries:
            self._add(entry)

    def _add(self, entry: _Entry) -> None:
        self._by_surrogate[entry.surrogate] = entry
        self._by_key[(entry.label, entry.key)] = entry.surrogate
        match = SURROGATE_RE.fullmatch(entry.surrogate)
        number = int(match.group(2)) if match else 0
        self._counts[entry.label] = max(self._counts.get(entry.label, 0), number)

    def copy(self) -> SurrogateMap:
        """Return an independent copy."""
        return SurrogateMap(self._by_surrogate.values())

    def surrogate_for(self, entity_type: str, original: str) -> str:
        """Return the surrogate for a value, creating it (mutates self: use on a copy)."""
        label = LABELS.get(entity_type, "PHI")
        key = _normalise(label, original)
        existing = self._by_key.get((label, key))
        if existing is not None:
            return existing
        number = self._counts.get(label, 0) + 1
        surrogate = f"[{label}_{number}]"
        self._add(_Entry(surrogate, label, key, original))
        return surrogate

    def original(self, surrogate: str) -> str | None:
        """Return the original value behind a surrogate, or None if it is not in the map."""
        entry = self._by_surrogate.get(surrogate)
        return entry.original if entry else None

    def surrogates(self) -> frozenset[str]:
        """Return every surrogate in the map."""
        return frozenset(self._by_surrogate)

    def __len__(self) -> int:
        return len(self._by_surrogate)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SurrogateMap) and self._by_surrogate == other._by_surrogate

    def __repr__(self) -> str:  # never show originals, e.g. in tracebacks or logs
        return f"SurrogateMap(<{len(self)} surrogates>)"

    def to_json(self) -> str:
        """Return the map as a JSON string (contains PHI: encrypt it at rest)."""
        return json.dumps({"version": 1, "entries": [
            {"surrogate": e.surrogate, "label": e.label, "key": e.key, "original": e.original}
            for e in self._by_surrogate.values()
        ]})

    @classmethod
    def from_json(cls, data: str) -> SurrogateMap:
        """Return the map stored by `to_json`; raises DeidentificationError if malformed."""
        try:
            payload = json.loads(data)
            if payload.get("version") != 1:
                raise ValueError("unsupported version")
            entries = [_Entry(str(e["surrogate"]), str(e["label"]), str(e["key"]), str(e["original"]))
                       for e in payload["entries"]]
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # `from None`: the JSON decoder's message can quote the (PHI-bearing) input.
            raise DeidentificationError(f"malformed surrogate map ({type(exc).__name__})") from None
        if any(not SURROGATE_RE.fullmatch(e.surrogate) for e in entries):
            raise DeidentificationError("malformed surrogate map (bad surrogate)")
        return cls(entries)


def merge_findings(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """Return non-overlapping spans: overlaps are unioned, and same-type spans separated only
    by spaces, dots, apostrophes or hyphens are joined. In a union, a span that contains the
    other names the type (a street named after a person is still an address); otherwise
    the higher score does."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged:
            last = merged[-1]
            gap = text[last.end:f.start] if f.start > last.end else ""
            touching = f.start <= last.end or (
                f.entity_type == last.entity_type and JOINERS.fullmatch(gap) is not None)
            if touching:
                best = _type_giver(last, f)
                merged[-1] = Finding(best.entity_type, last.start, max(last.end, f.end),
                                     max(last.score, f.score), best.recognizer)
                continue
        merged.append(f)
    return merged


def _type_giver(a: Finding, b: Finding) -> Finding:
    if (a.start, a.end) != (b.start, b.end):
        if a.start <= b.start and b.end <= a.end:
            return a
        if b.start <= a.start and a.end <= b.end:
            return b
    return a if a.score >= b.score else b


# One replaced span: its (start, end) in the original text, then in the output.
Piece = tuple[int, int, int, int]


def pseudonymize(
    text: str, spans: list[Finding], surrogates: SurrogateMap
) -> tuple[str, tuple[Piece, ...]]:
    """Return text with each (merged, non-overlapping) span replaced by its surrogate, and
    where each replaced span went (see `output_span`); adds new values to `surrogates`
    (the caller passes a copy)."""
    out, pieces, pos, at = [], [], 0, 0
    for f in spans:
        kept, surrogate = text[pos:f.start], surrogates.surrogate_for(f.entity_type, text[f.start:f.end])
        out += [kept, surrogate]
        at += len(kept)
        pieces.append((f.start, f.end, at, at + len(surrogate)))
        at += len(surrogate)
        pos = f.end
    out.append(text[pos:])
    return "".join(out), tuple(pieces)


def mask(text: str, spans: list[Finding]) -> str:
    """Return text with each span overwritten by '*' of the same length (not reversible)."""
    chars = list(text)
    for f in spans:
        chars[f.start:f.end] = "*" * (f.end - f.start)
    return "".join(chars)


def output_span(pieces: Iterable[Piece], start: int, end: int) -> tuple[int, int]:
    """Where the original text's [start, end) lies in the de-identified output: shifted
    past the replaced spans before it, and widened to the whole surrogate where it begins
    or ends inside one, so that a quote of it never shows half a surrogate."""
    pieces = tuple(pieces)
    return _output_position(pieces, start, inside="start"), _output_position(pieces, end, inside="end")


def _output_position(pieces: tuple[Piece, ...], pos: int, *, inside: str) -> int:
    shift = 0
    for start, end, out_start, out_end in pieces:
        if pos <= start:
            break
        if pos < end:
            return out_start if inside == "start" else out_end
        shift = out_end - end
    return pos + shift


def reidentify(text: str, surrogates: SurrogateMap) -> str:
    """Return text with known surrogates replaced by their originals; unknown ones stay."""
    def swap(match: re.Match[str]) -> str:
        original = surrogates.original(match.group(0))
        return match.group(0) if original is None else original
    return SURROGATE_RE.sub(swap, text)
