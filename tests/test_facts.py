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
