"""Chart layout decisions shared by every chart engine: size, ticks, labels, colours.

Pure Python (no matplotlib, reportlab or python-docx), so the PDF's native
charts, the DOCX's native charts and the matplotlib engine make the same
decisions: the same printed size, the same axis ticks, the same number text
(always through ``fmt.format_value``) and the same colour for every bar.

Public API: ``size_mm``, ``nice_ticks``, ``value_ticks``, ``label``,
``tick_labels``, ``tick_style``, ``bar_colours``, ``series_colour``,
``end_label``, ``values``, ``last_value``, ``uses_legend``, ``KINDS``.
"""

from __future__ import annotations

import math

from .document import Chart
from .fmt import format_value
from .theme import Theme

KINDS = ("bar", "barh", "line")

#: font sizes in points, the same in every engine
TITLE_PT = 10.0
LABEL_PT = 8.0
TICK_PT = 7.5
VALUE_PT = 7.5

#: horizontal bars: millimetres per category row, and for title, axis and labels
BARH_ROW_MM = 4.3
BARH_FIXED_MM = 18.0
#: columns and lines: the height range in millimetres
BOX_MIN_MM, BOX_MAX_MM = 62.0, 70.0

#: whole-number variants for axis ticks when every tick is whole, and the unit of "whole"
_TICK_WHOLE = {"pct": "pct0", "gbp_bn": "gbp_bn0"}
_TICK_SCALE = {"gbp_bn": 1e9}
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


# --------------------------------------------------------------------------- size


def size_mm(chart: Chart, width_mm: float) -> tuple[float, float]:
    """Return (width, height) in mm for ``chart`` printed ``width_mm`` wide.

    Horizontal bars get ``BARH_ROW_MM`` per category (per bar for grouped bars)
    plus ``BARH_FIXED_MM`` for the title and the axis: twenty members → about
    105 mm. Columns and lines get 62–70 mm. A title that needs a second line, a
    legend and a reference-line label row each add a little.
    """
    extra = _title_extra_mm(chart.title, width_mm) + (4.0 if uses_legend(chart) else 0.0)
    if chart.kind == "barh":
        k = len(chart.series)
        rows = len(chart.categories) * (1.0 if k < 2 else 0.85 * k)
        extra += 0.0 if chart.reference_lines else -3.0
        return width_mm, round(min(240.0, BARH_FIXED_MM + BARH_ROW_MM * rows + extra), 1)
    base = min(BOX_MAX_MM, max(BOX_MIN_MM, width_mm * 0.38))
    return width_mm, round(base + extra, 1)


def _title_extra_mm(title: str, width_mm: float) -> float:
    """Return the extra height of a title's lines after the first (estimated, DejaVu Sans Bold)."""
    em_mm = TITLE_PT * 25.4 / 72
    lines = math.ceil(len(title) * 0.62 * em_mm / max(width_mm, 1.0)) if title else 1
    return max(0, lines - 1) * TITLE_PT * 1.25 * 25.4 / 72


def uses_legend(chart: Chart) -> bool:
    """Return True when the chart needs a legend: several series not labelled at the line ends."""
    return len(chart.series) > 1 and not (chart.kind == "line" and chart.direct_labels)


# --------------------------------------------------------------------------- ticks


def nice_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[float]:
    """Return evenly spaced round ticks (steps 1, 2, 2.5, 5 × 10ⁿ) covering [lo, hi].

    At most ``max_ticks`` ticks (at least two; three across zero). Ticks are
    exact multiples of the step, so 0 is a tick whenever lo ≤ 0 ≤ hi.

    >>> nice_ticks(0, 69)
    [0.0, 20.0, 40.0, 60.0, 80.0]
    >>> nice_ticks(40100, 59400)
    [40000.0, 45000.0, 50000.0, 55000.0, 60000.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"ticks need finite limits, not {lo!r}..{hi!r}")
    lo, hi = min(lo, hi), max(lo, hi)
    if hi - lo <= max(1e-9 * max(abs(lo), abs(hi)), 1e-200):  # no visible span: pad around the value
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad if lo != 0 else lo, hi + pad
    max_ticks = max(3 if lo < 0 < hi else 2, max_ticks)  # a range across zero needs −s, 0, s
    step = _nice_step((hi - lo) / (max_ticks - 1))
    while True:
        first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
        if last - first + 1 <= max_ticks:
            return [_clean(i * step) for i in range(first, last + 1)]
        step = _nice_step(step * 1.01)


def _nice_step(raw: float) -> float:
    """Return the smallest 'nice' step (1, 2, 2.5, 5 × 10ⁿ) not below ``raw``."""
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in _STEPS:
        if m * magnitude >= raw * (1 - 1e-9):
            return m * magnitude
    return 10 * magnitude


def _clean(x: float) -> float:
    """Return ``x`` without floating-point noise (0.30000000000000004 → 0.3, −0.0 → 0.0)."""
    return float(f"{x:.12g}") + 0.0


def value_ticks(chart: Chart, max_ticks: int = 6) -> list[float]:
    """Return the value-axis ticks of ``chart``: bars start at 0, lines fit the data.

    The range covers every value and reference line. Ticks whose labels would
    repeat after formatting (e.g. £42.5k printed as £42k) are thinned.
    """
    data = values(chart) + [r.value for r in chart.reference_lines]
    if chart.kind in ("bar", "barh"):
        data += [0.0]
    if not data:
        data = [0.0, 1.0]
    for n in range(max_ticks, 1, -1):
        ticks = nice_ticks(min(data), max(data), n)
        if len(set(tick_labels(ticks, chart))) == len(ticks):
            return ticks
    return ticks


# --------------------------------------------------------------------------- labels


def label(value: float | None, chart: Chart) -> str:
    """Return a value's label in the chart's format; None is 'not available'.

    >>> from reportgen.document import Chart
    >>> label(67.6, Chart("barh", "t", (), (), value_format="pct"))
    '67.6%'
    """
    return format_value(value, chart.value_format)


def tick_style(ticks: list[float], chart: Chart) -> str:
    """Return the fmt style for axis ticks: the whole-number variant when every tick is whole."""
    style = chart.value_format
    whole = _TICK_WHOLE.get(style)
    if whole is None:
        return style
    scale = _TICK_SCALE.get(style, 1.0)
    return whole if all(abs(t / scale - round(t / scale)) < 1e-9 for t in ticks) else style


def tick_labels(ticks: list[float], chart: Chart) -> list[str]:
    """Return the axis labels of ``ticks`` (e.g. 0%, 20%, 40% rather than 0.0%, 20.0%)."""
    style = tick_style(ticks, chart)
    return [format_value(t, style) for t in ticks]


def end_label(chart: Chart, series_index: int) -> str:
    """Return the end-of-line label of a series: its name and last real value ('' when none)."""
    series = chart.series[series_index]
    last = last_value(series.values)
    return "" if last is None else f"{series.name} {label(last[1], chart)}"


# --------------------------------------------------------------------------- data


def values(chart: Chart) -> list[float]:
    """Return every real (not None) value of every series."""
    return [v for s in chart.series for v in s.values if v is not None]


def last_value(vals: tuple[float | None, ...]) -> tuple[int, float] | None:
    """Return (index, value) of the last real value, or None when every value is missing."""
    for i in range(len(vals) - 1, -1, -1):
        v = vals[i]
        if v is not None:
            return i, v
    return None


# --------------------------------------------------------------------------- colours


def series_colour(chart: Chart, theme: Theme, i: int) -> str:
    """Return series ``i``'s colour: palette[0] alone, the theme's pair for two, else the palette."""
    if len(chart.series) < 2:
        return theme.palette[0]
    colours = theme.two_series if len(chart.series) == 2 else theme.palette
    return colours[i % len(colours)]


def bar_colours(chart: Chart, theme: Theme, i: int) -> list[str]:
    """Return one #RRGGBB per category for series ``i``'s bars.

    A single series with ``chart.highlight`` gets the 'highlight' colour for
    the highlighted categories and 'muted' for the rest; otherwise every bar
    is the series colour.
    """
    if len(chart.series) == 1 and chart.highlight:
        hi, muted = theme.colour("highlight"), theme.colour("muted")
        return [hi if c in chart.highlight else muted for c in chart.categories]
    return [series_colour(chart, theme, i)] * len(chart.categories)
