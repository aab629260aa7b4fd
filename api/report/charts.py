"""Inline SVG charts (no JavaScript, no external resources): trend lines with interval bands, and bars."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass
class Point:
    """One point of a trend: a label (e.g. an ISO week), a value and an optional interval."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


def line_chart(
    points: Sequence[Point],
    *,
    width: int = 320,
    height: int = 110,
    fmt: Callable[[float | None], str] = lambda v: "" if v is None else f"{v:.2f}",
    title: str = "",
    color: str = "#1f5f99",
) -> Markup:
    """A small line chart of the points, with the 95 % band when given and the last value labelled."""
    values = [p.value for p in points if p.value is not None]
    if len(values) < 1:
        return Markup(
            f'<svg class="chart empty" width="{width}" height="{height}" role="img" '
            f'aria-label="{escape(title)}"><text x="8" y="{height // 2}">–</text></svg>'
        )
    bounds = values + [v for p in points for v in (p.low, p.high) if v is not None]
    lo, hi = min(bounds), max(bounds)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pad_l, pad_r, pad_t, pad_b = 6, 6, 14, 18
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    step = inner_w / max(1, len(points) - 1)

    def x(i: int) -> float:
        return pad_l + (i * step if len(points) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return pad_t + inner_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    band = [(i, p) for i, p in enumerate(points) if p.low is not None and p.high is not None]
    if len(band) >= 2:
        upper = " ".join(f"{x(i):.1f},{y(p.high):.1f}" for i, p in band)  # type: ignore[arg-type]
        lower = " ".join(f"{x(i):.1f},{y(p.low):.1f}" for i, p in reversed(band))  # type: ignore[arg-type]
        parts.append(f'<polygon points="{upper} {lower}" fill="{color}" fill-opacity="0.15" stroke="none"/>')
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, p in enumerate(points):
        if p.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(p.value):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{color}" stroke-width="2"/>')
    for i, p in enumerate(points):
        if p.value is not None:
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="2.5" fill="{color}">'
                f"<title>{escape(p.label)}: {escape(fmt(p.value))}</title></circle>"
            )
    last = next((i for i in range(len(points) - 1, -1, -1) if points[i].value is not None), None)
    if last is not None:
        anchor = "end" if last > 0 else "start"
        parts.append(
            f'<text x="{x(last):.1f}" y="{max(10.0, y(points[last].value) - 5):.1f}" '  # type: ignore[arg-type]
            f'font-size="10" text-anchor="{anchor}" fill="#222">{escape(fmt(points[last].value))}</text>'
        )
    if points:
        parts.append(
            f'<text x="{pad_l}" y="{height - 4}" font-size="9" fill="#666">{escape(points[0].label)}</text>'
        )
        parts.append(
            f'<text x="{width - pad_r}" y="{height - 4}" font-size="9" fill="#666" text-anchor="end">'
            f"{escape(points[-1].label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    width: int = 420,
    bar_height: int = 16,
    fmt: Callable[[float], str] = lambda v: f"{v:.2f}",
    title: str = "",
    color: str = "#b4532a",
) -> Markup:
    """Horizontal bars, one per (label, value), longest first as given."""
    if not items:
        return Markup("")
    label_w = 170
    top = max(v for _, v in items) or 1.0
    height = len(items) * (bar_height + 6) + 4
    parts = [
        f'<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    ]
    for i, (label, value) in enumerate(items):
        y0 = 2 + i * (bar_height + 6)
        length = max(1.0, (width - label_w - 60) * max(0.0, value) / top)
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="0" y="{y0 + bar_height - 4}" font-size="11" fill="#222">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y0}" width="{length:.1f}" height="{bar_height}" fill="{color}" rx="2"/>'
            f'<text x="{label_w + length + 4:.1f}" y="{y0 + bar_height - 4}" font-size="10" fill="#444">'
            f"{escape(fmt(value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
