"""The facts against the data, recomputed independently with pandas (not the code under test)."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from reportgen.pipeline import load_project
from reportgen.stats import slugify

from .conftest import DATA, ROOT

REQUIRED_GROUP = ["group.member_count", "group.leave_pct", "group.remain_pct", "uk.leave_pct", "uk.remain_pct",
                  "group.turnout_pct", "group.gva_gbp", "group.gva_year", "group.population",
                  "group.uplift_decade_gbp", "england.gva_per_job_gbp"]
REQUIRED_CITY = ["leave_pct", "remain_pct", "turnout_pct", "population", "gva_gbp", "gva_per_job_gbp",
                 "productivity_vs_england_pct", "employment_rate_pct", "median_weekly_pay_gbp", "imd_rank",
                 "rank.leave_pct", "rank.gva_per_job_gbp"]


@pytest.fixture(scope="module")
def facts():
    return load_project(ROOT).facts


@pytest.fixture(scope="module")
def raw():
    read = lambda name: pd.read_csv(DATA / name, dtype={"la_code": str, "area_code": str})
    return {n: read(f"{n}.csv") for n in ("members", "eu_referendum_2016", "gva", "productivity", "population")}


def test_uk_referendum_totals_match_the_official_count(facts, raw):
    ref = raw["eu_referendum_2016"]
    assert len(ref) == 382
    assert ref["leave"].sum() == 17_410_742 == facts["uk.leave"].value
    assert ref["remain"].sum() == 16_141_241 == facts["uk.remain"].value
    assert facts["uk.leave_pct"].text("pct0") == "52%"
    assert facts["uk.remain_pct"].text("pct0") == "48%"


def test_group_leave_share_reproduces_the_paper_60_40(facts, raw):
    members, ref = raw["members"], raw["eu_referendum_2016"]
    sub = ref[ref["area_code"].isin(members["la_code"])]
    assert len(sub) == 24
    leave = 100 * sub["leave"].sum() / sub["valid_votes"].sum()
    assert facts["group.leave_pct"].value == pytest.approx(leave)
    assert round(leave, 2) == 59.38  # the paper printed 60%; our figure is the exact one
    assert facts["group.leave_pct"].text() == "59.4%"
    assert facts["group.remain_pct"].text() == "40.6%"
    assert facts["group.leave_pct"].text("pct0") == "59%"


def test_group_gva_reproduces_over_116bn(facts, raw):
    members, gva = raw["members"], raw["gva"]
    codes = members["current_la_code"].dropna()
    sub = gva[(gva["la_code"].isin(codes)) & (gva["year"] == 2016)]
    assert len(sub) == 23  # Bournemouth has no separate figure
    total = sub["gva_gbp_m"].sum() * 1e6
    assert facts["group.gva_gbp"].value == pytest.approx(total)
    assert total > 116e9
    assert facts["group.gva_gbp"].text() == "£116.6bn"
    assert facts["group.gva_year"].value == 2016


def test_uplift_reproduces_the_paper_method(facts, raw):
    members, gva, prod = raw["members"], raw["gva"], raw["productivity"]
    prod16 = prod[prod["year"] == 2016].set_index("area_code")["gva_per_job_gbp"]
    gva16 = gva[gva["year"] == 2016].set_index("la_code")["gva_gbp_m"] * 1e6
    total_gva = jobs = 0.0
    for member, rows in members.groupby("member"):
        if rows["current_la_code"].isna().any():
            continue
        g = gva16[rows["current_la_code"]].sum()
        per_job = prod16[rows["member_code"].iloc[0]] if len(rows) > 1 else prod16[rows["current_la_code"].iloc[0]]
        total_gva += g
        jobs += g / per_job
    england = prod16["TLB"]
    decade = total_gva * (england / (total_gva / jobs) - 1) * 10
    assert facts["group.uplift_decade_gbp"].value == pytest.approx(decade)
    assert 210e9 < decade < 220e9  # the paper: £214bn; ours £216bn on revised data
    assert facts["group.uplift_decade_gbp"].text() == "£216bn"
    assert facts["england.gva_per_job_gbp"].value == england


def test_multi_council_member_sums_votes_and_uses_the_combined_authority(facts, raw):
    ref, prod = raw["eu_referendum_2016"], raw["productivity"]
    tees = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]
    sub = ref[ref["area_code"].isin(tees)]
    assert facts["city.tees-valley.leave"].value == sub["leave"].sum()
    assert facts["city.tees-valley.leave_pct"].value == pytest.approx(100 * sub["leave"].sum() / sub["valid_votes"].sum())
    ca = prod[(prod["area_code"] == "E47000006") & (prod["year"] == 2016)]["gva_per_job_gbp"].iloc[0]
    assert facts["city.tees-valley.gva_per_job_gbp"].value == ca
    pop = raw["population"]
    p = pop[pop["area_code"].isin(tees) & (pop["year"] == 2016)]["population"].sum()
    assert facts["city.tees-valley.population"].value == p
    assert facts["city.tees-valley.imd_rank"].value is None
    assert facts["city.tees-valley.council.E06000002.imd_rank"].value == 5


def test_bournemouth_is_not_available_after_the_merger_with_a_reason(facts):
    for suffix in ("gva_gbp", "population", "gva_per_job_gbp", "employment_rate_pct"):
        f = facts[f"city.bournemouth.{suffix}"]
        assert f.value is None and "abolished" in f.reason
        assert f.text() == "not available"
    assert facts["city.bournemouth.leave_pct"].value is not None


def test_member_count_prints_in_words(facts):
    assert facts["group.member_count"].value == 20
    assert facts["group.member_count"].text() == "twenty"


def test_facts_json_lists_every_required_fact_with_sources():
    out = subprocess.run([sys.executable, "-m", "reportgen.cli", "facts", "--json", "--project", str(ROOT)],
                         capture_output=True, text=True, check=True).stdout
    data = {f["id"]: f for f in json.loads(out)["facts"]}
    members = pd.read_csv(DATA / "members.csv")["member"].unique()
    assert len(members) == 20
    ids = REQUIRED_GROUP + [f"city.{slugify(m)}.{s}" for m in members for s in REQUIRED_CITY]
    for fact_id in ids:
        f = data[fact_id]
        assert set(f) >= {"id", "value", "unit", "text", "description", "year", "sources", "formula"}
        assert f["sources"] or fact_id.startswith(("group.gva_year",)) or ".rank." in fact_id, fact_id
        if f["value"] is None:
            assert f["reason"] and f["text"] == "not available"
    assert all(s["file"].startswith("data/") for s in data["group.gva_gbp"]["sources"])


def test_facts_for_one_city_by_council_code():
    out = subprocess.run([sys.executable, "-m", "reportgen.cli", "facts", "--city", "E06000002", "--project", str(ROOT)],
                         capture_output=True, text=True, check=True).stdout
    assert "city.tees-valley.leave_pct" in out and "city.hull." not in out


def test_settings_change_the_uplift(project):
    toml = project / "reportgen.toml"
    toml.write_text(toml.read_text().replace('comparator = "england"', 'comparator = "uk"'))
    facts = load_project(project).facts
    england = load_project(ROOT).facts
    assert facts["group.uplift_decade_gbp"].value < england["group.uplift_decade_gbp"].value
    assert "the UK" in facts["group.uplift_decade_gbp"].formula


def test_no_fact_is_nan(facts):
    for f in facts:
        assert f.value is None or f.value == f.value, f.id


@pytest.mark.parametrize("table, file, code_col", [
    ("population", "population.csv", "area_code"), ("gva", "gva.csv", "la_code"),
    ("productivity", "productivity.csv", "area_code"), ("employment", "employment.csv", "area_code"),
    ("pay", "pay.csv", "area_code"), ("housing", "housing.csv", "area_code"),
])
def test_the_latest_year_of_every_area_and_column_is_pandas_latest_year(table, file, code_col):
    """Index.latest_year (which picks "latest" years) against pandas: the greatest year in which
    the area has a value in the column, for every area and every column of the file."""
    from reportgen.config import load_config
    from reportgen.data import load_dataset
    from reportgen.stats import Index

    ds = load_dataset(load_config(ROOT).data_dir)
    index = Index(ds, table, code_col)
    frame = pd.read_csv(DATA / file, dtype={code_col: str})
    frame[code_col] = frame[code_col].str.strip()  # as the loader reads a cell (one code ends in a no-break space)
    columns = [c for c in frame.columns if c not in (code_col, "year") and pd.api.types.is_numeric_dtype(frame[c])]
    assert columns
    checked = 0
    for column in columns:
        expected = frame.dropna(subset=[column]).groupby(code_col)["year"].max()
        for code in frame[code_col].unique():
            want = int(expected[code]) if code in expected.index else None
            assert index.latest_year(code, column) == want, (table, code, column)
            checked += 1
    assert index.latest_year("no-such-area", columns[0]) is None
    assert checked > 300


@pytest.mark.parametrize("shuffled", [False, True])
def test_index_finds_every_row_and_only_those(shuffled):
    """Index.get for every (area, year) of the GVA and population files is the cell found by a
    plain search; with the rows shuffled (an area's rows no longer together) too."""
    import random

    from reportgen.config import load_config
    from reportgen.data import Table, load_dataset
    from reportgen.stats import Index

    ds = load_dataset(load_config(ROOT).data_dir)
    for name, code_col, column in (("gva", "la_code", "gva_gbp_m"), ("population", "area_code", "population")):
        table = ds[name]
        if shuffled:
            order = list(range(len(table)))
            random.Random(7).shuffle(order)
            table = Table({k: [v[i] for i in order] for k, v in table.columns.items()}, [table.lines[i] for i in order])

        class One:
            def __getitem__(self, key):
                return table

            def path(self, key):
                return ds.path(name)

        index = Index(One(), name, code_col)
        assert (index._spans is None) is shuffled  # together: spans; else the (code, year) dict
        cells = {(c, y): v for c, y, v in zip(table[code_col], table["year"], table[column])}
        for (code, year), value in cells.items():
            assert index.get(code, column, year) == (None if value is None else float(value))
        years = sorted({y for _, y in cells})
        assert index.get("E06000010", column, years[0] - 1) is None
        assert index.get("no-such-area", column, years[-1]) is None
        assert index.get(None, column, years[-1]) is None
        assert index.get("E06000010", column) is None  # a table with years needs one
        assert index.latest_year("E06000010", column) == max(y for (c, y), v in cells.items()
                                                              if c == "E06000010" and v is not None)
