"""Small server-side SVG charts, hand-built: no JavaScript, no CDN, readable by a
screen reader (a <title> and a <desc> on each chart, and the page has the table)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 36
PALETTE = ("#1f6feb", "#d1242f", "#8250df", "#1a7f37", "#bf8700", "#57606a", "#0a7ea4", "#cf222e")


def stacked_bars(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> str:
    """One bar per label, stacked by series (e.g. escalations per day by kind)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    n = max(len(labels), 1)
    step = (WIDTH - 2 * PAD) / n
    parts = [_open(title, f"{title}: {int(sum(totals))} in all over {len(labels)} days")]
    for i, _label in enumerate(labels):
        y: float = HEIGHT - PAD
        for colour, (name, values) in zip(PALETTE * 4, series.items(), strict=False):
            if not values[i]:
                continue
            h = (HEIGHT - 2 * PAD) * values[i] / top
            y -= h
            parts.append(
                f'<rect x="{PAD + i * step + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(labels[i])} {escape(name)}: {values[i]:g}</title></rect>'
            )
    parts.append(_axis(top, labels))
    parts.append(_legend(list(series)))
    parts.append("</svg>")
    return "".join(parts)


def bars(title: str, values: Mapping[str, float], *, unit: str = "") -> str:
    """Horizontal bars, one per key (e.g. false-alarm rate per rail)."""
    top = max(values.values(), default=0) or 1
    row = 22
    height = PAD + row * max(len(values), 1)
    parts = [_open(title, ", ".join(f"{k}: {v:g}{unit}" for k, v in values.items()) or "no data", height)]
    for i, (name, value) in enumerate(values.items()):
        w = (WIDTH - 200) * value / top
        y = 10 + i * row
        parts.append(f'<text x="4" y="{y + 14}" font-size="12">{escape(name)}</text>')
        parts.append(
            f'<rect x="150" y="{y}" width="{w:.1f}" height="16" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{154 + w:.1f}" y="{y + 13}" font-size="12">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, desc: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" style="max-width:{WIDTH}px"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    )


def _axis(top: float, labels: Sequence[str]) -> str:
    base = HEIGHT - PAD
    first, last = (labels[0], labels[-1]) if labels else ("", "")
    return (
        f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#57606a"/>'
        f'<text x="4" y="{PAD}" font-size="11">{top:g}</text>'
        f'<text x="{PAD}" y="{base + 14}" font-size="11">{escape(first)}</text>'
        f'<text x="{WIDTH - PAD}" y="{base + 14}" font-size="11" text-anchor="end">{escape(last)}</text>'
    )


def _legend(names: Sequence[str]) -> str:
    return "".join(
        f'<rect x="{PAD + i * 110}" y="{HEIGHT - 14}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
        f'<text x="{PAD + 14 + i * 110}" y="{HEIGHT - 5}" font-size="11">{escape(name)}</text>'
        for i, name in enumerate(names)
    )
