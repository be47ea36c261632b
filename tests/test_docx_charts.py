"""Native Word charts in the DOCX: chart parts, data, look, determinism; rendered by LibreOffice when present."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import docx
import pytest
from docx.oxml.ns import qn

from reportgen.document import Chart, Document, Figure, Meta, ReferenceLine, Series
from reportgen.samples import HOSTILE, MEMBERS, every_node_document
from reportgen.theme import default_theme
from reportgen.writers import docx as writer
from reportgen.writers import docx_charts

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
C = "{" + NS["c"] + "}"
LEAVE = (67.5, 54.9, 54.2, 55.6, 57.2, 69.0, 67.6, 54.7, 58.1, 43.8, 59.9, 58.1, 53.3, 56.8, 53.8, 58.1, 61.3,
         63.5, 66.4, 62.6)


@pytest.fixture(scope="module")
def theme():
    return default_theme()


def members_chart(**kw) -> Chart:
    """Return the factsheet's chart: twenty members sorted by Leave share, one highlighted, UK reference."""
    rows = sorted(zip(MEMBERS, LEAVE), key=lambda r: -r[1])
    spec: dict = {"kind": "barh", "title": "Hull against the other members and the UK",
                  "categories": tuple(r[0] for r in rows), "series": (Series("Leave share", tuple(r[1] for r in rows)),),
                  "x_label": "Leave share of valid votes (%)", "value_format": "pct", "highlight": ("Hull",),
                  "reference_lines": (ReferenceLine(51.9, "UK 51.9%"),)}
    spec.update(kw)
    return Chart(**spec)


def figure_doc(*charts: Chart) -> Document:
    return Document(Meta("charts"), tuple(Figure(c, alt_text=f"Alt: {c.title}") for c in charts))


def chart_parts(data: bytes) -> list[ET.Element]:
    """Return the parsed /word/charts/chartN.xml parts, in N order."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = sorted((n for n in zf.namelist() if n.startswith("word/charts/")), key=lambda n: int(n[17:-4]))
    return [ET.fromstring(zf.read(n)) for n in names]


def one_chart(chart: Chart, theme) -> ET.Element:
    return ET.fromstring(docx_charts.chart_space_xml(chart, theme, 170, 100))


def texts(el: ET.Element, path: str) -> list[str]:
    return [v.text for v in el.findall(path, NS)]


def colour_of(el: ET.Element | None) -> str | None:
    clr = None if el is None else el.find("c:spPr/a:solidFill/a:srgbClr", NS)
    return None if clr is None else "#" + clr.get("val")


# ----------------------------------------------------------------------------- package


@pytest.fixture(scope="module")
def sample_bytes(theme) -> bytes:
    return writer.render(every_node_document(), theme)


def test_each_figure_is_a_chart_part_with_content_type_and_relationship(sample_bytes):
    zf = zipfile.ZipFile(io.BytesIO(sample_bytes))
    assert [n for n in zf.namelist() if n.startswith("word/charts/")] == [
        "word/charts/chart1.xml", "word/charts/chart2.xml", "word/charts/chart3.xml"]
    types = ET.fromstring(zf.read("[Content_Types].xml"))
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.findall("ct:Override", NS)}
    for n in (1, 2, 3):
        assert overrides[f"/word/charts/chart{n}.xml"] == docx_charts.CONTENT_TYPE
    rels = ET.fromstring(zf.read("word/_rels/document.xml.rels"))
    chart_rels = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)
                  if r.get("Type") == docx_charts.RELATIONSHIP_TYPE}
    assert sorted(chart_rels.values()) == ["charts/chart1.xml", "charts/chart2.xml", "charts/chart3.xml"]
    out = docx.Document(io.BytesIO(sample_bytes))
    graphic = [g for g in out.element.body.iter(qn("a:graphicData"))]
    assert [g.get("uri") for g in graphic] == [docx_charts.GRAPHIC_URI] * 3
    r_ids = [g[0].get(qn("r:id")) for g in graphic]
    assert [chart_rels[r] for r in r_ids] == ["charts/chart1.xml", "charts/chart2.xml", "charts/chart3.xml"]
    assert not any(n.startswith("word/media/") for n in zf.namelist())


def test_inline_has_alt_text_title_size_and_unique_ids(sample_bytes):
    sample = every_node_document()
    figures = [b for b in sample.blocks if isinstance(b, Figure)]
    out = docx.Document(io.BytesIO(sample_bytes))
    doc_prs = list(out.element.body.iter(qn("wp:docPr")))
    assert [d.get("descr") for d in doc_prs] == [f.alt_text for f in figures]
    assert [d.get("title") for d in doc_prs] == [f.chart.title for f in figures]
    assert len({d.get("id") for d in doc_prs}) == 3
    widths = [s.width.mm for s in out.inline_shapes]
    heights = [s.height.mm for s in out.inline_shapes]
    assert widths == pytest.approx([170] * 3, abs=0.5)
    assert heights == pytest.approx([writer._chart_size_mm(f, default_theme())[1] for f in figures], abs=0.1)


def test_chart_parts_hold_categories_values_and_title(sample_bytes):
    sample = every_node_document()
    figures = [b for b in sample.blocks if isinstance(b, Figure)]
    for part, fig in zip(chart_parts(sample_bytes), figures):
        title = "".join(texts(part, "c:chart/c:title/c:tx/c:rich/a:p/a:r/a:t"))
        assert title == fig.chart.title
        sers = part.findall(".//c:ser", NS)
        cats = texts(sers[0], "c:cat/c:strLit/c:pt/c:v")
        assert cats[:len(fig.chart.categories)] == list(fig.chart.categories)
        for ser, spec in zip(sers, fig.chart.series):
            assert texts(ser, "c:tx/c:v") == [spec.name]
            points = {int(p.get("idx")): float(p.find("c:v", NS).text) for p in ser.findall("c:val/c:numLit/c:pt", NS)}
            expected = {j: v for j, v in enumerate(spec.values) if v is not None}
            assert {j: points[j] for j in expected} == expected


def test_same_document_gives_identical_bytes(sample_bytes, theme):
    assert writer.render(every_node_document(), theme) == sample_bytes


def test_native_path_never_imports_matplotlib_drawing():
    code = ("import sys; from reportgen.samples import every_node_document; from reportgen.theme import default_theme;"
            "from reportgen.writers import docx as w; w.render(every_node_document(), default_theme());"
            "print(sorted(m for m in sys.modules if m.startswith(('matplotlib.', 'reportgen.charts'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_png_engine_still_available(monkeypatch, theme):
    monkeypatch.setattr(writer, "CHART_ENGINE", "png")
    data = writer.render(figure_doc(members_chart()), theme)
    zf = zipfile.ZipFile(io.BytesIO(data))
    media = [n for n in zf.namelist() if n.startswith("word/media/")]
    assert len(media) == 1 and zf.read(media[0]).startswith(b"\x89PNG")
    assert not any(n.startswith("word/charts/") for n in zf.namelist())


# ----------------------------------------------------------------------------- kinds and look


def test_barh_reads_top_down_with_value_axis_at_the_bottom(theme):
    space = one_chart(members_chart(), theme)
    bar = space.find(".//c:barChart", NS)
    assert bar.find("c:barDir", NS).get("val") == "bar"
    assert space.find(".//c:catAx/c:scaling/c:orientation", NS).get("val") == "maxMin"
    assert space.find(".//c:valAx/c:axPos", NS).get("val") == "b"
    assert space.find(".//c:valAx/c:crosses", NS).get("val") == "max"
    assert space.find(".//c:catAx/c:tickLblSkip", NS).get("val") == "1"  # every member named


def test_highlight_and_reference_bar_colours(theme):
    chart = members_chart()
    ser = one_chart(chart, theme).find(".//c:ser", NS)
    cats = texts(ser, "c:cat/c:strLit/c:pt/c:v")
    assert colour_of(ser) == theme.colour("muted")
    points = {cats[int(d.find("c:idx", NS).get("val"))]: colour_of(d) for d in ser.findall("c:dPt", NS)}
    assert points == {"Hull": theme.colour("highlight"), "UK 51.9%": theme.palette[4]}


def test_reference_bar_sits_in_sorted_position_without_a_value_label(theme):
    ser = one_chart(members_chart(), theme).find(".//c:ser", NS)
    cats = texts(ser, "c:cat/c:strLit/c:pt/c:v")
    at = cats.index("UK 51.9%")
    assert (cats[at - 1], cats[at + 1]) == ("Preston", "Norwich")  # 53.3% > 51.9% > 43.8%
    values = {int(p.get("idx")): float(p.find("c:v", NS).text) for p in ser.findall("c:val/c:numLit/c:pt", NS)}
    assert values[at] == 51.9 and len(values) == 21
    deleted = [int(d.find("c:idx", NS).get("val")) for d in ser.findall("c:dLbls/c:dLbl", NS)
               if d.find("c:delete", NS) is not None]
    assert deleted == [at]


def test_reference_bar_goes_last_when_bars_are_unsorted(theme):
    chart = members_chart(categories=MEMBERS, series=(Series("Leave share", LEAVE),))
    ser = one_chart(chart, theme).find(".//c:ser", NS)
    assert texts(ser, "c:cat/c:strLit/c:pt/c:v")[-1] == "UK 51.9%"


def test_barh_size_grows_with_the_reference_bar(theme):
    with_ref = writer._chart_size_mm(Figure(members_chart()), theme)[1]
    without = writer._chart_size_mm(Figure(members_chart(reference_lines=())), theme)[1]
    assert with_ref > without


def test_column_chart_reference_is_a_dashed_line_series_named_by_its_label(theme):
    chart = Chart("bar", "Employment rate", ("Hull", "Key Cities", "England"),
                  (Series("Employment rate", (70.1, 72.4, 75.7)),), value_format="pct", highlight=("Hull",),
                  reference_lines=(ReferenceLine(74.0, "UK 74.0%"),))
    space = one_chart(chart, theme)
    assert space.find(".//c:barChart/c:barDir", NS).get("val") == "col"
    line = space.find(".//c:lineChart", NS)
    ref = line.find("c:ser", NS)
    assert texts(ref, "c:tx/c:v") == ["UK 74.0%"]
    assert texts(ref, "c:val/c:numLit/c:pt/c:v") == ["74"] * 3
    assert ref.find("c:spPr/a:ln/a:prstDash", NS).get("val") == "dash"
    label = ref.find("c:dLbls/c:dLbl", NS)
    assert label.find("c:idx", NS).get("val") == "2" and label.find("c:showSerName", NS).get("val") == "1"
    assert [a.get("val") for a in line.findall("c:axId", NS)] == [a.get("val") for a in
                                                                   space.findall(".//c:barChart/c:axId", NS)]


def test_line_chart_leaves_gaps_and_has_no_markers(theme):
    chart = Chart("line", "GVA per job", tuple(str(y) for y in range(2010, 2016)),
                  (Series("Hull", (40100, 41000, None, 42500, None, 44000)), Series("England", (1, 2, 3, 4, 5, 6))),
                  value_format="gbp_k", direct_labels=False)
    space = one_chart(chart, theme)
    assert space.find("c:chart/c:dispBlanksAs", NS).get("val") == "gap"
    hull = space.find(".//c:lineChart/c:ser", NS)
    assert [p.get("idx") for p in hull.findall("c:val/c:numLit/c:pt", NS)] == ["0", "1", "3", "5"]
    assert hull.find("c:val/c:numLit/c:ptCount", NS).get("val") == "6"
    assert hull.find("c:marker/c:symbol", NS).get("val") == "none"
    dots = [d.find("c:idx", NS).get("val") for d in hull.findall("c:dPt", NS)]
    assert dots == ["3", "5"]  # points with gaps on both sides get a dot, or they would be invisible
    colours = [s.find("c:spPr/a:ln/a:solidFill/a:srgbClr", NS).get("val") for s in space.findall(".//c:ser", NS)]
    assert ["#" + c for c in colours] == list(theme.two_series)
    assert space.find("c:chart/c:legend", NS) is not None


def test_labelled_lines_end_in_name_and_value_without_legend(theme):
    chart = Chart("line", "t", ("2019", "2020", "2021"), (Series("Hull", (1.0, 2.0, None)),
                                                           Series("England", (2.0, 3.0, 4.0))))
    space = one_chart(chart, theme)
    assert space.find("c:chart/c:legend", NS) is None
    ends = [s.find("c:dLbls/c:dLbl", NS) for s in space.findall(".//c:ser", NS)]
    assert [e.find("c:idx", NS).get("val") for e in ends] == ["1", "2"]
    assert all(e.find("c:showSerName", NS).get("val") == "1" == e.find("c:showVal", NS).get("val") for e in ends)


def test_value_axis_uses_the_shared_ticks(theme):
    from reportgen import chartlayout

    chart = members_chart()
    ticks = chartlayout.value_ticks(chart)
    scale = one_chart(chart, theme).find(".//c:valAx", NS)
    assert float(scale.find("c:scaling/c:min", NS).get("val")) == ticks[0]
    assert float(scale.find("c:scaling/c:max", NS).get("val")) == ticks[-1]
    assert float(scale.find("c:majorUnit", NS).get("val")) == ticks[1] - ticks[0]


def test_single_series_has_no_legend_and_every_text_names_the_theme_font(theme):
    space = one_chart(members_chart(), theme)
    assert space.find("c:chart/c:legend", NS) is None
    run_props = [e for e in space.iter() if e.tag.endswith(("}defRPr", "}rPr"))]
    assert run_props and all(r.find("a:latin", NS).get("typeface") == theme.fonts.family for r in run_props)
    title_run = space.find("c:chart/c:title/c:tx/c:rich/a:p/a:r/a:rPr", NS)
    assert (title_run.get("b"), title_run.get("sz")) == ("1", "1000")


def test_axis_titles_and_light_gridlines(theme):
    space = one_chart(members_chart(), theme)
    assert "".join(texts(space, ".//c:valAx/c:title//a:t")) == "Leave share of valid votes (%)"
    grid = space.find(".//c:valAx/c:majorGridlines/c:spPr/a:ln/a:solidFill/a:srgbClr", NS)
    assert "#" + grid.get("val") == theme.colour("rule")


@pytest.mark.parametrize("style, code", [
    ("pct", '0.0"%";\u22120.0"%"'),
    ("pct0", '0"%";\u22120"%"'),
    ("gbp", '"£"#,##0;"\u2212£"#,##0'),
    ("gbp_k", '"£"#,##0,"k";"\u2212£"#,##0,"k"'),
    ("gbp_bn", '"£"#,##0.0,,,"bn";"\u2212£"#,##0.0,,,"bn"'),
    ("number", "#,##0;\u2212#,##0"),
    ("unknown", "General"),
])
def test_number_formats_follow_fmt(style, code):
    assert docx_charts.number_format(style) == code


def test_labels_and_ticks_use_the_charts_number_format(theme):
    space = one_chart(members_chart(), theme)
    assert space.find(".//c:ser/c:dLbls/c:numFmt", NS).get("formatCode") == '0.0"%";\u22120.0"%"'
    assert space.find(".//c:ser/c:val/c:numLit/c:formatCode", NS).text == '0.0"%";\u22120.0"%"'
    assert space.find(".//c:valAx/c:numFmt", NS).get("formatCode") == '0"%";\u22120"%"'  # ticks 0%, 20%, ...
    assert float(space.find(".//c:valAx/c:scaling/c:min", NS).get("val")) == 0
    assert float(space.find(".//c:valAx/c:scaling/c:max", NS).get("val")) >= 69.0


def test_hostile_text_is_escaped_and_control_characters_dropped(theme):
    chart = Chart("bar", HOSTILE + "\x01", (HOSTILE, "b\x0bc"), (Series("s<&>", (1.0, 2.0)),),
                  x_label="x & y", y_label="<y>")
    space = one_chart(chart, theme)
    assert "".join(texts(space, "c:chart/c:title//a:t")) == HOSTILE
    assert texts(space, ".//c:cat/c:strLit/c:pt/c:v") == [HOSTILE, "bc"]
    assert texts(space, ".//c:ser/c:tx/c:v") == ["s<&>"]


def test_unknown_kind_is_a_value_error(theme):
    with pytest.raises(ValueError, match="unknown chart kind 'pie'"):
        docx_charts.chart_space_xml(Chart("pie", "t", ("a",), (Series("s", (1.0,)),)), theme, 100, 50)


# ----------------------------------------------------------------------------- schema order

#: child order of the elements written, from ECMA-376 dml-chart.xsd (only the children used here)
ORDER = {
    "chartSpace": "date1904 lang roundedCorners chart spPr txPr",
    "chart": "title autoTitleDeleted plotArea legend plotVisOnly dispBlanksAs",
    "title": "tx layout overlay spPr txPr",
    "plotArea": "layout barChart lineChart catAx valAx spPr",
    "barChart": "barDir grouping varyColors ser dLbls gapWidth overlap axId",
    "lineChart": "grouping varyColors ser dLbls marker smooth axId",
    "ser": "idx order tx spPr invertIfNegative marker dPt dLbls cat val smooth",
    "dPt": "idx invertIfNegative marker bubble3D spPr",
    "marker": "symbol size spPr",
    "dLbls": "dLbl delete numFmt spPr txPr dLblPos showLegendKey showVal showCatName showSerName showPercent "
             "showBubbleSize",
    "dLbl": "idx delete numFmt spPr txPr dLblPos showLegendKey showVal showCatName showSerName showPercent "
            "showBubbleSize separator",
    "catAx": "axId scaling delete axPos majorGridlines title numFmt majorTickMark minorTickMark tickLblPos spPr "
             "txPr crossAx crosses auto lblAlgn lblOffset tickLblSkip tickMarkSkip noMultiLvlLbl",
    "valAx": "axId scaling delete axPos majorGridlines title numFmt majorTickMark minorTickMark tickLblPos spPr "
             "txPr crossAx crosses crossBetween majorUnit",
    "scaling": "orientation max min",
    "legend": "legendPos layout overlay txPr",
    "numLit": "formatCode ptCount pt",
    "strLit": "ptCount pt",
}


def assert_schema_order(el: ET.Element) -> None:
    name = el.tag.split("}")[1]
    if el.tag.startswith(C) and name in ORDER:
        allowed = ORDER[name].split()
        kids = [k.tag.split("}")[1] for k in el if k.tag.startswith(C)]
        assert set(kids) <= set(allowed), (name, kids)
        ranks = [allowed.index(k) for k in kids]
        assert ranks == sorted(ranks), (name, kids)
    for child in el:
        assert_schema_order(child)


@pytest.mark.parametrize("chart", [
    members_chart(),
    members_chart(kind="bar", categories=("a", "b"), series=(Series("s", (1.0, -2.0)),), highlight=("a",)),
    Chart("line", "t", ("2019", "2020", "2021"), (Series("a", (1.0, None, 3.0)), Series("b", (2.0, 2.5, 3.5))),
          reference_lines=(ReferenceLine(2.0, "target"),)),
    Chart("barh", "t", ("x", "y"), (Series("a", (1.0, 2.0)), Series("b", (2.0, None))),
          reference_lines=(ReferenceLine(1.5, "mid"),)),
], ids=["barh", "bar", "line", "barh-two-series"])
def test_elements_follow_the_schema_order_word_enforces(chart, theme):
    assert_schema_order(one_chart(chart, theme))


# ----------------------------------------------------------------------------- LibreOffice


def convert_to_pdf(tmp_path: Path, data: bytes) -> Path:
    src = tmp_path / "charts.docx"
    src.write_bytes(data)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    return tmp_path / "charts.pdf"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_draws_the_native_charts(tmp_path, theme):
    pypdf = pytest.importorskip("pypdf")
    chart = members_chart()
    pdf = convert_to_pdf(tmp_path, writer.render(figure_doc(chart), theme))
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages)
    assert chart.title in text
    assert "UK 51.9%" in text and "Leave share of valid votes (%)" in text
    assert all(member in text for member in MEMBERS)
    assert "67.6%" in text and "43.8%" in text  # value labels in the chart's format
    if shutil.which("pdftoppm") is None:
        return
    image = pytest.importorskip("PIL.Image")
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    colours = {c for _, c in image.open(png).convert("RGB").getcolors(1 << 20)}
    wanted = [theme.colour(n) for n in ("highlight", "muted")] + [theme.palette[4]]
    assert all(tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) in colours for h in wanted)
