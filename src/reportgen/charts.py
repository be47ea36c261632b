"""Chart specs (``document.Chart``) → SVG or PNG bytes, drawn with matplotlib.

The only module that imports matplotlib. Every chart is drawn on a private
``matplotlib.figure.Figure`` (no pyplot global state) at its final printed size,
so font sizes in points are the sizes a reader sees when the writer places the
image at ``width_mm``. The look follows DESIGN.md: a title that states the
finding, labelled axes with units, direct value labels, one highlighted bar
against muted ones, dashed labelled reference lines, light gridlines and no
top/right spines.

Size, ticks, number text and colours come from ``chartlayout`` (shared with the
writers' native charts), so both engines make the same decisions.

Output is deterministic (fixed SVG hash salt, no dates, no software tags), and
each (chart, theme, size, format) is drawn once per process (``_CACHE``).

SVG text stays text (``svg.fonttype = "none"``) in the family ``font_family(theme)``:
small files, fast to convert, searchable in the PDF; the PDF writer maps that
family to its embedded fonts. PNG text is rendered from the theme's TTFs.

Public API: ``render``, ``render_both``, ``suggested_size_mm``, ``font_family``, ``clear_cache``.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import itertools

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from . import chartlayout
from .chartlayout import KINDS, LABEL_PT, TICK_PT, TITLE_PT, VALUE_PT
from .document import Chart
from .theme import Theme

FORMATS = ("svg", "png")
PNG_DPI = 300
MM = 1 / 25.4  # inches per millimetre
PT = 1 / 72  # inches per point

#: (chart, theme digest, width, height, fmt) digest → bytes; one drawing per build
_CACHE: dict[str, bytes] = {}
_REGISTERED: dict[str, str] = {}  # font path → matplotlib family name
_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.6}  # keeps labels legible over lines


# --------------------------------------------------------------------------- public API


def render(chart: Chart, theme: Theme, width_mm: float, height_mm: float, fmt: str) -> bytes:
    """Return ``chart`` as ``fmt`` bytes ('svg' or 'png' at 300 dpi), ``width_mm`` × ``height_mm``.

    Cached: the same chart, theme, size and format is drawn once per process.
    Raise ValueError for an unknown format or chart kind.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format '{fmt}' (known: svg, png)")
    key = _key(chart, theme, width_mm, height_mm, fmt)
    if key not in _CACHE:
        fig = _figure(chart, theme, width_mm, height_mm)
        _CACHE[key] = _save(fig, theme, fmt)
    return _CACHE[key]


def render_both(chart: Chart, theme: Theme, width_mm: float, height_mm: float) -> tuple[bytes, bytes]:
    """Return (svg, png) bytes of ``chart``, building the figure once for both formats."""
    keys = [_key(chart, theme, width_mm, height_mm, f) for f in FORMATS]
    if not all(k in _CACHE for k in keys):
        fig = _figure(chart, theme, width_mm, height_mm)
        for key, fmt in zip(keys, FORMATS):
            if key not in _CACHE:
                _CACHE[key] = _save(fig, theme, fmt)
    return _CACHE[keys[0]], _CACHE[keys[1]]


def suggested_size_mm(chart: Chart, width_mm: float) -> tuple[float, float]:
    """Return (width, height) in mm that suits ``chart`` at ``width_mm`` wide.

    An alias of ``chartlayout.size_mm`` (kept for callers of this name): every
    engine draws a chart at the same size.
    """
    return chartlayout.size_mm(chart, width_mm)


def font_family(theme: Theme) -> str:
    """Return the font-family name the SVG output uses for the theme's fonts (e.g. 'DejaVu Sans')."""
    return _family(theme)


def clear_cache() -> None:
    """Forget every drawn chart (tests; long-running processes)."""
    _CACHE.clear()


# --------------------------------------------------------------------------- plumbing


def _key(chart: Chart, theme: Theme, width_mm: float, height_mm: float, fmt: str) -> str:
    raw = repr((chart, theme.digest, theme.fonts, round(width_mm, 3), round(height_mm, 3), fmt))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _rc(theme: Theme) -> dict[str, object]:
    return {
        "font.family": [_family(theme)],
        "font.size": LABEL_PT,
        "svg.fonttype": "none",  # real text: the PDF writer maps font_family() to its embedded TTFs
        "svg.hashsalt": "reportgen",
        "axes.unicode_minus": False,  # fmt already prints U+2212
        "text.color": theme.colour("text"),
        "path.simplify": True,
    }


def _family(theme: Theme) -> str:
    """Register the theme's TTF files with matplotlib once; return the family name."""
    paths = (theme.fonts.regular, theme.fonts.bold, theme.fonts.italic, theme.fonts.bold_italic)
    for path in paths:
        if path not in _REGISTERED:
            font_manager.fontManager.addfont(path)
            _REGISTERED[path] = font_manager.FontProperties(fname=path).get_name()
    return _REGISTERED[theme.fonts.regular]


def _save(fig: Figure, theme: Theme, fmt: str) -> bytes:
    buf = io.BytesIO()
    with matplotlib.rc_context(_rc(theme)):
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None},
                        pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _figure(chart: Chart, theme: Theme, width_mm: float, height_mm: float) -> Figure:
    if chart.kind not in KINDS:
        raise ValueError(f"unknown chart kind '{chart.kind}' (known: {', '.join(KINDS)})")
    with matplotlib.rc_context(_rc(theme)):
        fig = Figure(figsize=(width_mm * MM, height_mm * MM))
        ax = fig.add_subplot()
        _style_axes(ax, theme)
        DRAW[chart.kind](ax, chart, theme)
        _decorate(fig, ax, chart, theme, width_mm, height_mm)
    return fig


# --------------------------------------------------------------------------- measuring


def _text_width_pt(text: str, size: float, theme: Theme, bold: bool = False) -> float:
    """Return the advance width of ``text`` in points (fast: FreeType, no drawing)."""
    _family(theme)
    font = font_manager.get_font(theme.fonts.bold if bold else theme.fonts.regular)
    font.set_size(size, 72)
    width = 0.0
    for line in text.split("\n"):
        font.set_text(line, 0.0)
        width = max(width, font.get_width_height()[0] / 64)
    return width


def _wrap_to(text: str, max_pt: float, size: float, theme: Theme, bold: bool = False) -> str:
    """Return ``text`` with line breaks so no line is wider than ``max_pt``."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width_pt(lines[-1] + " " + word, size, theme, bold) <= max_pt:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


# --------------------------------------------------------------------------- formatting


def _formatter(chart: Chart) -> Callable[[float], str]:
    """Return the value-label formatter (through fmt, as every engine does)."""
    return lambda v: chartlayout.label(v, chart)


def _values(chart: Chart) -> list[float]:
    return chartlayout.values(chart)


def _set_value_ticks(ax: Axes, chart: Chart, horizontal: bool) -> list[float]:
    """Put the shared ``chartlayout.value_ticks`` on the value axis; return them."""
    ticks = chartlayout.value_ticks(chart)
    (ax.set_xticks if horizontal else ax.set_yticks)(ticks, chartlayout.tick_labels(ticks, chart))
    return ticks


# --------------------------------------------------------------------------- drawing


def _style_axes(ax: Axes, theme: Theme) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(theme.colour("rule"))
        ax.spines[side].set_linewidth(0.6)
    ax.tick_params(labelsize=TICK_PT, colors=theme.colour("muted_text"), length=2.5, width=0.5)
    ax.set_axisbelow(True)


def _colours(chart: Chart, theme: Theme, series_index: int) -> list[str]:
    """Return the bar colours of one series (``chartlayout.bar_colours``)."""
    return chartlayout.bar_colours(chart, theme, series_index)


def _series_colour(chart: Chart, theme: Theme, i: int) -> str:
    return chartlayout.series_colour(chart, theme, i)


def _draw_bars(ax: Axes, chart: Chart, theme: Theme, horizontal: bool) -> None:
    n, k = len(chart.categories), len(chart.series)
    thickness = 0.7 / k
    label = _formatter(chart)
    top = max([abs(v) for v in _values(chart)] or [1.0])
    pad = top * 0.015
    for i, series in enumerate(chart.series):
        offset = (i - (k - 1) / 2) * thickness
        pos = [(n - 1 - j if horizontal else j) + offset for j in range(n)]
        vals = [0.0 if v is None else v for v in series.values]
        colours = _colours(chart, theme, i)
        bar = ax.barh if horizontal else ax.bar
        bar(pos, vals, thickness * 0.92, color=colours, label=series.name, linewidth=0)
        if not chart.direct_labels:
            continue
        for p, v in zip(pos, series.values):
            text = label(v)
            colour = theme.colour("text") if v is not None else theme.colour("muted_text")
            at = (v or 0.0) + (pad if (v or 0.0) >= 0 else -pad)
            ha = "left" if (v or 0.0) >= 0 else "right"
            if horizontal:
                ax.text(at, p, text, va="center", ha=ha, fontsize=VALUE_PT, color=colour, zorder=4,
                        bbox=_LABEL_BOX)
            else:
                ax.text(p, at, text, ha="center", va="bottom" if ha == "left" else "top",
                        fontsize=VALUE_PT, color=colour, zorder=4, bbox=_LABEL_BOX)
    ticks = list(range(n))
    names = list(reversed(chart.categories)) if horizontal else list(chart.categories)
    if horizontal:
        ax.set_yticks(ticks, names)
        ax.set_ylim(-0.6, n - 0.4)
        ax.tick_params(axis="y", length=0, labelcolor=theme.colour("text"), labelsize=LABEL_PT)
    else:
        ax.set_xticks(ticks, names)
        ax.set_xlim(-0.6, n - 0.4)
        ax.tick_params(axis="x", length=0, labelcolor=theme.colour("text"), labelsize=LABEL_PT)
    ticks = _set_value_ticks(ax, chart, horizontal)
    _value_limits(ax, chart, horizontal, ticks, headroom=0.14 if chart.direct_labels else 0.0)
    ax.grid(axis="x" if horizontal else "y", color=theme.colour("rule"), linewidth=0.4, alpha=0.6)
    _reference_lines(ax, chart, theme, vertical=horizontal)


def _value_limits(ax: Axes, chart: Chart, horizontal: bool, ticks: list[float], headroom: float) -> None:
    """Set the value axis to the tick range, widened where direct labels need room past the bars."""
    vals = _values(chart) + [r.value for r in chart.reference_lines]
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    span = (hi - lo) or 1.0
    limits = (min(ticks[0], lo - (span * headroom if lo < 0 else 0.0)),
              max(ticks[-1], hi + (span * headroom if hi > 0 else 0.0)))
    (ax.set_xlim if horizontal else ax.set_ylim)(*limits)


def _draw_barh(ax: Axes, chart: Chart, theme: Theme) -> None:
    _draw_bars(ax, chart, theme, horizontal=True)


def _draw_bar(ax: Axes, chart: Chart, theme: Theme) -> None:
    _draw_bars(ax, chart, theme, horizontal=False)


def _draw_line(ax: Axes, chart: Chart, theme: Theme) -> None:
    xs = list(range(len(chart.categories)))
    for i, series in enumerate(chart.series):
        ys = [math.nan if v is None else v for v in series.values]
        ax.plot(xs, ys, color=_series_colour(chart, theme, i) if len(chart.series) > 1 else theme.palette[0],
                linewidth=1.8, marker="o", markersize=2.5, label=series.name, solid_capstyle="round")
    step = max(1, math.ceil(len(xs) / 10))
    ax.set_xticks(xs[::step], list(chart.categories)[::step])
    ax.set_xlim(-0.3, len(xs) - 0.7)
    ticks = _set_value_ticks(ax, chart, horizontal=False)
    ax.set_ylim(ticks[0], ticks[-1])
    ax.grid(axis="y", color=theme.colour("rule"), linewidth=0.4, alpha=0.6)
    if chart.direct_labels:
        _end_labels(ax, chart, theme)
    _reference_lines(ax, chart, theme, vertical=False)


def _end_labels(ax: Axes, chart: Chart, theme: Theme) -> None:
    """Label each line at its last value with the series name and value, nudged apart."""
    label = _formatter(chart)
    ends = []
    for i, series in enumerate(chart.series):
        last = [(x, v) for x, v in enumerate(series.values) if v is not None]
        if last:
            ends.append([last[-1][1], last[-1][0], series.name, i])
    lo, hi = ax.get_ylim()
    gap = (hi - lo) * 0.07
    ends.sort()
    for a, b in itertools.pairwise(ends):
        b[0] = max(b[0], a[0] + gap)
    for y, x, name, i in ends:
        colour = _series_colour(chart, theme, i) if len(chart.series) > 1 else theme.palette[0]
        value = chart.series[i].values[x]
        ax.annotate(f"{name} {label(value)}", (x, value), xytext=(len(chart.categories) - 1 + 0.25, y),
                    textcoords="data", va="center", ha="left", fontsize=VALUE_PT, color=colour,
                    fontweight="bold", annotation_clip=False)


def _reference_lines(ax: Axes, chart: Chart, theme: Theme, vertical: bool) -> None:
    colour = theme.colour("text")
    for ref in chart.reference_lines:
        if vertical:
            ax.axvline(ref.value, color=colour, linewidth=0.9, linestyle=(0, (4, 2)), zorder=3)
            trans = blended_transform_factory(ax.transData, ax.transAxes)
            ax.text(ref.value, 1.01, ref.label, transform=trans, ha="center", va="bottom",
                    fontsize=VALUE_PT, color=colour)
        else:
            ax.axhline(ref.value, color=colour, linewidth=0.9, linestyle=(0, (4, 2)), zorder=3)
            trans = blended_transform_factory(ax.transAxes, ax.transData)
            ax.text(0.005, ref.value, ref.label, transform=trans, ha="left", va="bottom",
                    fontsize=VALUE_PT, color=colour)


DRAW: dict[str, Callable[[Axes, Chart, Theme], None]] = {
    "bar": _draw_bar,
    "barh": _draw_barh,
    "line": _draw_line,
}


# --------------------------------------------------------------------------- title, labels, margins


def _decorate(fig: Figure, ax: Axes, chart: Chart, theme: Theme, width_mm: float, height_mm: float) -> None:
    """Add title, axis labels, tick formats and legend, then set margins so nothing is clipped."""
    w_pt, h_pt = width_mm / 25.4 * 72, height_mm / 25.4 * 72
    ticks = chartlayout.value_ticks(chart)
    tick_text = dict(zip(ticks, chartlayout.tick_labels(ticks, chart)))
    tick = _formatter(chart)
    title = _wrap_to(chart.title, w_pt - 8, TITLE_PT, theme, bold=True)
    fig.text(0.5 / w_pt, 1 - 4 / h_pt, title, ha="left", va="top", fontsize=TITLE_PT,
             fontweight="bold", color=theme.colour("text"), linespacing=1.25)
    top_pt = 4 + (title.count("\n") + 1) * TITLE_PT * 1.3 + 6
    x_label = chart.x_label
    if x_label:
        ax.set_xlabel(x_label, fontsize=LABEL_PT, color=theme.colour("muted_text"))
    if chart.y_label:
        ax.set_ylabel(_wrap_to(chart.y_label, h_pt * 0.8, LABEL_PT, theme), fontsize=LABEL_PT,
                      color=theme.colour("muted_text"))
    if chartlayout.uses_legend(chart):
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(chart.series), frameon=False,
                  fontsize=LABEL_PT, borderaxespad=0.2, handlelength=1.2, columnspacing=1.2)
        top_pt += LABEL_PT * 1.8
    if chart.reference_lines and chart.kind == "barh":
        top_pt += VALUE_PT * 1.6
    left, bottom, right = _margins(ax, chart, theme, tick, list(tick_text.values()))
    fig.subplots_adjust(left=left / w_pt, right=1 - right / w_pt, bottom=bottom / h_pt, top=1 - top_pt / h_pt)


def _margins(ax: Axes, chart: Chart, theme: Theme, tick: Callable[[float], str],
             tick_text: list[str]) -> tuple[float, float, float]:
    """Return (left, bottom, right) margins in points, measured from the labels they must hold."""
    tick_pad = 6.0
    value_labels = tick_text + [tick(v) for v in _values(chart)]
    widest_value = max(_text_width_pt(s, TICK_PT, theme) for s in value_labels)
    if chart.kind == "barh":
        left = max(_text_width_pt(c, LABEL_PT, theme) for c in chart.categories) + tick_pad
        left += LABEL_PT * 1.6 * (chart.y_label.count("\n") + 1) if chart.y_label else 0
        bottom = TICK_PT * 1.6 + (LABEL_PT * 1.8 if chart.x_label else 0) + 4
        right = widest_value / 2 + 6
    else:
        left = widest_value + tick_pad + (LABEL_PT * 1.6 * (chart.y_label.count("\n") + 1) if chart.y_label else 0)
        bottom = _category_axis_height(ax, chart, theme) + (LABEL_PT * 1.8 if chart.x_label else 0) + 4
        right = 8.0
        if chart.kind == "line" and chart.direct_labels:
            right = max(_text_width_pt(chartlayout.end_label(chart, i), VALUE_PT, theme, bold=True)
                        for i in range(len(chart.series))) + 14
    return left + 4, bottom, right


def _category_axis_height(ax: Axes, chart: Chart, theme: Theme) -> float:
    """Return the height in points of the category tick labels, rotating them when crowded."""
    width_per = ax.get_figure().get_figwidth() * 72 * 0.8 / max(1, len(chart.categories))
    widest = max(_text_width_pt(c, LABEL_PT, theme) for c in chart.categories)
    if chart.kind == "bar" and widest > width_per * 0.95:
        for lab in ax.get_xticklabels():
            lab.set_rotation(35)
            lab.set_ha("right")
            lab.set_rotation_mode("anchor")
        return widest * math.sin(math.radians(35)) + LABEL_PT + 6
    return LABEL_PT * 1.6 + 2
