#!/usr/bin/env python3
"""Import the public source files into the project's tidy ``data/`` CSVs.

Reads ``../shared/data-sources/`` (or ``--sources DIR``) and writes ``data/`` (or
``--out DIR``). Values are copied as published (the source text of each number
is kept, never re-computed or rounded); the script only selects, renames,
reshapes (long indicator tables to one column per indicator) and sorts.
Running it twice gives byte-identical files.

    python scripts/import_sources.py [--sources DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCES = HERE.parent.parent / "shared" / "data-sources"
DEFAULT_OUT = HERE.parent / "data"


def read(sources: Path, name: str) -> list[dict[str, str]]:
    with open(sources / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write(out: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    path = out / name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {path.relative_to(out.parent) if out.parent in path.parents else path} ({len(rows)} rows)")


def year_of(period: str) -> str:
    """Return the year of an ONS period: '2016-01-01/P1Y' or '2016-04-20' → '2016'."""
    return period[:4]


# --------------------------------------------------------------------------- members


def members(src: Path) -> list[list[str]]:
    """One row per council of each mid-2018 member.

    ``current_la_code`` is the code the post-2019 datasets use for the same area;
    it is left empty when the council was abolished (Bournemouth → BCP), because
    the successor is a different, larger area and its figures must not stand in.
    """
    rows = []
    for r in read(src, "key_cities_members_mid2018_by_la.csv"):
        abolished = "abolished" in r["la_type"].lower()
        note = ""
        if abolished:
            note = (f"{r['la_name']} council was abolished on 1 April 2019 and merged into "
                    f"{r['itl3_2021_name']} ({r['current_la_code_2023']}); statistics published "
                    f"after the merger cover only the larger council")
        rows.append([
            r["member"], r["member_code"], r["region"], r["founder_member_2013"],
            r["la_code"], r["la_name"], "" if abolished else r["current_la_code_2023"], note,
        ])
    return rows


# --------------------------------------------------------------------------- referendum


REFERENDUM_COLUMNS = [
    "area_code", "area_name", "region_code", "region_name", "electorate",
    "verified_ballot_papers", "valid_votes", "remain", "leave", "rejected_ballots",
]


def referendum(src: Path) -> list[list[str]]:
    rows = [[r[c] for c in REFERENDUM_COLUMNS] for r in read(src, "eu_referendum_2016_results_by_counting_area.csv")]
    return sorted(rows, key=lambda r: r[0])


# --------------------------------------------------------------------------- ONS tables


def population(src: Path) -> list[list[str]]:
    rows = [[r["area_code"], r["area_name"], r["geography"], r["year"], r["population"]]
            for r in read(src, "ons_population_mid_year_estimates_2001_2020_la2021.csv")]
    return sorted(rows, key=lambda r: (r[0], int(r[3])))


def gva(src: Path) -> list[list[str]]:
    rows = [[r["la_code"], r["la_name"], r["year"], r["gva_balanced_current_basic_prices_gbp_million"],
             r["provisional"]]
            for r in read(src, "ons_gva_balanced_by_la_1998_2019_current_prices.csv")]
    return sorted(rows, key=lambda r: (r[0], int(r[2])))


def explore_wide(src: Path, name: str, indicators: dict[str, str], extra: tuple[str, ...] = ()) -> list[list[str]]:
    """Pivot an ONS Explore Local Statistics file: one row per area and year.

    ``indicators`` maps the publisher's indicator name to our column; a value the
    publisher marks as not available (status 'x', empty value) stays empty.
    ``extra`` adds the 'status' and/or 'notes' of the first indicator.
    """
    cols = list(indicators.values())
    table: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    names: dict[str, tuple[str, str]] = {}
    for r in read(src, name):
        if r["indicator"] not in indicators:
            continue
        key = (r["area_code"], year_of(r["period"]))
        names[r["area_code"]] = (r["area_name"], r["geography"])
        col = indicators[r["indicator"]]
        value = r["value"] if r["status"] != "x" else ""
        if col in table[key]:
            raise SystemExit(f"{name}: duplicate {r['indicator']} for {key}")
        table[key][col] = value
        if col == cols[0]:
            for e in extra:
                table[key][e] = r[e]
    out = []
    for (code, year) in sorted(table, key=lambda k: (k[0], int(k[1]))):
        area_name, geography = names[code]
        values = table[(code, year)]
        out.append([code, area_name, geography, year] + [values.get(c, "") for c in cols]
                   + [values.get(e, "") for e in extra])
    return out


def imd(src: Path) -> list[list[str]]:
    keep = ["lad19_code", "lad19_name", "imd_average_score", "imd_rank_of_average_score",
            "imd_rank_of_average_rank", "imd_proportion_lsoas_most_deprived_10pct",
            "imd_rank_of_proportion_most_deprived_10pct"]
    rows = [[r[c] for c in keep] for r in read(src, "mhclg_imd2019_local_authority_summaries_england.csv")]
    return sorted(rows, key=lambda r: r[0])


EXPLORE_HEADER = ["area_code", "area_name", "geography", "year"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    src, out = args.sources, args.out
    if not src.is_dir():
        print(f"import_sources: no source folder {src}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    write(out, "members.csv", ["member", "member_code", "region", "founder_2013", "la_code", "la_name",
                               "current_la_code", "note"], members(src))
    write(out, "eu_referendum_2016.csv", REFERENDUM_COLUMNS, referendum(src))
    write(out, "population.csv", ["area_code", "area_name", "geography", "year", "population"], population(src))
    write(out, "gva.csv", ["la_code", "la_name", "year", "gva_gbp_m", "provisional"], gva(src))
    write(out, "productivity.csv", EXPLORE_HEADER + ["gva_per_job_gbp", "gva_per_hour_gbp"], explore_wide(
        src, "ons_labour_productivity_gva_per_hour_and_per_job_by_area_2002_2023.csv",
        {"Gross value added per filled job": "gva_per_job_gbp",
         "Gross value added per hour worked": "gva_per_hour_gbp"}))
    write(out, "employment.csv", EXPLORE_HEADER + ["employment_rate_pct", "notes"], explore_wide(
        src, "ons_aps_employment_and_inactivity_rate_by_area_2004_2023.csv",
        {"Employment rate": "employment_rate_pct"}, extra=("notes",)))
    write(out, "pay.csv", EXPLORE_HEADER + ["median_weekly_pay_gbp", "status"], explore_wide(
        src, "ons_ashe_gross_median_weekly_pay_by_area_2008_2025.csv",
        {"Gross median weekly pay": "median_weekly_pay_gbp"}, extra=("status",)))
    write(out, "qualifications.csv", EXPLORE_HEADER + ["level3_plus_pct"], explore_wide(
        src, "ons_aps_level3_plus_qualifications_by_area_2022_2023.csv",
        {"Level 3 or above qualifications (Great Britain)": "level3_plus_pct"}))
    write(out, "business.csv", EXPLORE_HEADER + ["active_businesses", "birth_rate_pct"], explore_wide(
        src, "ons_business_demography_by_area_2019_2024.csv",
        {"Active businesses": "active_businesses", "Business births": "birth_rate_pct"}))
    write(out, "housing.csv", EXPLORE_HEADER + ["affordability_ratio"], explore_wide(
        src, "ons_housing_affordability_ratio_by_area_2002_2025.csv",
        {"Housing affordability ratio (residence-based)": "affordability_ratio"}))
    write(out, "imd2019.csv", ["la_code", "la_name", "imd_average_score", "imd_rank_of_average_score",
                               "imd_rank_of_average_rank", "imd_share_most_deprived_10pct",
                               "imd_rank_of_share_most_deprived_10pct"], imd(src))
    return 0


if __name__ == "__main__":
    sys.exit(main())
