"""charts.py: both formats, deterministic bytes, the cache, gaps and every kind."""

from __future__ import annotations

import io
import math
import re

import pytest
from PIL import Image

from reportgen import chartlayout, charts
from reportgen.document import Chart, ReferenceLine, Series
from reportgen.samples import MEMBERS
from reportgen.theme import default_theme

THEME = default_theme()


def chart(kind: str, **kw: object) -> Chart:
    base = {
        "kind": kind,
        "title": f"A {kind} chart that states its finding",
        "categories": ("Hull", "Derby", "Wakefield"),
        "series": (Series("Leave", (67.6, 57.2, None)),),
        "x_label": "Leave share (%)",
        "y_label": "Leave share (%)",
        "value_format": "pct",
        "highlight": ("Hull",),
        "reference_lines": (ReferenceLine(51.9, "UK 51.9%"),),
    }
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


# --------------------------------------------------------------------------- chartlayout: shared by every engine

import itertools

from hypothesis import given
from hypothesis import strategies as st

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@given(finite, finite, st.integers(min_value=2, max_value=10))
def test_nice_ticks_cover_the_range_evenly_with_round_steps(lo: float, hi: float, n: int) -> None:
    ticks = chartlayout.nice_ticks(lo, hi, n)
    assert 2 <= len(ticks) <= max(n, 3)
    tolerance = 1e-6 * max(1.0, abs(lo), abs(hi))
    assert ticks[0] <= min(lo, hi) + tolerance and ticks[-1] >= max(lo, hi) - tolerance
    steps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(steps) - min(steps) <= 1e-6 * max(steps)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert any(abs(mantissa - m) < 1e-6 for m in (1, 2, 2.5, 5, 10))
    if ticks[0] <= 0 <= ticks[-1]:
        assert 0.0 in ticks


def test_nice_ticks_examples() -> None:
    assert chartlayout.nice_ticks(0, 69) == [0, 20, 40, 60, 80]
    assert chartlayout.nice_ticks(0, 0.3) == [0, 0.1, 0.2, 0.3]
    assert chartlayout.nice_ticks(-3, 7) == [-5, -2.5, 0, 2.5, 5, 7.5]
    with pytest.raises(ValueError):
        chartlayout.nice_ticks(0, math.inf)


def test_value_ticks_start_bars_at_zero_and_fit_lines_to_the_data() -> None:
    assert chartlayout.value_ticks(chart("barh"))[0] == 0
    line = chart("line", series=(Series("x", (40100.0, 59400.0, None)),), reference_lines=(), value_format="gbp_k")
    assert chartlayout.value_ticks(line) == [40000, 45000, 50000, 55000, 60000]


def test_value_ticks_never_print_the_same_label_twice() -> None:
    narrow = chart("line", series=(Series("x", (41000.0, 43000.0, 42000.0)),), reference_lines=(),
                   value_format="gbp_k")
    labels = chartlayout.tick_labels(chartlayout.value_ticks(narrow), narrow)
    assert len(set(labels)) == len(labels)


def test_tick_labels_drop_decimals_only_when_every_tick_is_whole() -> None:
    c = chart("bar")
    assert chartlayout.tick_labels([0, 20, 40], c) == ["0%", "20%", "40%"]
    assert chartlayout.tick_labels([0, 2.5, 5], c) == ["0.0%", "2.5%", "5.0%"]
    bn = chart("bar", value_format="gbp_bn")
    assert chartlayout.tick_labels([0, 5e9, 10e9], bn) == ["£0bn", "£5bn", "£10bn"]
    assert chartlayout.label(None, c) == "not available"
    assert chartlayout.label(67.64, c) == "67.6%"


def test_bar_colours_highlight_against_muted_and_series_colours() -> None:
    hi, muted = THEME.colour("highlight"), THEME.colour("muted")
    assert chartlayout.bar_colours(chart("barh"), THEME, 0) == [hi, muted, muted]
    assert chartlayout.bar_colours(chart("barh", highlight=()), THEME, 0) == [THEME.palette[0]] * 3
    two = chart("bar", series=(Series("a", (1.0, 2.0, 3.0)), Series("b", (1.0, 2.0, 3.0))))
    assert [chartlayout.series_colour(two, THEME, i) for i in (0, 1)] == list(THEME.two_series)
    three = chart("bar", series=tuple(Series(n, (1.0, 2.0, 3.0)) for n in "abc"))
    assert [chartlayout.series_colour(three, THEME, i) for i in (0, 1, 2)] == list(THEME.palette[:3])


def test_size_is_compact() -> None:
    twenty = chart("barh", categories=MEMBERS, series=(Series("x", tuple(range(20))),))
    assert 100 <= chartlayout.size_mm(twenty, 170)[1] <= 110
    for kind in ("bar", "line"):
        assert 62 <= chartlayout.size_mm(chart(kind), 170)[1] <= 70
    long_title = chart("bar", title="A finding " * 20)
    assert chartlayout.size_mm(long_title, 170)[1] > chartlayout.size_mm(chart("bar"), 170)[1]
