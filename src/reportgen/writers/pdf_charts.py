"""Charts drawn natively for the PDF writer: ``document.Chart`` → reportlab ``Drawing``.

Part of the PDF writer (the only other module that imports reportlab). Every
chart is built from plain shapes (``Rect``, ``Line``, ``PolyLine``, ``Circle``,
``String``): vector, with real text in the theme's embedded fonts, and fast
(about a millisecond a chart). Size, ticks, number text and colours come from
``chartlayout``, which the DOCX writer's charts share; this module only places
things, measuring text with ``pdfmetrics.stringWidth`` so nothing collides or
is clipped.

The look follows DESIGN.md: the finding as a bold title, axis labels with
units, light gridlines, no frame, direct value labels at the bar ends, one
highlighted bar against muted ones, dashed labelled reference lines, lines
labelled at their ends (or a legend), and gaps where a value is missing.

``ChartFlowable`` places a Drawing in the story and paints its shapes straight
onto the page canvas (a few canvas calls a shape, one text object for all the
text), several times faster than reportlab's generic ``renderPDF``, which
saves and restores the whole graphics state around every shape.

Public API: ``ENGINE``, ``ENGINES``, ``drawing``, ``ChartFlowable``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab import rl_config
from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable

from .. import chartlayout as L
from ..document import Chart
from ..theme import Theme

#: the PDF's chart engine: "native" (this module) or "matplotlib" (charts.py SVG via svglib)
ENGINE = "native"
ENGINES = ("native", "matplotlib")

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_GAP = 6.0  # pt between blocks (title, legend, plot)
_TICK_GAP = 4.0  # pt between an axis and its tick labels
_DASH = [4.0, 2.0]

Paint = Callable[[str], Color]


# --------------------------------------------------------------------------- public API


def drawing(chart: Chart, theme: Theme, width: float, fonts: tuple[str, str], paint: Paint) -> Drawing:
    """Return ``chart`` as a Drawing ``width`` points wide, its height from ``chartlayout.size_mm``.

    ``fonts`` are the registered (regular, bold) font names; ``paint`` turns a
    theme colour name or #RRGGBB into a reportlab colour (CMYK in print).
    Raise ValueError for an unknown chart kind.
    """
    if chart.kind not in L.KINDS:
        raise ValueError(f"unknown chart kind '{chart.kind}' (known: {', '.join(L.KINDS)})")
    height = L.size_mm(chart, width / _MM)[1] * _MM
    checking = rl_config.shapeChecking
    rl_config.shapeChecking = 0  # our shapes are well-formed; validating every attribute costs half the time
    try:
        c = _Canvas(Drawing(width, height), theme, fonts, paint)
        c.d.initialFontName, c.d.initialFontSize = fonts[0], L.LABEL_PT  # keeps Helvetica out
        c.d.hAlign = "LEFT"
        top = _header(c, chart)
        DRAW[chart.kind](c, chart, top)
    finally:
        rl_config.shapeChecking = checking
    return c.d


_MM = 72 / 25.4


# --------------------------------------------------------------------------- drawing helpers


@dataclass
class _Canvas:
    """A Drawing with a theme: adds text and shapes in top-down coordinates (y=0 at the top)."""

    d: Drawing
    theme: Theme
    fonts: tuple[str, str]
    paint: Paint
    _colours: dict[str, Color] = field(default_factory=dict)

    @property
    def w(self) -> float:
        return float(self.d.width)

    @property
    def h(self) -> float:
        return float(self.d.height)

    def colour(self, name: str) -> Color:
        """Return the reportlab colour of a theme colour name or #RRGGBB (memoised)."""
        if name not in self._colours:
            self._colours[name] = self.paint(name)
        return self._colours[name]

    def font(self, bold: bool) -> str:
        return self.fonts[1] if bold else self.fonts[0]

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return stringWidth(text, self.font(bold), size)

    def text(self, x: float, y: float, text: str, size: float, colour: str = "text", *, bold: bool = False,
             anchor: str = "start", middle: bool = False) -> String:
        """Add ``text`` with its baseline at top-down ``y`` (or its middle there when ``middle``)."""
        base = y + size * 0.36 if middle else y
        s = String(x, self.h - base, _CONTROL.sub("", text), fontName=self.font(bold), fontSize=size,
                   fillColor=self.colour(colour), textAnchor=anchor)
        self.d.add(s)
        return s

    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        """Add a filled rectangle whose top-left corner is (x, y) top-down."""
        self.d.add(Rect(x, self.h - y - h, w, h, fillColor=self.colour(colour), strokeColor=None,
                        strokeWidth=0))

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str, width: float,
             dash: list[float] | None = None) -> None:
        self.d.add(Line(x1, self.h - y1, x2, self.h - y2, strokeColor=self.colour(colour), strokeWidth=width,
                        strokeDashArray=dash))

    def wrap(self, text: str, max_width: float, size: float, bold: bool = False) -> list[str]:
        """Return ``text`` broken into lines no wider than ``max_width`` (long words split)."""
        lines: list[str] = []
        for word in _CONTROL.sub("", text).split():
            if lines and self.width(lines[-1] + " " + word, size, bold) <= max_width:
                lines[-1] += " " + word
                continue
            while self.width(word, size, bold) > max_width and len(word) > 1:
                cut = _fit(word, lambda s: self.width(s, size, bold) <= max_width)
                lines.append(word[:cut])
                word = word[cut:]
            lines.append(word)
        return lines or [""]


def _fit(word: str, fits: Callable[[str], bool]) -> int:
    """Return the longest prefix length of ``word`` that ``fits`` (at least 1)."""
    n = 1
    while n < len(word) and fits(word[: n + 1]):
        n += 1
    return n


def _lighter(hex_colour: str, amount: float) -> str:
    """Return ``hex_colour`` mixed with white (amount 0 = unchanged, 1 = white)."""
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(v + (255 - v) * amount):02X}" for v in rgb)


# --------------------------------------------------------------------------- header: title and legend


def _header(c: _Canvas, chart: Chart) -> float:
    """Draw the title (bold, wrapped) and the legend; return the y below them (top-down)."""
    y = 0.0
    for line in c.wrap(chart.title, c.w, L.TITLE_PT, bold=True) if chart.title.strip() else []:
        y += L.TITLE_PT * 1.25
        c.text(0, y - L.TITLE_PT * 0.25, line, L.TITLE_PT, bold=True)
    y += _GAP if y else 0.0
    if L.uses_legend(chart):
        y = _legend(c, chart, y)
    return y


def _legend(c: _Canvas, chart: Chart, y: float) -> float:
    """Draw one swatch and name per series, left to right, wrapping; return the y below."""
    x, row = 0.0, L.LABEL_PT * 1.5
    mid = y + row / 2
    for i, series in enumerate(chart.series):
        colour = L.series_colour(chart, c.theme, i)
        item = 14 + c.width(series.name, L.LABEL_PT) + 12
        if x and x + item > c.w:
            x, mid = 0.0, mid + row
        if chart.kind == "line":
            c.line(x, mid, x + 10, mid, colour, 1.8)
        else:
            c.rect(x + 1, mid - 4, 8, 8, colour)
        c.text(x + 14, mid, series.name, L.LABEL_PT, middle=True)
        x += item
    return mid + row / 2 + _GAP / 2


# --------------------------------------------------------------------------- value axis


@dataclass(frozen=True)
class _Axis:
    """A linear value axis: data ``lo``..``hi`` onto pixels ``start``..``end``."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, v: float) -> float:
        return self.start + (v - self.lo) / (self.hi - self.lo) * (self.end - self.start)


def _ticks(chart: Chart) -> tuple[list[float], list[str]]:
    ticks = L.value_ticks(chart)
    return ticks, L.tick_labels(ticks, chart)


# --------------------------------------------------------------------------- horizontal bars


def _draw_barh(c: _Canvas, chart: Chart, top: float) -> None:
    ticks, tick_text = _ticks(chart)
    top += (L.VALUE_PT * 1.6) if chart.reference_lines or chart.y_label else 0.0
    bottom = c.h - L.TICK_PT * 1.3 - _TICK_GAP - (L.LABEL_PT * 1.7 if chart.x_label else 0.0)
    names = _barh_names(c, chart)
    x0 = min(max((w for _, _, w in names), default=0.0) + _TICK_GAP + 2, c.w * 0.5)
    start = x0 + _negative_room(c, chart)
    x_of = _Axis(ticks[0], ticks[-1], start, start + _barh_plot_width(c, chart, ticks, tick_text, start))
    row = (bottom - top) / max(1, len(chart.categories))
    _value_grid(c, ticks, tick_text, x_of, top, bottom, vertical=True)
    _barh_bars(c, chart, x_of, top, row)
    c.line(x_of(0.0), top, x_of(0.0), bottom, "muted_text", 0.6)
    for j, (lines, bold, _) in enumerate(names):
        _category_label(c, lines, x0 - _TICK_GAP - 2, top + (j + 0.5) * row, bold)
    _barh_references(c, chart, x_of, top, bottom)
    if chart.direct_labels:
        _barh_value_labels(c, chart, x_of, top, row)
    if chart.x_label:
        c.text((x_of.start + x_of.end) / 2, c.h - L.LABEL_PT * 0.3, chart.x_label, L.LABEL_PT, "muted_text",
               anchor="middle")
    if chart.y_label:
        c.text(0, top - L.VALUE_PT * 0.6, chart.y_label, L.LABEL_PT, "muted_text")


def _barh_names(c: _Canvas, chart: Chart) -> list[tuple[list[str], bool, float]]:
    """Return (lines, bold, width) of each category label; names wider than half the chart wrap."""
    out = []
    for name in chart.categories:
        bold = _is_highlighted(chart, name)
        lines = c.wrap(name, c.w * 0.5 - _TICK_GAP - 2, L.LABEL_PT, bold)
        out.append((lines, bold, max(c.width(s, L.LABEL_PT, bold) for s in lines)))
    return out


def _is_highlighted(chart: Chart, category: str) -> bool:
    return len(chart.series) == 1 and category in chart.highlight


def _category_label(c: _Canvas, lines: list[str], x: float, mid: float, bold: bool) -> None:
    """Draw a right-aligned category label of one or more lines centred on ``mid``."""
    lead = L.LABEL_PT * 1.1
    for k, line in enumerate(lines):
        c.text(x, mid + (k - (len(lines) - 1) / 2) * lead, line, L.LABEL_PT, bold=bold, anchor="end",
               middle=True)


def _negative_room(c: _Canvas, chart: Chart) -> float:
    """Return the room (pt) the value labels of negative bars need beyond the lowest tick."""
    if not chart.direct_labels:
        return 0.0
    widths = [c.width(L.label(v, chart), L.VALUE_PT, bold=True) + 4 for v in L.values(chart) if v < 0]
    return max(widths, default=0.0)


def _barh_plot_width(c: _Canvas, chart: Chart, ticks: list[float], tick_text: list[str], x0: float) -> float:
    """Return the widest plot that keeps every value label and the last tick label inside the chart."""
    room = c.w - x0
    span = ticks[-1] - ticks[0]
    width = room - c.width(tick_text[-1], L.TICK_PT) / 2
    if not chart.direct_labels:
        return width
    for series in chart.series:
        for v in series.values:
            text_w = c.width(L.label(v, chart), L.VALUE_PT, bold=True) + 3
            frac = (max(v or 0.0, 0.0) - ticks[0]) / span
            if frac > 0:
                width = min(width, (room - text_w) / frac)
    return max(width, room * 0.3)


def _thickness(row: float, k: int) -> float:
    """Return the thickness of one bar in a row of ``k`` bars (grouped bars fill more of the row)."""
    return row * (0.72 if k == 1 else 0.88) / k


def _barh_bars(c: _Canvas, chart: Chart, x_of: _Axis, top: float, row: float) -> None:
    k = len(chart.series)
    thick = _thickness(row, k)
    for i, series in enumerate(chart.series):
        colours = L.bar_colours(chart, c.theme, i)
        for j, v in enumerate(series.values):
            if v is None:
                continue
            y = top + j * row + (row - thick * k) / 2 + i * thick
            a, b = sorted((x_of(0.0), x_of(v)))
            c.rect(a, y + thick * 0.06, b - a, thick * 0.88, colours[j])


def _barh_value_labels(c: _Canvas, chart: Chart, x_of: _Axis, top: float, row: float) -> None:
    k = len(chart.series)
    thick = _thickness(row, k)
    for i, series in enumerate(chart.series):
        for j, v in enumerate(series.values):
            mid = top + j * row + (row - thick * k) / 2 + (i + 0.5) * thick
            bold = _is_highlighted(chart, chart.categories[j])
            text = L.label(v, chart)
            end = x_of(v or 0.0)
            x = end + 3 if (v or 0.0) >= 0 else end - 3 - c.width(text, L.VALUE_PT, bold)
            _boxed_label(c, x, mid, text, bold, "text" if v is not None else "muted_text", k == 1)


def _boxed_label(c: _Canvas, x: float, mid: float, text: str, bold: bool, colour: str, box: bool) -> None:
    """Draw a value label left-aligned at ``x``, on a white box (hiding grid and reference lines) if ``box``.

    Only single-series charts box their labels: grouped bars sit too close together.
    """
    if box:
        w = c.width(text, L.VALUE_PT, bold)
        c.rect(x - 1.5, mid - L.VALUE_PT * 0.62, w + 3, L.VALUE_PT * 1.24, "#FFFFFF")
    c.text(x, mid, text, L.VALUE_PT, colour, bold=bold, middle=True)


def _barh_references(c: _Canvas, chart: Chart, x_of: _Axis, top: float, bottom: float) -> None:
    """Draw each reference line dashed across the bars, labelled above the plot."""
    for ref in chart.reference_lines:
        x = x_of(ref.value)
        c.line(x, top - 2, x, bottom, "text", 0.9, _DASH)
        w = c.width(ref.label, L.VALUE_PT)
        c.text(min(max(x - w / 2, x_of.start), c.w - w), top - L.VALUE_PT * 0.6, ref.label, L.VALUE_PT)


def _value_grid(c: _Canvas, ticks: list[float], text: list[str], axis: _Axis, a: float, b: float,
                vertical: bool) -> None:
    """Draw light gridlines at the ticks across a..b and the tick labels outside the plot."""
    grid = _lighter(c.theme.colour("rule"), 0.45)
    for t, s in zip(ticks, text):
        p = axis(t)
        if vertical:
            c.line(p, a, p, b, grid, 0.4)
            c.text(p, b + _TICK_GAP + L.TICK_PT * 0.8, s, L.TICK_PT, "muted_text", anchor="middle")
        else:
            c.line(a, p, b, p, grid, 0.4)
            c.text(a - _TICK_GAP, p, s, L.TICK_PT, "muted_text", anchor="end", middle=True)


# --------------------------------------------------------------------------- columns and lines


@dataclass(frozen=True)
class _Box:
    """The plot rectangle of a column or line chart (top-down), and its category label lines."""

    left: float
    right: float
    top: float
    bottom: float
    names: list[list[str]]
    rotate: bool
    step: int


def _box(c: _Canvas, chart: Chart, top: float, tick_text: list[str], right_labels: list[str]) -> _Box:
    """Return the plot box: left margin from the tick labels, right from labels outside the plot."""
    if chart.y_label:
        for line in c.wrap(chart.y_label, c.w, L.LABEL_PT):
            top += L.LABEL_PT * 1.25
            c.text(0, top - L.LABEL_PT * 0.25, line, L.LABEL_PT, "muted_text")
        top += _GAP / 2
    top += L.VALUE_PT * 1.4 if chart.kind == "bar" and chart.direct_labels else L.TICK_PT * 0.6
    left = max(c.width(s, L.TICK_PT) for s in tick_text) + _TICK_GAP + 2
    right = c.w - (max((c.width(s, L.VALUE_PT, bold=True) for s in right_labels), default=0.0) + 6
                   if right_labels else 4.0)
    names, rotate, step, height = _category_layout(c, chart, right - left)
    bottom = c.h - height - (L.LABEL_PT * 1.7 if chart.x_label else 0.0)
    if chart.x_label:
        c.text((left + right) / 2, c.h - L.LABEL_PT * 0.3, chart.x_label, L.LABEL_PT, "muted_text",
               anchor="middle")
    return _Box(left, right, top, bottom, names, rotate, step)


def _category_layout(c: _Canvas, chart: Chart, width: float) -> tuple[list[list[str]], bool, int, float]:
    """Return (lines per category, rotated?, label step, height) for the category axis.

    Names wrap to their slot (at most three lines); a line chart thins its
    labels when they crowd; a column chart whose names still do not fit
    rotates them 35°.
    """
    n = max(1, len(chart.categories))
    slot = width / n
    widest = max((c.width(s, L.LABEL_PT) for s in chart.categories), default=0.0)
    if chart.kind == "line":
        step = max(1, math.ceil((widest + 8) / slot))
        return [[s] for s in chart.categories], False, step, _TICK_GAP + L.LABEL_PT * 1.5
    names = [c.wrap(s, slot - 4, L.LABEL_PT) for s in chart.categories]
    if all(len(lines) <= 3 and all(c.width(s, L.LABEL_PT) <= slot - 4 for s in lines) for lines in names):
        deepest = max((len(lines) for lines in names), default=1)
        return names, False, 1, _TICK_GAP + L.LABEL_PT * (0.3 + 1.15 * deepest)
    height = min(widest, c.h * 0.35) * math.sin(math.radians(35)) + L.LABEL_PT * 1.2 + _TICK_GAP
    return [[s] for s in chart.categories], True, 1, height


def _category_labels(c: _Canvas, box: _Box, xs: list[float]) -> None:
    for j, (x, lines) in enumerate(zip(xs, box.names)):
        if j % box.step:
            continue
        if box.rotate:
            _rotated(c, x, box.bottom + _TICK_GAP + L.LABEL_PT * 0.8, lines[0])
            continue
        for k, line in enumerate(lines):
            c.text(x, box.bottom + _TICK_GAP + L.LABEL_PT * (0.8 + 1.15 * k), line, L.LABEL_PT, anchor="middle")


def _rotated(c: _Canvas, x: float, y: float, text: str) -> None:
    """Draw ``text`` ending at (x, y) top-down, rotated 35° anticlockwise."""
    g = Group(String(0, 0, _CONTROL.sub("", text), fontName=c.fonts[0], fontSize=L.LABEL_PT,
                     fillColor=c.colour("text"), textAnchor="end"))
    angle = math.radians(35)
    g.transform = (math.cos(angle), math.sin(angle), -math.sin(angle), math.cos(angle), x + 3, c.h - y + 3)
    c.d.add(g)


def _draw_bar(c: _Canvas, chart: Chart, top: float) -> None:
    ticks, tick_text = _ticks(chart)
    box = _box(c, chart, top, tick_text, [r.label for r in chart.reference_lines])
    below = L.VALUE_PT * 1.5 if chart.direct_labels and any(v < 0 for v in L.values(chart)) else 0.0
    y_of = _Axis(ticks[0], ticks[-1], box.bottom - below, box.top)
    _value_grid(c, ticks, tick_text, y_of, box.left, box.right, vertical=False)
    n, k = max(1, len(chart.categories)), len(chart.series)
    slot = (box.right - box.left) / n
    thick = min(slot * 0.7, 56.0 * min(k, 2)) / k
    xs = [box.left + (j + 0.5) * slot for j in range(len(chart.categories))]
    for i, series in enumerate(chart.series):
        colours = L.bar_colours(chart, c.theme, i)
        for j, v in enumerate(series.values):
            x = xs[j] - thick * k / 2 + i * thick
            if v is not None:
                a, b = sorted((y_of(0.0), y_of(v)))
                c.rect(x + thick * 0.04, a, thick * 0.92, b - a, colours[j])
    c.line(box.left, y_of(0.0), box.right, y_of(0.0), "muted_text", 0.6)
    _horizontal_references(c, chart, box, y_of, [])
    if chart.direct_labels:
        _bar_value_labels(c, chart, xs, thick, y_of)
    _category_labels(c, box, xs)


def _bar_value_labels(c: _Canvas, chart: Chart, xs: list[float], thick: float, y_of: _Axis) -> None:
    k = len(chart.series)
    for i, series in enumerate(chart.series):
        for j, v in enumerate(series.values):
            x = xs[j] - thick * k / 2 + (i + 0.5) * thick
            mid = y_of(v or 0.0) + (-1 if (v or 0.0) >= 0 else 1) * (2.5 + L.VALUE_PT * 0.5)
            bold = _is_highlighted(chart, chart.categories[j])
            text = L.label(v, chart)
            _boxed_label(c, x - c.width(text, L.VALUE_PT, bold) / 2, mid, text, bold,
                         "text" if v is not None else "muted_text", k == 1)


def _draw_line(c: _Canvas, chart: Chart, top: float) -> None:
    ticks, tick_text = _ticks(chart)
    ends = [(i, L.end_label(chart, i), last[1]) for i, s in enumerate(chart.series)
            if chart.direct_labels and (last := L.last_value(s.values)) is not None]
    box = _box(c, chart, top, tick_text, [s for _, s, _ in ends] + [r.label for r in chart.reference_lines])
    y_of = _Axis(ticks[0], ticks[-1], box.bottom, box.top)
    _value_grid(c, ticks, tick_text, y_of, box.left, box.right, vertical=False)
    n = len(chart.categories)
    pad = 6.0
    gap = (box.right - box.left - 2 * pad) / max(1, n - 1)
    xs = [box.left + pad + j * gap for j in range(n)] if n > 1 else [(box.left + box.right) / 2]
    c.line(box.left, box.bottom, box.right, box.bottom, "muted_text", 0.6)
    for i, series in enumerate(chart.series):
        _series_line(c, xs, [None if v is None else y_of(v) for v in series.values],
                     L.series_colour(chart, c.theme, i))
    _horizontal_references(c, chart, box, y_of, [(y_of(v), s, L.series_colour(chart, c.theme, i))
                                                  for i, s, v in ends])
    _category_labels(c, box, xs)


def _series_line(c: _Canvas, xs: list[float], ys: list[float | None], colour: str) -> None:
    """Draw one series: a polyline per run of real values (None is a gap), a dot on a lone value."""
    paint = c.colour(colour)
    run: list[float] = []
    for x, y in list(zip(xs, ys)) + [(0.0, None)]:
        if y is not None:
            run += [x, c.h - y]
            continue
        if len(run) >= 4:
            c.d.add(PolyLine(run, strokeColor=paint, strokeWidth=1.8, strokeLineJoin=1, strokeLineCap=1))
        elif run:
            c.d.add(Circle(run[0], run[1], 2.2, fillColor=paint, strokeColor=None, strokeWidth=0))
        run = []


def _horizontal_references(c: _Canvas, chart: Chart, box: _Box, y_of: _Axis,
                           ends: list[tuple[float, str, str]]) -> None:
    """Draw dashed reference lines across the plot; label them and the line ends in the right margin.

    The labels are nudged apart vertically so none overlap.
    """
    labels = list(ends)
    for ref in chart.reference_lines:
        y = y_of(ref.value)
        c.line(box.left, y, box.right, y, "text", 0.9, _DASH)
        labels.append((y, ref.label, "text"))
    for y, text, colour in _spread(labels, L.VALUE_PT * 1.3):
        c.text(box.right + 5, y, text, L.VALUE_PT, colour, bold=colour != "text", middle=True)


def _spread(labels: list[tuple[float, str, str]], gap: float) -> list[tuple[float, str, str]]:
    """Return ``labels`` (y top-down, text, colour) with the y values at least ``gap`` apart."""
    out = sorted(labels)
    for k in range(1, len(out)):
        if out[k][0] < out[k - 1][0] + gap:
            out[k] = (out[k - 1][0] + gap, *out[k][1:])
    return out


# --------------------------------------------------------------------------- fast painting


class ChartFlowable(Flowable):
    """A flowable that paints a chart Drawing of Rect, Line, PolyLine, Circle, String and Group shapes.

    Only the attributes this module sets are honoured (fill and stroke colour,
    stroke width, dash, line cap and join, font, anchor, a Group's transform);
    any other shape is a TypeError.
    """

    def __init__(self, drawing: Drawing) -> None:
        super().__init__()
        self.drawing = drawing
        self.width, self.height = float(drawing.width), float(drawing.height)
        self.hAlign = "LEFT"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        _paint_shapes(canv, self.drawing.contents)
        _paint_text(canv, self.drawing.contents, (1, 0, 0, 1, 0, 0))
        canv.restoreState()


def _paint_shapes(canv: Canvas, shapes: list) -> None:
    """Paint every non-text shape in order (text goes on top, in one text object)."""
    fill = None
    for shape in shapes:
        kind = type(shape)
        if kind is Rect:
            if shape.fillColor != fill:
                canv.setFillColor(shape.fillColor)
                fill = shape.fillColor
            canv.rect(shape.x, shape.y, shape.width, shape.height, stroke=0, fill=1)
        elif kind is Line:
            _stroke(canv, shape)
            canv.line(shape.x1, shape.y1, shape.x2, shape.y2)
        elif kind is PolyLine:
            _stroke(canv, shape)
            pts = shape.points
            path = canv.beginPath()
            path.moveTo(pts[0], pts[1])
            for i in range(2, len(pts), 2):
                path.lineTo(pts[i], pts[i + 1])
            canv.drawPath(path, stroke=1, fill=0)
        elif kind is Circle:
            canv.setFillColor(shape.fillColor)
            fill = shape.fillColor
            canv.circle(shape.cx, shape.cy, shape.r, stroke=0, fill=1)
        elif kind is not String and kind is not Group:
            raise TypeError(f"pdf charts: cannot paint {kind.__name__}")


def _stroke(canv: Canvas, shape: Line | PolyLine) -> None:
    canv.setStrokeColor(shape.strokeColor)
    canv.setLineWidth(shape.strokeWidth)
    canv.setLineCap(shape.strokeLineCap)
    canv.setLineJoin(shape.strokeLineJoin)
    if shape.strokeDashArray:
        canv.setDash(shape.strokeDashArray)
    else:
        canv.setDash()


def _paint_text(canv: Canvas, shapes: list, matrix: tuple[float, ...]) -> None:
    """Paint the Strings in one text object; a Group's transform turns its Strings (e.g. rotated labels).

    Font and colour are set only when they change.
    """
    text = canv.beginText()
    state: list[object] = [None, None]
    for shape in shapes:
        if type(shape) is Group:
            for s in shape.contents:
                if type(s) is String:
                    _place(text, s, tuple(shape.transform), state)
        elif type(shape) is String:
            _place(text, shape, None, state)
    canv.drawText(text)


def _place(text: PDFTextObject, s: String, matrix: tuple[float, ...] | None, state: list[object]) -> None:
    """Add String ``s`` to the text object at its anchor (transformed by ``matrix`` if given)."""
    font = (s.fontName, s.fontSize)
    if state[0] != font:
        text.setFont(*font)
        state[0] = font
    if state[1] != s.fillColor:
        text.setFillColor(s.fillColor)
        state[1] = s.fillColor
    x = s.x
    if s.textAnchor != "start":
        width = stringWidth(s.text, s.fontName, s.fontSize)
        x -= width / 2 if s.textAnchor == "middle" else width
    if matrix is None:
        text.setTextOrigin(x, s.y)
    else:
        a, b, c, d, e, f = matrix
        text.setTextTransform(a, b, c, d, a * x + c * s.y + e, b * x + d * s.y + f)
        state[0] = state[1] = None  # a transform resets nothing, but keep the next string explicit
    text.textOut(s.text)


DRAW: dict[str, Callable[[_Canvas, Chart, float], None]] = {
    "bar": _draw_bar,
    "barh": _draw_barh,
    "line": _draw_line,
}
