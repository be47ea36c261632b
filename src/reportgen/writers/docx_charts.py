"""Chart specs (``document.Chart``) → DrawingML chart parts: native, editable Word charts.

``chart_space_xml(chart, theme, width_mm, height_mm)`` returns the bytes of one
``/word/charts/chartN.xml`` part (a ``c:chartSpace``). The DOCX writer stores it
as a part related to the main document and places it with an inline
``w:drawing`` whose graphicData holds ``<c:chart r:id=.../>``.

Pure Python, no third-party import: the XML is built as text (every string
escaped and cleaned of XML-invalid characters), in the element order of the
ECMA-376 schema (dml-chart.xsd), which Word enforces.

Choices worth knowing:

- Data are *literal* (``c:strLit`` categories, ``c:numLit`` values with a
  ``c:formatCode``): no embedded workbook. Word draws, restyles and re-types the
  chart, but "Edit Data" has no sheet to open (it reports that the linked file
  is not available); an embedded .xlsx would be a later improvement.
- Look as in the PDF: theme font on every text element (``a:latin``), title
  bold 10 pt, labels 8 pt, value labels 7.5 pt; light-grey gridlines; highlight
  bars via ``c:dPt`` (theme 'highlight' against 'muted'); two series in
  ``theme.two_series``, more in the palette; a legend only for several series.
- 'barh' is a ``c:barChart`` with ``barDir=bar`` and its category axis reversed
  (``orientation maxMin``) so the first category is at the top; the value axis
  stays at the bottom (``crosses max``).
- Reference lines: Word has no vertical reference line on a bar chart, so on a
  'barh' chart each reference becomes an extra bar named by its label (e.g.
  "UK 51.9%") in the palette's dark grey, placed where its value sorts among
  the bars (at the end when the bars are not sorted) and without a value label
  (the label already holds the value). On 'bar' and 'line' charts a reference
  is a dashed constant line series in the text colour, named by its label,
  which a data label on its last point prints.
- Size, axis ticks, tick formats, colours and the legend rule come from the
  shared ``reportgen.chartlayout``, so Word and LibreOffice draw the same
  scale (fixed min, max, major unit) and colours as the PDF.
- Output is deterministic: fixed axis ids, no dates.

Public API: ``chart_space_xml``, ``size_mm``, ``number_format``,
``CONTENT_TYPE``, ``RELATIONSHIP_TYPE``, ``GRAPHIC_URI``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import pairwise

from .. import chartlayout as L
from ..document import Chart
from ..theme import Theme
from ..xmltext import escape, quoteattr

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
RELATIONSHIP_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
GRAPHIC_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"
KINDS = L.KINDS
TITLE_PT, LABEL_PT, TICK_PT, VALUE_PT = L.TITLE_PT, L.LABEL_PT, L.TICK_PT, L.VALUE_PT

_NS = ('xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
       'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_CAT_AX, _VAL_AX = "10", "20"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_WHITESPACE_CONTROLS = re.compile("[\t\n\r]")
_EMU_PER_PT = 12700
_MINUS = "\u2212"

#: Excel/Word number format per reportgen.fmt style: (positive;negative[;zero]), as close to fmt as formats allow
_FORMATS = {
    "number": f'#,##0;{_MINUS}#,##0',
    "pct": f'0.0"%";{_MINUS}0.0"%"',
    "pct0": f'0"%";{_MINUS}0"%"',
    "points": f'"+"0.0" points";"{_MINUS}"0.0" points";0.0" points"',
    "points_abs": '0.0" points";0.0" points"',
    "gbp": f'"£"#,##0;"{_MINUS}£"#,##0',
    "gbp_bn": f'"£"#,##0.0,,,"bn";"{_MINUS}£"#,##0.0,,,"bn"',
    "gbp_bn0": f'"£"#,##0,,,"bn";"{_MINUS}£"#,##0,,,"bn"',
    "gbp_m": f'"£"#,##0,,"m";"{_MINUS}£"#,##0,,"m"',
    "gbp_k": f'"£"#,##0,"k";"{_MINUS}£"#,##0,"k"',
    "people": '[>=1000000]#,##0.0,," million";#,##0',
    "ratio": f'0.0;{_MINUS}0.0',
    "year": "0",
}


# --------------------------------------------------------------------------- public API


def chart_space_xml(chart: Chart, theme: Theme, width_mm: float, height_mm: float) -> bytes:
    """Return the bytes of a ``c:chartSpace`` part drawing ``chart`` at ``width_mm`` × ``height_mm``.

    Raise ValueError for an unknown chart kind. Same inputs, same bytes.
    """
    if chart.kind not in KINDS:
        raise ValueError(f"unknown chart kind '{chart.kind}' (known: {', '.join(KINDS)})")
    plot = _plot(chart, theme)
    parts = [
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n",
        f"<c:chartSpace {_NS}>",
        '<c:date1904 val="0"/><c:lang val="en-GB"/><c:roundedCorners val="0"/>',
        "<c:chart>",
        _title(chart.title, theme) if chart.title else "",
        f'<c:autoTitleDeleted val="{0 if chart.title else 1}"/>',
        _plot_area(plot, chart, theme),
        _legend(theme) if L.uses_legend(chart) else "",
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/>',
        "</c:chart>",
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>",
        _txpr(theme, LABEL_PT, theme.colour("text")),
        "</c:chartSpace>",
    ]
    return "".join(parts).encode("utf-8")


def size_mm(chart: Chart, width_mm: float) -> tuple[float, float]:
    """Return (width, height) in mm for ``chart``: the shared ``chartlayout.size_mm``.

    A 'barh' chart gets one more bar row (``chartlayout.BARH_ROW_MM``) per
    reference line, since each reference is drawn here as a bar: its bars stay
    as thick as the PDF's.
    """
    width, height = L.size_mm(chart, width_mm)
    if chart.kind == "barh" and chart.reference_lines:
        per = 0.7 * len(chart.series) if len(chart.series) > 1 else 1.0
        height = round(min(240.0, height + L.BARH_ROW_MM * per * len(chart.reference_lines)), 1)
    return width, height


def number_format(style: str) -> str:
    """Return the Excel number format that prints like ``fmt.format_value(v, style)``; 'General' if unknown.

    >>> number_format("gbp_k")
    '"£"#,##0,"k";"−£"#,##0,"k"'
    """
    return _FORMATS.get(style, "General")


# --------------------------------------------------------------------------- the data to draw


@dataclass
class _Ser:
    """One series as drawn: values, colour, per-point colours and points without a label."""

    name: str
    values: list[float | None]
    colour: str
    point_colours: dict[int, str] = field(default_factory=dict)
    unlabelled: set[int] = field(default_factory=set)
    reference: bool = False


@dataclass
class _Plot:
    categories: list[str]
    bars: list[_Ser]
    lines: list[_Ser]


def _plot(chart: Chart, theme: Theme) -> _Plot:
    """Return what to draw: categories and series, with reference lines turned into bars or lines."""
    categories = list(chart.categories)
    series = [_series(chart, theme, i) for i in range(len(chart.series))]
    if chart.kind == "barh":
        for ref in chart.reference_lines:
            _insert_reference_bar(categories, series, ref.value, ref.label, theme.palette[4 % len(theme.palette)])
        return _Plot(categories, series, [])
    refs = [_Ser(r.label, [r.value] * len(categories), theme.colour("text"), reference=True)
            for r in chart.reference_lines]
    if chart.kind == "bar":
        return _Plot(categories, series, refs)
    return _Plot(categories, [], series + refs)


def _series(chart: Chart, theme: Theme, i: int) -> _Ser:
    """Return series ``i`` with the shared colours: a bar's own colour per point where it differs."""
    s = chart.series[i]
    values = [s.values[j] if j < len(s.values) else None for j in range(len(chart.categories))]
    colour = L.series_colour(chart, theme, i)
    if chart.kind == "line" or not chart.highlight:
        return _Ser(s.name, values, colour)
    bars = L.bar_colours(chart, theme, i)
    base = theme.colour("muted") if len(chart.series) == 1 else colour
    return _Ser(s.name, values, base, {j: c for j, c in enumerate(bars) if c != base})


def _insert_reference_bar(categories: list[str], series: list[_Ser], value: float, label: str, colour: str) -> None:
    """Insert a bar named ``label`` worth ``value`` into the first series where it sorts (else at the end)."""
    at = _sorted_position(series[0].values, value)
    categories.insert(at, label)
    for k, ser in enumerate(series):
        ser.values.insert(at, value if k == 0 else None)
        ser.point_colours = {(j + 1 if j >= at else j): c for j, c in ser.point_colours.items()}
        ser.unlabelled = {(j + 1 if j >= at else j) for j in ser.unlabelled} | {at}
    series[0].point_colours[at] = colour


def _sorted_position(values: list[float | None], value: float) -> int:
    """Return where ``value`` belongs in ``values`` if they are sorted (either way); else len(values)."""
    known = [v for v in values if v is not None]
    if len(known) != len(values) or len(known) < 2:
        return len(values)
    if all(a >= b for a, b in pairwise(known)):
        return next((j for j, v in enumerate(known) if value > v), len(known))
    if all(a <= b for a, b in pairwise(known)):
        return next((j for j, v in enumerate(known) if value < v), len(known))
    return len(values)


# --------------------------------------------------------------------------- plot area


def _plot_area(plot: _Plot, chart: Chart, theme: Theme) -> str:
    """Return the c:plotArea: the bar and/or line chart groups, then the category and value axes."""
    groups = []
    if plot.bars:
        groups.append(_bar_chart(plot, chart, theme))
    if plot.lines:
        groups.append(_line_chart(plot, chart, theme))
    return ("<c:plotArea><c:layout/>" + "".join(groups) + _cat_ax(chart, theme) + _val_ax(plot, chart, theme)
            + "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:plotArea>")


def _bar_chart(plot: _Plot, chart: Chart, theme: Theme) -> str:
    """Return a clustered c:barChart ('col' for bar, 'bar' for barh) of the bar series."""
    direction = "bar" if chart.kind == "barh" else "col"
    sers = "".join(_bar_ser(i, s, plot.categories, chart, theme) for i, s in enumerate(plot.bars))
    gap = 45 if len(plot.bars) == 1 else 60
    return (f'<c:barChart><c:barDir val="{direction}"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            f'{sers}<c:gapWidth val="{gap}"/><c:overlap val="{-5 if len(plot.bars) > 1 else 0}"/>'
            f'<c:axId val="{_CAT_AX}"/><c:axId val="{_VAL_AX}"/></c:barChart>')


def _bar_ser(i: int, ser: _Ser, categories: list[str], chart: Chart, theme: Theme) -> str:
    """Return one c:ser of a bar chart, in CT_BarSer order."""
    d_pts = "".join(f'<c:dPt><c:idx val="{j}"/><c:invertIfNegative val="0"/><c:bubble3D val="0"/>'
                    f'{_fill(colour)}</c:dPt>' for j, colour in sorted(ser.point_colours.items()))
    labels = _data_labels(chart, theme, "outEnd", ser.unlabelled, ser) if chart.direct_labels else ""
    return (f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>{_ser_tx(ser.name)}{_fill(ser.colour)}'
            f'<c:invertIfNegative val="0"/>{d_pts}{labels}{_cat(categories)}'
            f'{_val(ser.values, chart.value_format)}</c:ser>')


def _line_chart(plot: _Plot, chart: Chart, theme: Theme) -> str:
    """Return a standard c:lineChart of the line series (no markers; gaps for missing values)."""
    offset = len(plot.bars)
    sers = "".join(_line_ser(offset + i, s, plot.categories, chart, theme) for i, s in enumerate(plot.lines))
    return (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{sers}'
            f'<c:marker val="1"/><c:axId val="{_CAT_AX}"/><c:axId val="{_VAL_AX}"/></c:lineChart>')


def _line_ser(i: int, ser: _Ser, categories: list[str], chart: Chart, theme: Theme) -> str:
    """Return one c:ser of a line chart, in CT_LineSer order; a reference series is dashed."""
    width = 0.9 if ser.reference else 1.8
    dash = '<a:prstDash val="dash"/>' if ser.reference else ""
    sp_pr = (f'<c:spPr><a:ln w="{round(width * _EMU_PER_PT)}" cap="rnd">{_solid(ser.colour)}{dash}'
             f'<a:round/></a:ln></c:spPr>')
    return (f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>{_ser_tx(ser.name)}{sp_pr}'
            f'<c:marker><c:symbol val="none"/></c:marker>{_isolated_markers(ser)}'
            f'{_line_labels(ser, chart, theme)}{_cat(categories)}'
            f'{_val(ser.values, chart.value_format)}<c:smooth val="0"/></c:ser>')


def _isolated_markers(ser: _Ser) -> str:
    """Return c:dPt giving a small dot to each value with gaps on both sides (a line would not show it)."""
    v = ser.values
    alone = [j for j in range(len(v)) if v[j] is not None
             and (j == 0 or v[j - 1] is None) and (j == len(v) - 1 or v[j + 1] is None)]
    return "".join(f'<c:dPt><c:idx val="{j}"/><c:marker><c:symbol val="circle"/><c:size val="4"/>'
                   f'<c:spPr>{_solid(ser.colour)}<a:ln><a:noFill/></a:ln></c:spPr></c:marker>'
                   f'<c:bubble3D val="0"/></c:dPt>' for j in alone)


def _line_labels(ser: _Ser, chart: Chart, theme: Theme) -> str:
    """Return the label at a line's last point: name and value (as the PDF), or a reference's name."""
    last = max((j for j, v in enumerate(ser.values) if v is not None), default=None)
    if last is None or not (ser.reference or chart.direct_labels):
        return ""
    colour = theme.colour("text") if ser.reference else ser.colour
    value = "0" if ser.reference else "1"
    label = (f'<c:dLbl><c:idx val="{last}"/>{_num_fmt(chart.value_format)}<c:spPr><a:noFill/><a:ln><a:noFill/>'
             f'</a:ln></c:spPr>{_txpr(theme, VALUE_PT, colour, bold=not ser.reference)}<c:dLblPos val="t"/>'
             f'<c:showLegendKey val="0"/><c:showVal val="{value}"/><c:showCatName val="0"/>'
             '<c:showSerName val="1"/><c:showPercent val="0"/><c:showBubbleSize val="0"/>'
             '<c:separator> </c:separator></c:dLbl>')
    return f"<c:dLbls>{label}{_no_labels()}</c:dLbls>"


def _data_labels(chart: Chart, theme: Theme, position: str, hidden: set[int], ser: _Ser) -> str:
    """Return c:dLbls showing each value in the chart's number format; ``hidden`` points get none."""
    deleted = "".join(f'<c:dLbl><c:idx val="{j}"/><c:delete val="1"/></c:dLbl>' for j in sorted(hidden))
    return (f"<c:dLbls>{deleted}{_num_fmt(chart.value_format)}<c:spPr>{_solid('#FFFFFF')}<a:ln><a:noFill/></a:ln>"
            f"</c:spPr>{_txpr(theme, VALUE_PT, theme.colour('text'))}<c:dLblPos val=\"{position}\"/>"
            '<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/>'
            '<c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>')


def _no_labels() -> str:
    """Return the switches of a c:dLbls that shows nothing (for the points without their own c:dLbl)."""
    return ('<c:showLegendKey val="0"/><c:showVal val="0"/><c:showCatName val="0"/><c:showSerName val="0"/>'
            '<c:showPercent val="0"/><c:showBubbleSize val="0"/>')


# --------------------------------------------------------------------------- axes


def _cat_ax(chart: Chart, theme: Theme) -> str:
    """Return the category axis: left and top-down for barh, at the bottom otherwise."""
    horizontal = chart.kind == "barh"
    title = chart.y_label if horizontal else chart.x_label
    orientation = "maxMin" if horizontal else "minMax"
    return (f'<c:catAx><c:axId val="{_CAT_AX}"/><c:scaling><c:orientation val="{orientation}"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{"l" if horizontal else "b"}"/>'
            f'{_axis_title(title, theme, vertical=horizontal) if title else ""}'
            '<c:numFmt formatCode="General" sourceLinked="0"/>'
            '<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
            f'{_line_sp_pr(theme.colour("rule"), 0.6)}{_txpr(theme, LABEL_PT, theme.colour("text"), upright=horizontal)}'
            f'<c:crossAx val="{_VAL_AX}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
            f'<c:lblOffset val="100"/>{_tick_skip(chart)}<c:noMultiLvlLbl val="0"/></c:catAx>')


def _tick_skip(chart: Chart) -> str:
    """Return c:tickLblSkip: every bar named; a line's years thinned to about ten labels."""
    step = 1 if chart.kind != "line" else max(1, math.ceil(len(chart.categories) / 10))
    return f'<c:tickLblSkip val="{step}"/><c:tickMarkSkip val="1"/>'


def _val_ax(plot: _Plot, chart: Chart, theme: Theme) -> str:
    """Return the value axis with fixed nice ticks, light gridlines and tick labels in the chart's format."""
    horizontal = chart.kind == "barh"
    title = chart.x_label if horizontal else chart.y_label
    ticks = _value_ticks(plot, chart)
    first, last, step = ticks[0], ticks[-1], (ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    crosses = "max" if horizontal else "autoZero"  # barh: the reversed category axis puts its max at the bottom
    return (f'<c:valAx><c:axId val="{_VAL_AX}"/><c:scaling><c:orientation val="minMax"/>'
            f'<c:max val="{_num(last)}"/><c:min val="{_num(first)}"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{"b" if horizontal else "l"}"/>'
            f'<c:majorGridlines>{_line_sp_pr(theme.colour("rule"), 0.4)}</c:majorGridlines>'
            f'{_axis_title(title, theme, vertical=not horizontal) if title else ""}'
            f'<c:numFmt formatCode={quoteattr(number_format(L.tick_style(ticks, chart)))} sourceLinked="0"/>'
            '<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            f'<c:spPr><a:ln><a:noFill/></a:ln></c:spPr>{_txpr(theme, TICK_PT, theme.colour("muted_text"))}'
            f'<c:crossAx val="{_CAT_AX}"/><c:crosses val="{crosses}"/><c:crossBetween val="between"/>'
            f'<c:majorUnit val="{_num(step)}"/></c:valAx>')


def _value_ticks(plot: _Plot, chart: Chart) -> list[float]:
    """Return the value-axis ticks: the PDF's (``chartlayout.value_ticks``), widened if a bar needs it."""
    ticks = L.value_ticks(chart)
    drawn = [v for s in plot.bars + plot.lines for v in s.values if v is not None]
    if drawn and (min(drawn) < ticks[0] or max(drawn) > ticks[-1]):  # never clip: cannot happen today
        ticks = L.nice_ticks(min(drawn + ticks), max(drawn + ticks))
    return ticks


# --------------------------------------------------------------------------- titles, legend, text


def _title(text: str, theme: Theme) -> str:
    """Return the chart title: bold, theme font, 10 pt, left-aligned at the top-left corner."""
    return ('<c:title>' + _rich(text, theme, TITLE_PT, theme.colour("text"), bold=True, align="l")
            + '<c:layout><c:manualLayout><c:xMode val="edge"/><c:yMode val="edge"/><c:x val="0.005"/>'
            '<c:y val="0.01"/></c:manualLayout></c:layout><c:overlay val="0"/></c:title>')


def _axis_title(text: str, theme: Theme, vertical: bool) -> str:
    """Return an axis title in the muted text colour; rotated to read upwards on a vertical axis."""
    return ("<c:title>" + _rich(text, theme, LABEL_PT, theme.colour("muted_text"), rotate=vertical)
            + '<c:overlay val="0"/></c:title>')


def _rich(text: str, theme: Theme, size: float, colour: str, bold: bool = False, rotate: bool = False,
          align: str = "ctr") -> str:
    """Return a c:tx holding ``text`` as one rich-text paragraph in the theme font."""
    body = '<a:bodyPr rot="-5400000" vert="horz"/>' if rotate else "<a:bodyPr/>"
    rpr = _rpr("a:rPr", theme, size, colour, bold)
    return (f'<c:tx><c:rich>{body}<a:lstStyle/><a:p><a:pPr algn="{align}">{_rpr("a:defRPr", theme, size, colour, bold)}'
            f'</a:pPr><a:r>{rpr}<a:t>{_text(text)}</a:t></a:r></a:p></c:rich></c:tx>')


def _legend(theme: Theme) -> str:
    """Return a legend above the plot, in the theme font."""
    return ('<c:legend><c:legendPos val="t"/><c:overlay val="0"/>'
            f'{_txpr(theme, LABEL_PT, theme.colour("text"))}</c:legend>')


def _txpr(theme: Theme, size: float, colour: str, bold: bool = False, upright: bool = False) -> str:
    """Return a c:txPr setting the theme font, ``size`` pt and ``colour``; ``upright`` forbids rotated text."""
    body = '<a:bodyPr rot="0" vert="horz"/>' if upright else "<a:bodyPr/>"
    return (f'<c:txPr>{body}<a:lstStyle/><a:p><a:pPr>{_rpr("a:defRPr", theme, size, colour, bold)}</a:pPr>'
            '<a:endParaRPr lang="en-GB"/></a:p></c:txPr>')


def _rpr(tag: str, theme: Theme, size: float, colour: str, bold: bool) -> str:
    """Return run properties (``tag`` is a:rPr or a:defRPr): size, weight, colour and the theme font."""
    face = quoteattr(_clean(theme.fonts.family))
    lang = ' lang="en-GB"' if tag == "a:rPr" else ""
    return (f'<{tag}{lang} sz="{round(size * 100)}" b="{int(bold)}">{_solid(colour)}'
            f'<a:latin typeface={face}/><a:ea typeface={face}/><a:cs typeface={face}/></{tag}>')


# --------------------------------------------------------------------------- data and small pieces


def _ser_tx(name: str) -> str:
    """Return a literal series name."""
    return f"<c:tx><c:v>{_text(name)}</c:v></c:tx>"


def _cat(categories: list[str]) -> str:
    """Return the categories as a c:strLit."""
    pts = "".join(f'<c:pt idx="{j}"><c:v>{_text(c)}</c:v></c:pt>' for j, c in enumerate(categories))
    return f'<c:cat><c:strLit><c:ptCount val="{len(categories)}"/>{pts}</c:strLit></c:cat>'


def _val(values: list[float | None], style: str) -> str:
    """Return the values as a c:numLit in the chart's format; None values are left out (gaps)."""
    pts = "".join(f'<c:pt idx="{j}"><c:v>{_num(v)}</c:v></c:pt>' for j, v in enumerate(values) if v is not None)
    return (f"<c:val><c:numLit><c:formatCode>{escape(number_format(style))}</c:formatCode>"
            f'<c:ptCount val="{len(values)}"/>{pts}</c:numLit></c:val>')


def _num_fmt(style: str) -> str:
    """Return a c:numFmt in the chart's number format, not linked to the source."""
    return f'<c:numFmt formatCode={quoteattr(number_format(style))} sourceLinked="0"/>'


def _fill(colour: str) -> str:
    """Return a c:spPr filling a shape with ``colour`` and no outline."""
    return f"<c:spPr>{_solid(colour)}<a:ln><a:noFill/></a:ln></c:spPr>"


def _line_sp_pr(colour: str, width_pt: float) -> str:
    """Return a c:spPr drawing a line ``width_pt`` wide in ``colour``."""
    return f'<c:spPr><a:ln w="{round(width_pt * _EMU_PER_PT)}">{_solid(colour)}</a:ln></c:spPr>'


def _solid(colour: str) -> str:
    """Return an a:solidFill of '#RRGGBB'."""
    return f'<a:solidFill><a:srgbClr val="{colour.lstrip("#").upper()}"/></a:solidFill>'


def _num(value: float) -> str:
    """Return ``value`` as the shortest exact decimal text ('51.9', '80')."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _clean(text: str) -> str:
    """Return ``text`` without XML-invalid characters; tabs and newlines become spaces."""
    return _WHITESPACE_CONTROLS.sub(" ", _INVALID_XML.sub("", text))


def _text(text: str) -> str:
    """Return ``text`` cleaned and escaped for XML character data."""
    return escape(_clean(text))
