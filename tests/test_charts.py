"""charts.py: both formats, deterministic bytes, the cache, gaps and every kind."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from reportgen import chartlayout, charts
from reportgen.document import Chart, ReferenceLine, Series
from reportgen.samples import MEMBERS
from reportgen.theme import default_theme

THEME = default_theme()


def chart(kind: str, **kw: object) -> Chart:
    base = dict(
        kind=kind,
        title=f"A {kind} chart that states its finding",
        categories=("Hull", "Derby", "Wakefield"),
        series=(Series("Leave", (67.6, 57.2, None)),),
        x_label="Leave share (%)",
        y_label="Leave share (%)",
        value_format="pct",
        highlight=("Hull",),
        reference_lines=(ReferenceLine(51.9, "UK 51.9%"),),
    )
    base.update(kw)
    return Chart(**base)


@pytest.fixture(autouse=True)
def fresh_cache():
    charts.clear_cache()
    yield
    charts.clear_cache()


@pytest.mark.parametrize("kind", charts.KINDS)
def test_every_kind_renders_svg_and_png(kind: str) -> None:
    svg, png = charts.render_both(chart(kind), THEME, 160, 80)
    assert svg.lstrip().startswith(b"<?xml") and b"</svg>" in svg
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    # 160 mm at 300 dpi
    assert abs(image.size[0] - round(160 / 25.4 * 300)) <= 1


@pytest.mark.parametrize("kind", charts.KINDS)
def test_svg_carries_title_labels_and_formatted_values(kind: str) -> None:
    svg = charts.render(chart(kind), THEME, 160, 80, "svg").decode("utf-8")
    assert f"A {kind} chart that states its finding" in svg
    assert "UK 51.9%" in svg
    # direct bar labels, or the end-of-line label at the last real value, all through fmt
    assert ("Leave 57.2%" if kind == "line" else "67.6%") in svg
    assert "DejaVu Sans" in svg


def test_bytes_are_deterministic_across_fresh_draws() -> None:
    first = charts.render_both(chart("barh"), THEME, 160, 80)
    charts.clear_cache()
    second = charts.render_both(chart("barh"), THEME, 160, 80)
    assert first == second
    assert b"<dc:date>" not in first[0]
    assert b"Software" not in first[1]


def test_cache_draws_each_chart_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = charts._figure
    monkeypatch.setattr(charts, "_figure", lambda *a: calls.append(a) or real(*a))
    svg = charts.render(chart("bar"), THEME, 160, 80, "svg")
    assert charts.render(chart("bar"), THEME, 160, 80, "svg") is svg
    charts.render_both(chart("bar"), THEME, 160, 80)  # png missing: one drawing serves it
    charts.render_both(chart("bar"), THEME, 160, 80)
    assert len(calls) == 2
    charts.render(chart("bar"), THEME, 160, 90, "svg")  # another size is another drawing
    assert len(calls) == 3


def test_none_is_a_gap_in_lines_and_not_available_in_bars() -> None:
    line = chart("line", categories=("2019", "2020", "2021", "2022"),
                 series=(Series("Hull", (1.0, None, 3.0, 4.0)),), reference_lines=())
    svg = charts.render(line, THEME, 160, 80, "svg").decode()
    assert "Hull 4.0%" in svg  # end-of-line label at the last real value
    bars = charts.render(chart("bar"), THEME, 160, 80, "svg").decode()
    assert "not available" in bars


def test_two_series_use_the_theme_pair_and_a_legend() -> None:
    two = chart("bar", series=(Series("Hull", (1.0, 2.0, 3.0)), Series("England", (2.0, 3.0, 4.0))),
                highlight=())
    svg = charts.render(two, THEME, 160, 80, "svg").decode().lower()
    for colour in THEME.two_series:
        assert colour.lower() in svg
    assert "england" in svg


def test_highlight_against_muted() -> None:
    svg = charts.render(chart("barh"), THEME, 160, 80, "svg").decode().lower()
    assert THEME.colour("highlight").lower() in svg
    assert THEME.colour("muted").lower() in svg


def test_twenty_category_barh_keeps_every_label_inside_the_figure() -> None:
    many = chart("barh", categories=MEMBERS, series=(Series("x", tuple(40 + i for i in range(20))),),
                 highlight=("Southend-on-Sea",))
    w, h = charts.suggested_size_mm(many, 170)
    assert 100 <= h <= 110  # compact: about 4.3 mm a bar
    assert (w, h) == chartlayout.size_mm(many, 170)
    svg = charts.render(many, THEME, w, h, "svg").decode()
    assert all(name in svg for name in MEMBERS)
    # every text anchor lies inside the figure's width
    width_pt = float(re.search(r'width="([\d.]+)pt"', svg).group(1))
    xs = [float(x) for x in re.findall(r'<text[^>]* x="(-?[\d.]+)"', svg)]
    assert xs and min(xs) >= 0 and max(xs) <= width_pt


def test_unknown_kind_and_format_are_errors() -> None:
    with pytest.raises(ValueError, match="kind"):
        charts.render(chart("pie"), THEME, 100, 60, "svg")
    with pytest.raises(ValueError, match="format"):
        charts.render(chart("bar"), THEME, 100, 60, "gif")
