"""Pure functions Dataset → Facts. No I/O, no formatting.

A member is one or more councils. How a member's figure is built from its
councils is stated once, in ``AGGREGATION``: counts and money are summed;
rates and medians come from the publisher's own figure for the member's area
(a combined authority, for Tees Valley) because a median cannot be summed; a
rate with a known denominator is weighted by it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import FactSettings
from .facts import Fact, Facts, Source

if TYPE_CHECKING:  # the module imports cheaply: cached facts and members unpickle without the data layer
    from .data import Dataset

ENGLAND = "E92000001"
UK = "K02000001"
ENGLAND_ITL = "TLB"  # England in the productivity tables
UK_LESS_EXTRA_REGIO = "K99000002"

AGGREGATION = {
    "votes": "sum of the councils' counts (Leave, Remain, valid votes, electorate, ballot papers)",
    "population": "sum of the councils' mid-year populations",
    "gva": "sum of the councils' GVA",
    "gva_per_job": ("the publisher's figure for the member's own area (a combined authority) where there is one; "
                    "otherwise the councils' total GVA divided by their total filled jobs, the jobs being each "
                    "council's GVA divided by its GVA per filled job (a GVA-weighted harmonic mean)"),
    "gva_per_hour": "as GVA per filled job, with hours worked in place of filled jobs",
    "employment_rate": "the publisher's figure for the member's own area; not combined from councils",
    "median_pay": "the publisher's figure for the member's own area; medians cannot be combined",
    "level3": "the publisher's figure for the member's own area; not combined from councils",
    "business_births": "births over active businesses: the councils' rates weighted by their active businesses",
    "affordability": "the publisher's figure for the member's own area; a ratio of medians cannot be combined",
    "imd": "per council only; ranks of different councils cannot be combined",
}

MEASURES: dict[str, tuple[str, bool, str]] = {
    # measure: (fact suffix, higher value ranks first, words)
    "leave_pct": ("leave_pct", True, "Leave share (1st = highest)"),
    "turnout_pct": ("turnout_pct", True, "turnout (1st = highest)"),
    "population": ("population", True, "population (1st = largest)"),
    "gva_gbp": ("gva_gbp", True, "GVA (1st = largest)"),
    "gva_per_job_gbp": ("gva_per_job_gbp", True, "GVA per filled job (1st = highest)"),
    "employment_rate_pct": ("employment_rate_pct", True, "employment rate (1st = highest)"),
    "median_weekly_pay_gbp": ("median_weekly_pay_gbp", True, "median weekly pay (1st = highest)"),
    "level3_plus_pct": ("level3_plus_pct", True, "Level 3+ qualifications (1st = highest)"),
    "business_birth_rate_pct": ("business_birth_rate_pct", True, "business birth rate (1st = highest)"),
    "affordability_ratio": ("affordability_ratio", True, "house price to earnings ratio (1st = least affordable)"),
    "imd_rank": ("imd_rank", False, "deprivation (1st = most deprived)"),
}


def slugify(name: str) -> str:
    """Return the file-safe slug of a member's name.

    >>> slugify("Southend-on-Sea"), slugify("Tees Valley"), slugify("../../etc/passwd")
    ('southend-on-sea', 'tees-valley', 'etc-passwd')
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80] or "member"


@dataclass(frozen=True)
class Council:
    la_code: str
    la_name: str
    current_code: str | None
    note: str


@dataclass(frozen=True)
class Member:
    name: str
    slug: str
    code: str
    region: str
    founder: bool
    councils: tuple[Council, ...]

    @property
    def multi(self) -> bool:
        return len(self.councils) > 1


def members_of(ds: Dataset) -> list[Member]:
    """Return the members in alphabetical order, each with its councils in file order."""
    by_name: dict[str, list[dict]] = {}
    for row in ds["members"].rows():
        by_name.setdefault(row["member"], []).append(row)
    out = []
    seen_slugs: dict[str, str] = {}
    for name in sorted(by_name):
        rows = by_name[name]
        first = rows[0]
        councils = tuple(Council(r["la_code"], r["la_name"], r["current_la_code"] or None, r["note"] or "")
                         for r in rows)
        slug = slugify(name)
        if slug in seen_slugs:
            slug = f"{slug}-{first['member_code'].lower()}"
        seen_slugs[slug] = name
        out.append(Member(name, slug, first["member_code"], first["region"], bool(first["founder_2013"]), councils))
    return out


class Index:
    """Fast (area code, year) → value lookups on one table.

    The files hold each area's rows together (one row per year), so the index keeps each
    code's span of rows and finds a year in it with ``list.index``, at C speed: two dicts over
    the code column, built without a Python loop. A dict keyed by (code, year), built for every
    row, took 15–25 ms over the ten tables, on the main process's path to the first document;
    it is still what a file whose areas are not together gets.
    """

    def __init__(self, ds: Dataset, name: str, code_col: str = "area_code"):
        self.frame = ds[name]
        self.file = ds.path(name)
        self.code_col = code_col
        self._latest: dict[tuple[str, str], int | None] = {}
        codes = self.frame[code_col]
        n = len(codes)
        self._years: list | None = self.frame["year"] if "year" in self.frame else None
        last = dict(zip(codes, range(n)))  # code → its last row
        first = dict(zip(reversed(codes), range(n - 1, -1, -1)))  # code → its first row
        # spans that do not overlap (each code's rows together) add up to exactly the rows
        if sum(last[code] - i + 1 for code, i in first.items()) == n:
            self._spans: dict | None = {code: (i, last[code] + 1) for code, i in first.items()}
            self._rows: dict | None = None
        else:
            years = self._years if self._years is not None else [None] * n
            self._spans, self._rows = None, dict(zip(zip(codes, years), range(n)))

    def _row(self, code: str, year: int | None) -> int | None:
        """Return the row of (code, year), or None (the keys are unique: data.py checks them)."""
        if self._rows is not None:
            return self._rows.get((code, year))
        span = self._spans.get(code)
        if span is None:
            return None
        if self._years is None:
            return span[1] - 1 if year is None else None
        try:
            return self._years.index(year, *span)
        except ValueError:
            return None

    def get(self, code: str | None, column: str, year: int | None = None) -> float | None:
        if code is None:
            return None
        i = self._row(code, year)
        if i is None:
            return None
        value = self.frame[column][i]
        return None if value is None else float(value)

    def latest_year(self, code: str, column: str) -> int | None:
        key = (code, column)
        if key not in self._latest:
            self._latest[key] = self._scan_latest(code, column)
        return self._latest[key]

    def _scan_latest(self, code: str, column: str) -> int | None:
        """Return the latest year in which ``code`` has a value in ``column`` (None: none)."""
        if self._years is None:
            return None
        years, col = self._years, self.frame[column]
        if self._rows is not None:
            rows = [i for (c, _), i in self._rows.items() if c == code]
        else:
            span = self._spans.get(code)
            rows = range(*span) if span else []
        found = [years[i] for i in rows if years[i] is not None and col[i] is not None]
        return max(found) if found else None

    def source(self, codes: list[str], column: str, year: int | None = None) -> Source:
        rows = f"{self.code_col} in ({', '.join(codes)})" if len(codes) > 1 else f"{self.code_col}={codes[0]}"
        if year is not None:
            rows += f", year={year}"
        return Source(self.file, rows, column)


# --------------------------------------------------------------------------- computing

SETTINGS_FILE = "reportgen.toml"


def setting_source(key: str) -> Source:
    return Source(SETTINGS_FILE, "[facts]", key)


def merge_sources(sources: list[Source]) -> tuple[Source, ...]:
    """Return the sources with those of the same file and column merged into one."""
    merged: dict[tuple[str, str], dict[str, None]] = {}
    for src in sources:
        merged.setdefault((src.file, src.column), {})[src.rows] = None
    out = []
    for (file, column), row_set in merged.items():
        rows = list(row_set)
        text = rows[0] if len(rows) == 1 else f"{len(rows)} row sets: " + "; ".join(rows[:3]) + ("; …" if len(rows) > 3 else "")
        out.append(Source(file, text, column))
    return tuple(out)


class Builder:
    """Computes the facts; one method per topic, each small and pure."""

    def __init__(self, ds: Dataset, settings: FactSettings):
        self.ds = ds
        self.s = settings
        self.facts = Facts()
        self.members = members_of(ds)
        self.ref = Index(ds, "referendum")
        self.pop = Index(ds, "population")
        self.gva = Index(ds, "gva", "la_code")
        self.prod = Index(ds, "productivity")
        self.emp = Index(ds, "employment")
        self.pay = Index(ds, "pay")
        self.qual = Index(ds, "qualifications")
        self.biz = Index(ds, "business")
        self.house = Index(ds, "housing")
        self.imd = Index(ds, "imd", "la_code")

    # -- helpers
    def add(self, id: str, value: float | None, unit: str, description: str, inputs: tuple[str, ...] = (),
            **kw) -> Fact:
        """Add a fact; ``inputs`` names the facts it is derived from, whose sources it inherits."""
        if inputs and not kw.get("sources"):
            kw["sources"] = merge_sources([s for i in inputs for s in self.facts[i].sources])
        if value is not None:
            value = float(value)  # never a numpy scalar: cached facts must unpickle without numpy
        if value is not None and (math.isnan(value) or math.isinf(value)):
            value, kw["reason"] = None, kw.get("reason") or "the computation has no finite result"
        if value is not None:
            kw["reason"] = ""
        return self.facts.add(Fact(id, value, unit, description, **kw))

    def year_for(self, setting: int | str, index: Index, column: str) -> int:
        if setting != "latest":
            return int(setting)
        return index.latest_year(ENGLAND, column) or index.latest_year(UK, column) or 0


def compute_facts(ds: Dataset, settings: FactSettings | None = None) -> Facts:
    """Return every fact the documents may print, computed from the dataset."""
    b = Builder(ds, settings or FactSettings())
    _referendum(b)
    _economy(b)
    _people(b)
    _place(b)
    _ranks(b)
    _group_counts(b)
    return b.facts


# --------------------------------------------------------------------------- referendum

REF_COLS = ("leave", "remain", "valid_votes", "electorate", "verified_ballot_papers")


def _sum_ref(b: Builder, codes: list[str]) -> dict[str, float]:
    return {c: sum(b.ref.get(code, c) or 0.0 for code in codes) for c in REF_COLS}


def _ref_facts(b: Builder, prefix: str, who: str, codes: list[str], totals: dict[str, float]) -> None:
    shown = codes if len(codes) <= 6 else [f"all {len(codes)} listed areas"]
    src = lambda col: (b.ref.source(shown, col),)
    leave, remain, valid = totals["leave"], totals["remain"], totals["valid_votes"]
    b.add(f"{prefix}.leave_pct", 100 * leave / valid, "percent", f"Share of valid votes for Leave, {who}, EU referendum 2016",
          year=2016, sources=src("leave") + src("valid_votes"), formula="Leave votes ÷ valid votes × 100")
    b.add(f"{prefix}.remain_pct", 100 * remain / valid, "percent", f"Share of valid votes for Remain, {who}, EU referendum 2016",
          year=2016, sources=src("remain") + src("valid_votes"), formula="Remain votes ÷ valid votes × 100")
    b.add(f"{prefix}.turnout_pct", 100 * totals["verified_ballot_papers"] / totals["electorate"], "percent",
          f"Turnout, {who}, EU referendum 2016", year=2016,
          sources=src("verified_ballot_papers") + src("electorate"),
          formula="verified ballot papers ÷ electorate × 100 (the Electoral Commission's definition)")
    for col, label in (("leave", "Leave votes"), ("remain", "Remain votes"), ("valid_votes", "Valid votes"),
                       ("electorate", "Electorate")):
        b.add(f"{prefix}.{col}", totals[col], "count", f"{label}, {who}, EU referendum 2016", year=2016,
              sources=src(col), formula="sum over counting areas" if len(codes) > 1 else "as published")


def _referendum(b: Builder) -> None:
    all_codes = list(b.ds["referendum"]["area_code"])
    uk = _sum_ref(b, all_codes)
    _ref_facts(b, "uk", "United Kingdom and Gibraltar (382 counting areas)", all_codes, uk)
    b.add("uk.counting_areas", len(all_codes), "count", "Counting areas in the EU referendum 2016", year=2016,
          sources=(b.ref.source(["all"], "area_code"),), formula="number of rows")
    group_codes = [c.la_code for m in b.members for c in m.councils]
    _ref_facts(b, "group", "all members together", group_codes, _sum_ref(b, group_codes))
    for m in b.members:
        codes = [c.la_code for c in m.councils]
        _ref_facts(b, f"city.{m.slug}", m.name, codes, _sum_ref(b, codes))
        diff = b.facts[f"city.{m.slug}.leave_pct"].value - b.facts["uk.leave_pct"].value
        b.add(f"city.{m.slug}.leave_vs_uk_points", diff, "points", f"{m.name}'s Leave share minus the UK's",
              year=2016, formula="member Leave % − UK Leave %", inputs=(f"city.{m.slug}.leave_pct", "uk.leave_pct"))
    above = sum(1 for m in b.members if b.facts[f"city.{m.slug}.leave_pct"].value > b.facts["uk.leave_pct"].value)
    b.add("group.members_above_uk_leave", above, "count", "Members whose Leave share was above the UK's",
          year=2016, formula="count of members with Leave % > UK Leave %",
          inputs=tuple(f"city.{m.slug}.leave_pct" for m in b.members) + ("uk.leave_pct",))
    b.add("group.leave_vs_uk_points", b.facts["group.leave_pct"].value - b.facts["uk.leave_pct"].value, "points",
          "The members' combined Leave share minus the UK's", year=2016, formula="group Leave % − UK Leave %",
          inputs=("group.leave_pct", "uk.leave_pct"))


# --------------------------------------------------------------------------- economy


def _current_codes(m: Member) -> tuple[list[str], str]:
    """Return the councils' current codes, or ([], reason) when a council has none."""
    missing = [c for c in m.councils if not c.current_code]
    if missing:
        return [], missing[0].note or f"{missing[0].la_name} has no current council code"
    return [c.current_code for c in m.councils], ""


def _summed(b: Builder, m: Member, index: Index, column: str, year: int, scale: float = 1.0
            ) -> tuple[float | None, str, list[str]]:
    codes, reason = _current_codes(m)
    if reason:
        return None, reason, codes
    values = [index.get(code, column, year) for code in codes]
    if any(v is None for v in values):
        gone = [c for c, v in zip(codes, values) if v is None]
        return None, f"no figure for {', '.join(gone)} in {year} in {index.file}", codes
    return sum(values) * scale, "", codes


def _published(b: Builder, m: Member, index: Index, column: str, year: int) -> tuple[float | None, str, list[str]]:
    """Return the publisher's figure for the member's own area (combined authority or single council)."""
    if m.multi:
        code = m.code
    else:
        codes, reason = _current_codes(m)
        if reason:
            return None, reason, []
        code = codes[0]
    value = index.get(code, column, year)
    if value is None:
        return None, f"the publisher gives no {year} figure for {m.name} ({code}) in {index.file}", [code]
    return value, "", [code]


def _ratio_member(b: Builder, m: Member, index: Index, column: str, year: int) -> tuple[float | None, str, list[str]]:
    """GVA per job (or hour): published for the member's area, else GVA-weighted harmonic mean of councils."""
    value, reason, codes = _published(b, m, index, column, year)
    if value is not None or not m.multi:
        return value, reason, codes
    codes, reason = _current_codes(m)
    if reason:
        return None, reason, codes
    gva = [b.gva.get(c, "gva_gbp_m", year) for c in codes]
    per = [index.get(c, column, year) for c in codes]
    if any(v is None for v in gva + per):
        return None, f"no {year} figure for every council of {m.name} in {index.file}", codes
    return sum(gva) / sum(g / p for g, p in zip(gva, per)), "", codes


def _economy(b: Builder) -> None:
    y = b.s.base_year
    comp_code, comp_name = (ENGLAND_ITL, "England") if b.s.comparator == "england" else (UK_LESS_EXTRA_REGIO, "the UK")
    for code, prefix, name in ((ENGLAND_ITL, "england", "England"), (UK_LESS_EXTRA_REGIO, "uk", "the UK (less extra-regio)")):
        for col, unit_name in (("gva_per_job_gbp", "GVA per filled job"), ("gva_per_hour_gbp", "GVA per hour worked")):
            b.add(f"{prefix}.{col}", b.prod.get(code, col, y), "GBP", f"{unit_name}, {name}, {y}, current prices",
                  year=y, sources=(b.prod.source([code], col, y),), formula="as published",
                  reason=f"no {y} figure for {code}")
    comparator = b.prod.get(comp_code, "gva_per_job_gbp", y)
    b.add("comparator.gva_per_job_gbp", comparator, "GBP", f"GVA per filled job of the comparator ({comp_name}), {y}",
          year=y, sources=(b.prod.source([comp_code], "gva_per_job_gbp", y),), formula="as published",
          reason=f"no {y} figure for {comp_code}")
    gva = b.ds["gva"]
    uk_gva = math.fsum(v for year, v in zip(gva["year"], gva["gva_gbp_m"]) if year == y) * 1e6
    b.add("uk.gva_gbp", uk_gva, "GBP", f"GVA of all UK councils (UK less extra-regio), {y}, current prices", year=y,
          sources=(b.gva.source(["all councils"], "gva_gbp_m", y),), formula="sum over all councils", style="gbp_bn")
    group_gva, group_jobs, with_gva, group_pop, with_pop = 0.0, 0.0, [], 0.0, []
    for m in b.members:
        p = f"city.{m.slug}"
        gva, reason, codes = _summed(b, m, b.gva, "gva_gbp_m", y, 1e6)
        b.add(f"{p}.gva_gbp", gva, "GBP", f"Gross value added (balanced), {m.name}, {y}, current prices", year=y,
              sources=(b.gva.source(codes or [c.la_code for c in m.councils], "gva_gbp_m", y),),
              formula=AGGREGATION["gva"] + "; £ million × 1,000,000", reason=reason, style="gbp_bn")
        pop, preason, pcodes = _summed(b, m, b.pop, "population", y)
        b.add(f"{p}.population", pop, "people", f"Population, {m.name}, mid-{y}", year=y,
              sources=(b.pop.source(pcodes or [c.la_code for c in m.councils], "population", y),),
              formula=AGGREGATION["population"], reason=preason)
        ly = b.year_for(b.s.population_latest_year, b.pop, "population")
        lpop, lreason, _ = _summed(b, m, b.pop, "population", ly)
        b.add(f"{p}.population_latest", lpop, "people", f"Population, {m.name}, mid-{ly}", year=ly,
              sources=(b.pop.source(pcodes or [c.la_code for c in m.councils], "population", ly),),
              formula=AGGREGATION["population"], reason=lreason)
        for col, agg, label in (("gva_per_job_gbp", "gva_per_job", "GVA per filled job"),
                                ("gva_per_hour_gbp", "gva_per_hour", "GVA per hour worked")):
            value, r, c = _ratio_member(b, m, b.prod, col, y)
            b.add(f"{p}.{col}", value, "GBP", f"{label}, {m.name}, {y}, current prices", year=y,
                  sources=(b.prod.source(c or [m.code], col, y),), formula=AGGREGATION[agg], reason=r)
        gpj = b.facts[f"{p}.gva_per_job_gbp"].value
        rel = None if (gpj is None or comparator is None) else 100 * gpj / comparator
        b.add(f"{p}.productivity_vs_england_pct", rel, "ratio",
              f"GVA per filled job, {m.name}, as a share of {comp_name}'s ({comp_name} = 100), {y}", year=y,
              formula=f"member GVA per filled job ÷ {comp_name} GVA per filled job × 100",
              sources=b.facts[f"{p}.gva_per_job_gbp"].sources + b.facts["comparator.gva_per_job_gbp"].sources,
              reason=b.facts[f"{p}.gva_per_job_gbp"].reason, style="ratio")
        _series_facts(b, m)
        if gva is not None and gpj is not None:
            group_gva += gva
            group_jobs += gva / gpj
            with_gva.append(m)
        if pop is not None:
            group_pop += pop
            with_pop.append(m)
    _group_economy(b, group_gva, group_jobs, with_gva, group_pop, with_pop, comparator, comp_name)
    for suffix, england, label in (("gva_per_job_gbp", "england.gva_per_job_gbp", f"GVA per filled job, {y}"),
                                   ("gva_per_job_gbp_latest", "england.gva_per_job_gbp_latest",
                                    "GVA per filled job, latest year")):
        ids = [f"city.{m.slug}.{suffix}" for m in b.members]
        e = b.facts[england].value
        below = [i for i in ids if b.facts[i].value is not None and e is not None and b.facts[i].value < e]
        b.add(f"group.members_below_england.{suffix}", len(below), "count", f"Members below England on {label}",
              formula="count of members with a figure below England's", inputs=tuple(ids) + (england,))


def _missing_note(b: Builder, have: list[Member]) -> str:
    missing = [m.name for m in b.members if m not in have]
    return "" if not missing else f"; not available for {', '.join(missing)}"


def _group_economy(b, group_gva, group_jobs, with_gva, group_pop, with_pop, comparator, comp_name) -> None:
    y = b.s.base_year
    note = _missing_note(b, with_gva)
    b.add("group.gva_gbp", group_gva if with_gva else None, "GBP", f"GVA of the members together, {y}, current prices{note}",
          year=y, formula="sum of the members' GVA where available", style="gbp_bn",
          sources=(b.gva.source(["member councils"], "gva_gbp_m", y),), reason="no member has GVA")
    b.add("group.gva_year", y, "year", "The year of the GVA and productivity figures", year=y,
          formula="setting facts.base_year", sources=(setting_source("base_year"),))
    b.add("group.gva_members", len(with_gva), "count", f"Members with GVA and GVA per job for {y}", year=y,
          formula="count", inputs=("group.gva_gbp",))
    b.add("group.gva_uk_share_pct", 100 * group_gva / b.facts["uk.gva_gbp"].value if with_gva else None, "percent",
          f"The members' GVA as a share of all UK councils' GVA, {y}", year=y, formula="group GVA ÷ UK GVA × 100",
          reason="no member has GVA", inputs=("group.gva_gbp", "uk.gva_gbp"))
    b.add("group.population", group_pop if with_pop else None, "people",
          f"Population of the members together, mid-{y}{_missing_note(b, with_pop)}", year=y,
          formula="sum of the members' populations where available",
          sources=(b.pop.source(["member councils"], "population", y),), reason="no member has a population")
    b.add("group.population_members", len(with_pop), "count", f"Members with a mid-{y} population", year=y, formula="count",
          inputs=("group.population",))
    gpj = group_gva / group_jobs if group_jobs else None
    b.add("group.gva_per_job_gbp", gpj, "GBP", f"GVA per filled job of the members together, {y}{note}", year=y,
          formula="members' total GVA ÷ members' total filled jobs (each member's GVA ÷ its GVA per filled job)",
          reason="no member has GVA per job",
          inputs=tuple(f"city.{m.slug}.{c}" for m in with_gva for c in ("gva_gbp", "gva_per_job_gbp")))
    ratio = None if (gpj is None or comparator is None) else comparator / gpj
    b.add("group.productivity_vs_england_pct", None if ratio is None else 100 / ratio, "ratio",
          f"The members' GVA per filled job as a share of {comp_name}'s ({comp_name} = 100), {y}", year=y,
          formula=f"group GVA per filled job ÷ {comp_name} GVA per filled job × 100", reason="not computable",
          inputs=("group.gva_per_job_gbp", "comparator.gva_per_job_gbp"))
    _uplift(b, group_gva, ratio, comp_name, note)


def _uplift(b: Builder, group_gva: float, ratio: float | None, comp_name: str, note: str) -> None:
    y, h, g = b.s.base_year, b.s.horizon_years, b.s.growth_pct / 100
    annual = None if ratio is None else group_gva * (ratio - 1)
    factor = h if g == 0 else sum((1 + g) ** t for t in range(h))
    method = (f"If the members' GVA per filled job rose to the {comp_name} average, their {y} output would be "
              f"higher by their GVA × ({comp_name} GVA per filled job ÷ members' GVA per filled job − 1); "
              f"that annual gain is counted over {h} years"
              + (" with no growth" if g == 0 else f", growing {b.s.growth_pct:g}% a year") + f"{note}")
    inputs = ("group.gva_gbp", "group.gva_per_job_gbp", "comparator.gva_per_job_gbp")
    b.add("group.uplift_pct", None if ratio is None else 100 * (ratio - 1), "percent",
          f"How much higher the members' GVA would be at {comp_name}'s productivity, {y}", year=y,
          formula=f"({comp_name} GVA per filled job ÷ members' GVA per filled job − 1) × 100", reason="not computable",
          inputs=inputs)
    b.add("group.uplift_annual_gbp", annual, "GBP", f"Extra GVA a year at {comp_name}'s productivity, {y} prices",
          year=y, formula=method, style="gbp_bn", reason="not computable", inputs=inputs)
    b.add("group.uplift_decade_gbp", None if annual is None else annual * factor, "GBP",
          f"Extra GVA over {h} years at {comp_name}'s productivity, {y} prices", year=y, formula=method,
          style="gbp_bn0", reason="not computable", inputs=inputs + (),
          )
    b.add("group.horizon_years", h, "count", "Years over which the uplift is counted", formula="setting facts.horizon_years",
          sources=(setting_source("horizon_years"),))


def _series_facts(b: Builder, m: Member) -> None:
    """GVA per filled job in the latest year published, for the factsheet's trend sentence."""
    last = b.prod.latest_year(ENGLAND_ITL, "gva_per_job_gbp") or b.s.base_year
    value, reason, codes = _ratio_member(b, m, b.prod, "gva_per_job_gbp", last)
    b.add(f"city.{m.slug}.gva_per_job_gbp_latest", value, "GBP", f"GVA per filled job, {m.name}, {last}", year=last,
          sources=(b.prod.source(codes or [m.code], "gva_per_job_gbp", last),), formula=AGGREGATION["gva_per_job"],
          reason=reason)
    b.add(f"city.{m.slug}.council_count", len(m.councils), "count", f"Councils that make up {m.name}",
          formula="number of rows", sources=(Source(b.ds.path("members"), f"member={m.name}", "la_code"),),
          style="words")
    if "england.gva_per_job_gbp_latest" not in b.facts:
        b.add("england.gva_per_job_gbp_latest", b.prod.get(ENGLAND_ITL, "gva_per_job_gbp", last), "GBP",
              f"GVA per filled job, England, {last}", year=last, formula="as published",
              sources=(b.prod.source([ENGLAND_ITL], "gva_per_job_gbp", last),), reason=f"no {last} figure")
        b.add("group.year.productivity_latest", last, "year", "Latest year of the productivity figures", year=last,
              formula="latest year with an England figure",
              sources=(b.prod.source([ENGLAND_ITL], "gva_per_job_gbp", last),))


# --------------------------------------------------------------------------- people and place

PEOPLE = (
    # (id suffix, index attr, column, year setting, aggregation key, unit, label)
    ("employment_rate_pct", "emp", "employment_rate_pct", "employment_year", "employment_rate", "percent",
     "Employment rate, ages 16–64"),
    ("median_weekly_pay_gbp", "pay", "median_weekly_pay_gbp", "pay_year", "median_pay", "GBP",
     "Gross median weekly pay, all employee jobs, residents"),
    ("level3_plus_pct", "qual", "level3_plus_pct", "qualifications_year", "level3", "percent",
     "Share of 16–64s qualified to Level 3 or above"),
    ("affordability_ratio", "house", "affordability_ratio", "housing_year", "affordability", "ratio",
     "Median house price ÷ median residence-based earnings"),
)


def _people(b: Builder) -> None:
    for suffix, attr, column, setting, agg, unit, label in PEOPLE:
        index: Index = getattr(b, attr)
        year = b.year_for(getattr(b.s, setting), index, column)
        for code, prefix, name in ((ENGLAND, "england", "England"), (UK, "uk", "the UK")):
            value = index.get(code, column, year)
            b.add(f"{prefix}.{suffix}", value, unit, f"{label}, {name}, {year}", year=year,
                  sources=(index.source([code], column, year),), formula="as published",
                  reason=f"the publisher gives no {year} figure for {name}")
        for m in b.members:
            value, reason, codes = _published(b, m, index, column, year)
            if value is None and m.multi:
                reason += "; the figures of its councils are given instead"
            b.add(f"city.{m.slug}.{suffix}", value, unit, f"{label}, {m.name}, {year}", year=year,
                  sources=(index.source(codes or [m.code], column, year),), formula=AGGREGATION[agg], reason=reason)
            for c in m.councils if m.multi else ():
                b.add(f"city.{m.slug}.council.{c.la_code}.{suffix}", index.get(c.current_code, column, year), unit,
                      f"{label}, {c.la_name}, {year}", year=year, formula="as published",
                      sources=(index.source([c.current_code or c.la_code], column, year),),
                      reason=c.note or f"the publisher gives no {year} figure for {c.la_name}")
        below = [m for m in b.members if (v := b.facts[f"city.{m.slug}.{suffix}"].value) is not None
                 and b.facts[f"england.{suffix}"].value is not None and v < b.facts[f"england.{suffix}"].value]
        b.add(f"group.members_below_england.{suffix}", len(below), "count",
              f"Members below England on: {label.lower()}, {year}", year=year, formula="count",
              inputs=tuple(f"city.{m.slug}.{suffix}" for m in b.members) + (f"england.{suffix}",))
        b.add(f"group.year.{suffix}", year, "year", f"Year of the {label.lower()} figures", year=year,
              formula="latest year with an England figure" if getattr(b.s, setting) == "latest" else "setting",
              sources=(setting_source(setting), index.source([ENGLAND], column, year)))


def _place(b: Builder) -> None:
    _business(b)
    _imd(b)


def _business(b: Builder) -> None:
    year = b.year_for(b.s.business_year, b.biz, "birth_rate_pct")
    for code, prefix, name in ((ENGLAND, "england", "England"), (UK, "uk", "the UK")):
        b.add(f"{prefix}.business_birth_rate_pct", b.biz.get(code, "birth_rate_pct", year), "percent",
              f"Business births as a share of active businesses, {name}, {year}", year=year, formula="as published",
              sources=(b.biz.source([code], "birth_rate_pct", year),), reason="not published")
    for m in b.members:
        codes, reason = _current_codes(m)
        rates = [b.biz.get(c, "birth_rate_pct", year) for c in codes]
        active = [b.biz.get(c, "active_businesses", year) for c in codes]
        value = None
        if not reason and codes and all(v is not None for v in rates + active) and sum(active) > 0:
            value = sum(r * a for r, a in zip(rates, active)) / sum(active)
        elif not reason:
            reason = f"no {year} figure for every council of {m.name}"
        b.add(f"city.{m.slug}.business_birth_rate_pct", value, "percent",
              f"Business births as a share of active businesses, {m.name}, {year}", year=year,
              sources=(b.biz.source(codes or [m.code], "birth_rate_pct", year),
                       b.biz.source(codes or [m.code], "active_businesses", year)),
              formula=AGGREGATION["business_births"], reason=reason)
    b.add("group.year.business_birth_rate_pct", year, "year", "Year of the business demography figures", year=year,
          formula="latest year with an England figure", sources=(b.biz.source([ENGLAND], "birth_rate_pct", year),))


def _imd(b: Builder) -> None:
    total = len(b.ds["imd"])
    b.add("england.imd_councils", total, "count", "English councils ranked in the Index of Multiple Deprivation 2019",
          year=2019, formula="number of rows", sources=(b.imd.source(["all"], "la_code"),))
    in_decile = 0
    for m in b.members:
        ranks = []
        for c in m.councils:
            rank = b.imd.get(c.la_code, "imd_rank_of_average_score")
            if rank is not None and rank <= total / 10:
                in_decile += 1
            ranks.append(rank)
            if m.multi:
                b.add(f"city.{m.slug}.council.{c.la_code}.imd_rank", rank, "rank",
                      f"IMD 2019 rank of average score, {c.la_name} (1 = most deprived of {total})", year=2019,
                      sources=(b.imd.source([c.la_code], "imd_rank_of_average_score"),), formula="as published",
                      reason=_imd_reason(c))
        value = ranks[0] if not m.multi else None
        reason = _imd_reason(m.councils[0]) if not m.multi else (
            "IMD ranks are published per council; the ranks of its councils are listed instead")
        b.add(f"city.{m.slug}.imd_rank", value, "rank",
              f"IMD 2019 rank of average score, {m.name} (1 = most deprived of {total} English councils)", year=2019,
              sources=(b.imd.source([c.la_code for c in m.councils], "imd_rank_of_average_score"),),
              formula=AGGREGATION["imd"], reason=reason)
    b.add("group.year.imd", 2019, "year", "Year of the English Indices of Deprivation used", year=2019,
          formula="the 2019 release", sources=(b.imd.source(["all"], "imd_rank_of_average_score"),))
    b.add("group.councils_in_most_deprived_decile", in_decile, "count",
          "Member councils among the most deprived tenth of English councils (IMD 2019, rank of average score)",
          year=2019, formula=f"count of member councils with rank ≤ {total} ÷ 10",
          sources=(b.imd.source(["member councils"], "imd_rank_of_average_score"),))


def _imd_reason(c: Council) -> str:
    if c.la_code.startswith("W"):
        return "the English Index of Multiple Deprivation does not cover Wales (Wales has its own index)"
    if not c.current_code:
        return c.note
    return f"no IMD 2019 rank for {c.la_name} ({c.la_code})"


# --------------------------------------------------------------------------- ranks and counts


def _ranks(b: Builder) -> None:
    for measure, (suffix, high_first, words) in MEASURES.items():
        values = {m.slug: b.facts[f"city.{m.slug}.{suffix}"].value for m in b.members}
        ranked = sorted((v, slug) for slug, v in values.items() if v is not None)
        if high_first:
            ranked.sort(key=lambda t: -t[0])
        order = {}
        for i, (v, slug) in enumerate(ranked):
            # ties share the better rank
            order[slug] = order[ranked[i - 1][1]] if i and ranked[i - 1][0] == v else i + 1
        shared = merge_sources([src for x in b.members for src in b.facts[f"city.{x.slug}.{suffix}"].sources])
        for m in b.members:
            b.add(f"city.{m.slug}.rank.{measure}", order.get(m.slug), "rank",
                  f"{m.name}'s rank among the members by {words}", year=b.facts[f"city.{m.slug}.{suffix}"].year,
                  sources=shared,
                  formula="position among members with a figure; ties share a rank",
                  reason=b.facts[f"city.{m.slug}.{suffix}"].reason or "not ranked")
        b.add(f"group.ranked.{measure}", len(ranked), "count", f"Members ranked by {words}", formula="count",
              sources=shared)


def _group_counts(b: Builder) -> None:
    b.add("group.member_count", len(b.members), "count", "Members of the group", formula="number of members",
          sources=(Source(b.ds.path("members"), "all", "member"),), style="words")
    b.add("group.council_count", sum(len(m.councils) for m in b.members), "count", "Councils making up the members",
          formula="number of rows", sources=(Source(b.ds.path("members"), "all", "la_code"),), style="words")
    b.add("group.founder_count", sum(m.founder for m in b.members), "count", "Founder members (2013)",
          formula="count of founder_2013 = True", style="words",
          sources=(Source(b.ds.path("members"), "all", "founder_2013"),))


# --------------------------------------------------------------------------- chart series


def series_gva(ds: Dataset, members: list[Member]) -> list[tuple[int, float]]:
    """Return (year, total GVA in £) of the members with GVA in every year, for the time-series chart."""
    frame = ds["gva"]
    codes = []
    for m in members:
        c, reason = _current_codes(m)
        if not reason:
            codes += c
    wanted = set(codes)
    totals: dict[int, list[float]] = {}
    for code, year, value in zip(frame["la_code"], frame["year"], frame["gva_gbp_m"]):
        if code in wanted:
            totals.setdefault(int(year), []).append(value)
    return [(y, math.fsum(v) * 1e6) for y, v in sorted(totals.items()) if len(v) == len(codes)]


def chart_series(ds: Dataset, members: list[Member]) -> dict[str, Any]:
    """Return the series the charts need: the members' GVA by year, GVA per job by area code."""
    codes = {"TLB"} | {m.code if m.multi else (m.councils[0].current_code or "") for m in members}
    return {"gva": series_gva(ds, members), "per_job": {c: series_per_job(ds, c) for c in sorted(codes) if c}}


def series_per_job(ds: Dataset, code: str, first: int = 2004) -> list[tuple[int, float | None]]:
    """Return (year, GVA per filled job) for one area code from ``first`` on."""
    index = ds.__dict__.setdefault("_per_job_by_code", {})
    if not index:
        frame = ds["productivity"]
        for c, y, v in zip(frame["area_code"], frame["year"], frame["gva_per_job_gbp"]):
            index.setdefault(c, []).append((int(y), v))
    return [(y, v) for y, v in index.get(code, []) if y >= first]
