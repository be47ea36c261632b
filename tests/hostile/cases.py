"""The table of hostile inputs: how each case breaks a copy of the project, and what it must give.

Each case is run through the real CLI in a subprocess (see test_cases.py). ``expect`` is a regular
expression that the whole of stderr (stripped) must match, so it is exactly one line; ``status`` is
the exit status. Must-work cases (status 0) give ``expect=None`` and only need a clean build.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..conftest import edit_csv

# Every error case builds one factsheet only: validation runs on all data and templates anyway.
BUILD = ("build", "--city", "Blackpool", "--jobs", "1")
# Must-work cases build one small factsheet as PDF and DOCX.
BUILD_OK = ("build", "--city", "Hull", "--jobs", "1")


@dataclass(frozen=True)
class Case:
    name: str
    what: str  # how the project is broken, for CASES.md
    mutate: Callable[[Path], None]
    expect: str | None  # regex for the single stderr line (None: must work)
    status: int = 1
    args: tuple[str, ...] = BUILD
    tags: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- small mutations


def cell(file: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    return lambda p: edit_csv(p / "data" / file, line, column, value)


def write_bytes(rel: str, data: bytes) -> Callable[[Path], None]:
    return lambda p: (p / rel).write_bytes(data)


def replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        path = p / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return go


def append(rel: str, text: str) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        path = p / rel
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return go


def remove(rel: str) -> Callable[[Path], None]:
    return lambda p: (p / rel).unlink()


def template_line(line: int, text: str, template: str = "templates/factsheet.md.j2") -> Callable[[Path], None]:
    """Insert ``text`` as line ``line`` of a template (the old line ``line`` moves down)."""
    def go(p: Path) -> None:
        path = p / template
        lines = path.read_text(encoding="utf-8").split("\n")
        lines.insert(line - 1, text)
        path.write_text("\n".join(lines), encoding="utf-8")
    return go


def drop_column(file: str, column: str) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        path = p / "data" / file
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        col = rows[0].index(column)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([r[:col] + r[col + 1:] for r in rows])
        path.write_text(out.getvalue(), encoding="utf-8")
    return go


def add_column(file: str, column: str, value: str) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        path = p / "data" / file
        lines = path.read_text(encoding="utf-8").splitlines()
        lines = [lines[0] + f",{column}"] + [line + f",{value}" for line in lines[1:]]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return go


def duplicate_row(file: str, line: int) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        path = p / "data" / file
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(lines + [lines[line - 1]]) + "\n", encoding="utf-8")
    return go


def header_only(file: str) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        path = p / "data" / file
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return go


def truncate(file: str) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        path = p / "data" / file
        data = path.read_bytes()
        cut = data.index(b"\n", len(data) // 2) + 12  # 12 bytes into a row: mid-field
        path.write_bytes(data[:cut])
    return go


def bom_crlf(*files: str) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        for name in files:
            path = p / "data" / name
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    return go


def latin1(file: str, old: str, new: str) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        path = p / "data" / file
        path.write_bytes(path.read_bytes().replace(old.encode(), new.encode("latin-1"), 1))
    return go


def toml_set(old: str, new: str) -> Callable[[Path], None]:
    return replace("reportgen.toml", old, new)


def theme_set(old: str, new: str) -> Callable[[Path], None]:
    return replace("templates/theme.toml", old, new)


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def go(p: Path) -> None:
        for step in steps:
            step(p)
    return go


def lit(text: str) -> str:
    """A regex matching ``text`` literally."""
    return re.escape(text)


def err(text: str) -> str:
    """A regex matching ``error: text`` literally."""
    return re.escape(f"error: {text}")


# the rows this suite touches (line numbers count the header as line 1)
MEMBER = "Atlantis,E06999999,South West,False,E06999999,Atlantis,E06999999,\n"
FS = "templates/factsheet.md.j2"
FS_LINE = 5  # an inserted template line lands here (after `{% set p = ... %}`)

CASES: list[Case] = [
    # ---- data: cells
    Case("not-a-number", "gva.csv line 57, gva_gbp_m = 'n/a'", cell("gva.csv", 57, "gva_gbp_m", "n/a"),
         err("data/gva.csv:57: column 'gva_gbp_m': 'n/a' is not a number")),
    Case("infinity", "productivity.csv line 2, gva_per_job_gbp = 'inf'", cell("productivity.csv", 2, "gva_per_job_gbp", "inf"),
         err("data/productivity.csv:2: column 'gva_per_job_gbp': 'inf' is not a number")),
    Case("negative-population", "population.csv line 9, population = -3", cell("population.csv", 9, "population", "-3"),
         err("data/population.csv:9: column 'population': -3 is below the minimum 1")),
    Case("absurd-population", "population.csv line 9, population = 900000000",
         cell("population.csv", 9, "population", "900000000"),
         err("data/population.csv:9: column 'population': 900000000 is above the maximum 1e+08")),
    Case("percentage-over-100", "employment.csv line 2, employment_rate_pct = 101",
         cell("employment.csv", 2, "employment_rate_pct", "101"),
         err("data/employment.csv:2: column 'employment_rate_pct': 101 is above the maximum 100")),
    Case("leave-remain-mismatch", "eu_referendum_2016.csv line 2, leave + 1 (Leave + Remain ≠ valid votes)",
         cell("eu_referendum_2016.csv", 2, "leave", "32072"),
         err("data/eu_referendum_2016.csv:2: column 'valid_votes': Leave + Remain does not equal valid votes")),
    Case("fractional-year", "gva.csv line 4, year = 2016.5", cell("gva.csv", 4, "year", "2016.5"),
         err("data/gva.csv:4: column 'year': '2016.5' is not a whole number")),
    Case("bad-boolean", "gva.csv line 5, provisional = 'maybe'", cell("gva.csv", 5, "provisional", "maybe"),
         err("data/gva.csv:5: column 'provisional': 'maybe' is not true or false")),
    Case("bad-code", "gva.csv line 7, la_code = 'HULL'", cell("gva.csv", 7, "la_code", "HULL"),
         err("data/gva.csv:7: column 'la_code': 'HULL' is not a valid code")),
    Case("empty-cell", "gva.csv line 6, la_code empty", cell("gva.csv", 6, "la_code", ""),
         err("data/gva.csv:6: column 'la_code': is empty")),
    Case("control-character", "members.csv line 2, member name contains BEL (\\x07)",
         cell("members.csv", 2, "member", "Black\x07pool"),
         err("data/members.csv:2: column 'member': contains a control character")),
    # ---- data: structure
    Case("missing-column", "imd2019.csv without its imd_average_score column",
         drop_column("imd2019.csv", "imd_average_score"), err("data/imd2019.csv:1: missing column 'imd_average_score'")),
    Case("unknown-column", "gva.csv with an extra column 'comment' (strict file)", add_column("gva.csv", "comment", "x"),
         err("data/gva.csv:1: unknown column 'comment' (expected: ") + r"[a-z_, ]+\)"),
    Case("duplicate-council", "members.csv: line 6 (E06000010) repeated at the end", duplicate_row("members.csv", 6),
         err("data/members.csv:26: column 'la_code': duplicate la_code=E06000015 (first at line 6)")),
    Case("unknown-council", "members.csv: a member 'Atlantis' whose council E06999999 does not exist",
         append("data/members.csv", MEMBER),
         err("data/members.csv:26: column 'la_code': council 'E06999999' is not a counting area in "
             "data/eu_referendum_2016.csv")),
    Case("empty-file", "housing.csv is empty (0 bytes)", write_bytes("data/housing.csv", b""),
         err("data/housing.csv: file is empty")),
    Case("header-only", "pay.csv has its header and no rows", header_only("pay.csv"),
         err("data/pay.csv:1: no data rows (only a header)")),
    Case("truncated", "gva.csv cut off in the middle of a row", truncate("gva.csv"),
         r"error: data/gva\.csv:\d+: expected 5 fields, found \d; is the row truncated\?"),
    Case("unclosed-quote", "members.csv ends with a row whose quote is never closed",
         append("data/members.csv", 'Carlisle,"E07000028\n'),
         r"error: data/members\.csv:26: malformed CSV \(.+\); is the file truncated\?"),
    Case("not-utf8", "members.csv has a Latin-1 é on line 17", latin1("members.csv", "Southend-on-Sea", "Southend-on-Séa"),
         err("data/members.csv:17: not valid UTF-8 (byte 0xe9); save the file as UTF-8")),
    Case("missing-data-file", "data/gva.csv deleted", remove("data/gva.csv"), err("data/gva.csv: file not found")),
    Case("bom-crlf", "members.csv and gva.csv saved with a UTF-8 BOM and CRLF line ends (must work)",
         bom_crlf("members.csv", "gva.csv"), None, 0, BUILD_OK),
    # ---- settings
    Case("malformed-toml", "reportgen.toml: `[build` (unclosed table header)", toml_set("[build]", "[build"),
         r"error: \S*reportgen\.toml:22: Expected ']' at the end of a table declaration \(column 7\)"),
    Case("toml-not-utf8", "reportgen.toml: a Latin-1 byte in a comment on line 4",
         lambda p: (p / "reportgen.toml").write_bytes((p / "reportgen.toml").read_bytes().replace(
             b"printed in footers", "printed \xe0 footers".encode("latin-1"), 1)),
         r"error: \S*reportgen\.toml:4: not valid UTF-8 \(byte 0xe0\); save the file as UTF-8"),
    Case("unknown-setting", "reportgen.toml: [build] colour = \"red\"", toml_set("[build]", "[build]\ncolour = \"red\""),
         r"error: \S*reportgen\.toml: unknown setting build\.colour \(known: formats, jobs, print\)"),
    Case("unknown-section", "reportgen.toml: a section [extras]", append("reportgen.toml", "\n[extras]\nx = 1\n"),
         r"error: \S*reportgen\.toml: unknown section \[extras\] \(known: .+\)"),
    Case("setting-wrong-type", "reportgen.toml: jobs = \"two\"", toml_set("jobs = 0", 'jobs = "two"'),
         r"error: \S*reportgen\.toml: build\.jobs: 'two' is not valid"),
    Case("setting-out-of-range", "reportgen.toml: base_year = 1990", toml_set("base_year = 2016", "base_year = 1990"),
         r"error: \S*reportgen\.toml: facts\.base_year: 1990 is outside the GVA data \(1998–2019\)"),
    Case("no-settings-file", "reportgen.toml deleted", remove("reportgen.toml"),
         r"error: \S+reportgen\.toml: no reportgen\.toml here \(use --project DIR\)"),
    # ---- theme and assets
    Case("missing-reference-docx", "templates/reference.docx deleted", remove("templates/reference.docx"),
         r"error: \S*templates/reference\.docx: reference\.docx not found \(.+\)"),
    Case("missing-font", "theme.toml: fonts.bold = \"fonts/NoSuchFont-Bold.ttf\"",
         theme_set('"dejavu:DejaVuSans-Bold.ttf"', '"fonts/NoSuchFont-Bold.ttf"'),
         r"error: \S*templates/theme\.toml: fonts\.bold: font file 'fonts/NoSuchFont-Bold\.ttf' does not exist"),
    Case("malformed-theme", "theme.toml: `body = ` (a key with no value) on line 14",
         theme_set("body = 10", "body = "), r"error: \S*templates/theme\.toml:14: Invalid value \(column 8\)"),
    Case("theme-not-utf8", "theme.toml: a Latin-1 byte on line 2",
         lambda p: (p / "templates/theme.toml").write_bytes((p / "templates/theme.toml").read_bytes().replace(
             b"Colours are", "Colo\xfcrs are".encode("latin-1"), 1)),
         r"error: \S*templates/theme\.toml:2: not valid UTF-8 \(byte 0xfc\); save the file as UTF-8"),
    Case("bad-colour", "theme.toml: primary = \"navy\"", theme_set('primary = "#12436D"', 'primary = "navy"'),
         r"error: \S*templates/theme\.toml: colours\.primary: 'navy' is not a #RRGGBB colour"),
    # ---- templates
    Case("undefined-name", "factsheet template prints {{ nonesuch }}", template_line(FS_LINE, "{{ nonesuch }}"),
         err(f"{FS}:{FS_LINE}: 'nonesuch' is undefined")),
    Case("template-syntax", "factsheet template has `{% if %}` with no condition", template_line(FS_LINE, "{% if %}x{% endif %}"),
         rf"error: {re.escape(FS)}:{FS_LINE}: .+"),
    Case("unknown-fact", "factsheet template asks for fact('city.nowhere.gva')",
         template_line(FS_LINE, "{{ fact('city.nowhere.gva') }}"), err(f"{FS}:{FS_LINE}: unknown fact 'city.nowhere.gva'")),
    Case("bad-directive-argument", "factsheet template: `:::{chart} barh` becomes `:::{chart} pie`",
         replace(FS, ":::{chart} barh", ":::{chart} pie"),
         err(f"{FS}:42: :::{{chart}} kind must be bar, barh or line (got 'pie')")),
    Case("missing-template", "templates/factsheet.md.j2 deleted", remove(FS),
         r"error: \S*templates/factsheet\.md\.j2: template not found"),
    Case("missing-include", "factsheet template includes a template that does not exist",
         template_line(FS_LINE, '{% include "nowhere.md.j2" %}'), r"error: \S*templates/nowhere\.md\.j2: template not found"),
    Case("sandbox-escape", "factsheet template reads ''.__class__.__mro__",
         template_line(FS_LINE, "{{ ''.__class__.__mro__ }}"), rf"error: {re.escape(FS)}:{FS_LINE}: .*unsafe.*"),
    Case("sandbox-format", "factsheet template calls '{0.__class__}'.format(1)",
         template_line(FS_LINE, "{{ '{0.__class__}'.format(1) }}"), rf"error: {re.escape(FS)}:{FS_LINE}: .*unsafe.*"),
    Case("division-by-zero", "factsheet template prints {{ 1 / 0 }}", template_line(FS_LINE, "{{ 1 / 0 }}"),
         rf"error: {re.escape(FS)}:{FS_LINE}: .*division by zero"),
    Case("endless-recursion", "factsheet template: a macro that calls itself for ever",
         template_line(FS_LINE, "{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}"),
         rf"error: {re.escape(FS)}:{FS_LINE}: .*recursion.*"),
    Case("template-not-utf8", "factsheet template holds a Latin-1 byte", lambda p: (p / FS).write_bytes(
         (p / FS).read_bytes().replace(b"## Output", "## Outp\xe9t".encode("latin-1"), 1)),
         r"error: \S*templates/factsheet\.md\.j2(:\d+)?: not valid UTF-8.*"),
    Case("huge-range", "factsheet template loops over range(10**9)",
         template_line(FS_LINE, "{% for i in range(10**9) %}{% endfor %}"),
         rf"error: {re.escape(FS)}:{FS_LINE}: Range too big\..*"),
    Case("unknown-directive", "factsheet template opens `:::{pie}`", template_line(FS_LINE, ":::{pie}\n:::"),
         rf"error: {re.escape(FS)}:{FS_LINE}: .*pie.*"),
    Case("garbage-reference-docx", "templates/reference.docx is not a Word file (plain text)",
         write_bytes("templates/reference.docx", b"this is not a docx"),
         r"error: \S*templates/reference\.docx: .+"),
    Case("output-is-a-file", "the output folder is a plain file", both(lambda p: shutil.rmtree(p / "output"),
                                                                         write_bytes("output", b"x")),
         r"error: \S*output: .+"),
    Case("nul-byte", "members.csv line 3, the note holds a NUL byte", cell("members.csv", 3, "note", "a\x00b"),
         err("data/members.csv:3: column 'note': contains a control character")),
    Case("empty-member-name", "members.csv line 2, member name is blank", cell("members.csv", 2, "member", "  "),
         err("data/members.csv:2: column 'member': is empty")),
    # ---- usage (exit 2)
    Case("bad-format", "--format odt", lambda p: None, lit("reportgen: unknown format 'odt' (known: docx, pdf)"), 2,
         ("build", "--city", "Hull", "--format", "odt")),
    Case("unknown-city", "--city Atlantis", lambda p: None, r"reportgen: unknown city 'Atlantis' \(known: .+\)", 2,
         ("build", "--city", "Atlantis", "--jobs", "1")),
    Case("zero-jobs", "--jobs 0", lambda p: None, lit("reportgen: --jobs must be 1 or more"), 2,
         ("build", "--city", "Hull", "--jobs", "0")),
]
