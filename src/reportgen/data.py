"""CSV files → validated tables (the Dataset).

Each file in ``data/`` has one Schema: its columns with types and ranges, its
unique key, and row checks. Any violation is a ``DataError`` whose message is one
line naming the file, the line and the column::

    data/gva.csv:57: column 'gva_gbp_m': 'n/a' is not a number

UTF-8 with or without a byte-order mark, LF or CRLF line ends are all accepted.
Line numbers count the header as line 1.

A table is plain columns (lists) read with the standard library's ``csv`` module.
pandas is not used here on purpose: importing it costs 0.35–0.5 s on a 2-core
machine, the whole budget of a rebuild after one correction (issue #6), while
these files are small (the largest has 8,228 rows) and every check needs each
row's line number anyway. The tests recompute the facts with pandas, from the
CSVs, as an independent route.
"""

from __future__ import annotations

import csv
import functools
import glob
import io
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CODE = r"[A-Z][0-9]{8}"
COUNTING_AREA = rf"{CODE}|GI"  # Gibraltar counted in the EU referendum
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PADDED = re.compile(r"^[^\S\n]|[^\S\n]$", re.MULTILINE)  # a cell with a leading or trailing space
MAX_ERRORS_PER_FILE = 10


class DataError(ValueError):
    """One or more data problems; ``str()`` is one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"  # str | int | float | bool
    required: bool = True  # an empty cell is an error
    min: float | None = None
    max: float | None = None
    pattern: str | None = None  # full-match regex for str columns


@dataclass(frozen=True)
class Schema:
    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    strict: bool = True  # unknown extra columns are errors
    row_checks: tuple[Callable[[Table], tuple[list[int], str]], ...] = ()
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


class Table:
    """One validated file: its columns by name (lists, one value per row) and each row's line.

    Whole-number columns hold ints, other number columns floats; an empty optional cell is None.
    """

    __slots__ = ("columns", "lines")

    def __init__(self, columns: dict[str, list], lines: list[int]):
        self.columns = columns
        self.lines = lines

    def __getitem__(self, name: str) -> list:
        return self.columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __len__(self) -> int:
        return len(self.lines)

    def __getstate__(self) -> tuple[dict[str, list], list[int]]:
        return self.columns, self.lines

    def __setstate__(self, state: tuple[dict[str, list], list[int]]) -> None:
        self.columns, self.lines = state

    def rows(self) -> list[dict[str, object]]:
        """Return the rows as dicts (column → value), in file order."""
        names = list(self.columns)
        return [dict(zip(names, values)) for values in zip(*self.columns.values())]


def _votes_add_up(t: Table) -> tuple[list[int], str]:
    bad = [i for i, (l, r, v) in enumerate(zip(t["leave"], t["remain"], t["valid_votes"])) if l + r != v]
    return bad, "column 'valid_votes': Leave + Remain does not equal valid votes"


def _valid_within_ballots(t: Table) -> tuple[list[int], str]:
    bad = [i for i, (v, e) in enumerate(zip(t["valid_votes"], t["electorate"])) if v > e]
    return bad, "column 'valid_votes': more valid votes than electors"


AREA = Column("area_code", pattern=rf"{CODE}|GI|TL[A-Z0-9]{{1,4}}")
YEAR = Column("year", "int", min=1990, max=2100)


def _explore(file: str, *value_cols: Column, extra: tuple[Column, ...] = ()) -> Schema:
    return Schema(file, (AREA, Column("area_name"), Column("geography"), YEAR, *value_cols, *extra),
                  key=("area_code", "year"))


SCHEMAS: dict[str, Schema] = {
    "members": Schema(
        "members.csv",
        (Column("member"), Column("member_code", pattern=COUNTING_AREA), Column("region"),
         Column("founder_2013", "bool"), Column("la_code", pattern=COUNTING_AREA), Column("la_name"),
         Column("current_la_code", required=False, pattern=COUNTING_AREA), Column("note", required=False)),
        key=("la_code",),
        description="members of the group, one row per council",
    ),
    "referendum": Schema(
        "eu_referendum_2016.csv",
        (AREA, Column("area_name"), Column("region_code", pattern=CODE), Column("region_name"),
         Column("electorate", "int", min=1), Column("verified_ballot_papers", "int", min=0),
         Column("valid_votes", "int", min=1), Column("remain", "int", min=0), Column("leave", "int", min=0),
         Column("rejected_ballots", "int", min=0)),
        key=("area_code",),
        row_checks=(_votes_add_up, _valid_within_ballots),
    ),
    "population": Schema(
        "population.csv",
        (AREA, Column("area_name"), Column("geography"), YEAR,
         Column("population", "int", min=1, max=100_000_000)),
        key=("area_code", "year"),
    ),
    "gva": Schema(
        "gva.csv",
        (Column("la_code", pattern=CODE), Column("la_name"), YEAR,
         Column("gva_gbp_m", "float", min=0, max=5_000_000), Column("provisional", "bool")),
        key=("la_code", "year"),
    ),
    "productivity": _explore(
        "productivity.csv",
        Column("gva_per_job_gbp", "float", required=False, min=1000, max=10_000_000),
        Column("gva_per_hour_gbp", "float", required=False, min=1, max=10_000),
    ),
    "employment": _explore(
        "employment.csv", Column("employment_rate_pct", "float", required=False, min=0, max=100),
        extra=(Column("notes", required=False),),
    ),
    "pay": _explore(
        "pay.csv", Column("median_weekly_pay_gbp", "float", required=False, min=0, max=100_000),
        extra=(Column("status", required=False, pattern="[ux]?"),),
    ),
    "qualifications": _explore(
        "qualifications.csv", Column("level3_plus_pct", "float", required=False, min=0, max=100)),
    "business": _explore(
        "business.csv",
        Column("active_businesses", "float", required=False, min=0, max=100_000_000),
        Column("birth_rate_pct", "float", required=False, min=0, max=100),
    ),
    "housing": _explore(
        "housing.csv", Column("affordability_ratio", "float", required=False, min=0, max=200)),
    "imd": Schema(
        "imd2019.csv",
        (Column("la_code", pattern=CODE), Column("la_name"), Column("imd_average_score", "float", min=0, max=100),
         Column("imd_rank_of_average_score", "int", min=1, max=1000),
         Column("imd_rank_of_average_rank", "int", min=1, max=1000),
         Column("imd_share_most_deprived_10pct", "float", min=0, max=1),
         Column("imd_rank_of_share_most_deprived_10pct", "int", min=1, max=1000)),
        key=("la_code",),
    ),
}


@dataclass
class Dataset:
    """The validated tables, by schema name, and the path each came from."""

    frames: dict[str, Table]
    paths: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # sha256 of each file

    def __getitem__(self, name: str) -> Table:
        return self.frames[name]

    def path(self, name: str) -> str:
        return self.paths[name]


# --------------------------------------------------------------------------- reading


def read_rows(path: Path, label: str, raw: bytes | None = None) -> tuple[list[str], list[list[str]], list[int]]:
    """Return (header, rows, line numbers) of a CSV (whose bytes are ``raw`` when given);
    raise DataError for unreadable files."""
    try:
        raw = path.read_bytes() if raw is None else raw
    except FileNotFoundError:
        raise DataError([f"{label}: file not found"]) from None
    except OSError as exc:
        raise DataError([f"{label}: cannot read ({exc.strerror})"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError([f"{label}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"]) from None
    if not text.strip():
        raise DataError([f"{label}: file is empty"])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = next(reader)
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError([f"{label}:{reader.line_num}: malformed CSV ({exc}); is the file truncated?"]) from None
    return [h.strip() for h in header], rows, lines


def load_frame(path: Path, schema: Schema, label: str | None = None, raw: bytes | None = None) -> Table:
    """Return the validated table of one file (whose bytes are ``raw`` when given); raise
    DataError listing its problems.

    The table has the schema's columns, converted to their kinds (a missing optional
    value is None), and each row's line number.
    """
    label = label or str(path)
    header, rows, lines = read_rows(path, label, raw)
    problems = _check_header(header, schema, label)
    if problems:
        raise DataError(problems)
    if not rows:
        raise DataError([f"{label}:1: no data rows (only a header)"])
    width = len(header)
    for row, line in zip(rows, lines):
        if len(row) != width:
            problems.append(f"{label}:{line}: expected {width} fields, found {len(row)}; is the row truncated?")
            if len(problems) >= MAX_ERRORS_PER_FILE:
                break
    if problems:
        raise DataError(problems)
    columns = dict(zip(header, zip(*rows)))
    data: dict[str, list] = {}
    for col in schema.columns:
        data[col.name] = _convert(columns[col.name], col, lines, label, problems)
        if col.kind == "str":  # one object per distinct text: the cached pickle is half the size
            canon: dict[str, str] = {}  # and loads twice as fast, and lookups compare by identity
            data[col.name] = [v if v is None else canon.setdefault(v, v) for v in data[col.name]]
    frame = Table(data, lines)
    if not problems:
        problems += _check_key(frame, schema, label)
        problems += _check_rows(frame, schema, label)
    if problems:
        raise DataError(problems[:MAX_ERRORS_PER_FILE])
    return frame


def _check_header(header: list[str], schema: Schema, label: str) -> list[str]:
    problems = []
    seen = set()
    for i, name in enumerate(header, 1):
        if name in seen:
            problems.append(f"{label}:1: column '{name}' appears twice")
        seen.add(name)
        if schema.strict and name not in schema.names:
            problems.append(f"{label}:1: unknown column '{name}' (expected: {', '.join(schema.names)})")
    for name in schema.names:
        if name not in seen:
            problems.append(f"{label}:1: missing column '{name}'")
    return problems


def _convert(values: list[str], col: Column, lines: list[int], label: str, problems: list[str]) -> list:
    """Return the column's values converted to its kind; append a message per bad cell."""
    fast = _fast_column(values, col)
    if fast is not None:
        return fast
    where = f"column '{col.name}'"
    out: list = []
    pattern = re.compile(col.pattern) if col.pattern else None
    for i, text in enumerate(values):
        value, message = _cell(text.strip(), col, pattern)
        if message and len(problems) < MAX_ERRORS_PER_FILE:
            problems.append(f"{label}:{lines[i]}: {where}: {message}")
        out.append(value)
    return out


def _fast_column(values: list[str], col: Column) -> list | None:
    """Return the converted column when every cell is plainly valid, else None (check cell by cell)."""
    if col.required and not all(values):
        return None
    joined = "\n".join(values)
    if CONTROL.search(joined) or _PADDED.search(joined):
        return None
    if col.kind == "str":
        if col.pattern:
            pattern = re.compile(col.pattern)
            if not all(pattern.fullmatch(v) for v in values if v):
                return None
        return [v if v else None for v in values]
    if col.kind == "bool":
        try:
            return [BOOLS[v.lower()] if v else False for v in values]
        except KeyError:
            return None
    if any(c in joined for c in ",_"):  # thousands separators: checked cell by cell
        return None
    try:
        convert = int if col.kind == "int" else float
        numbers = [convert(v) if v else None for v in values]
    except ValueError:
        return None
    real = [n for n in numbers if n is not None]
    if col.kind == "float" and not all(math.isfinite(n) for n in real):
        return None
    if (col.min is not None and any(n < col.min for n in real)) or (col.max is not None and any(n > col.max for n in real)):
        return None
    return numbers


def _cell(text: str, col: Column, pattern: re.Pattern[str] | None) -> tuple[object, str]:
    """Return (value, problem) for one cell; problem is '' when the cell is valid."""
    if text == "":
        missing = False if col.kind == "bool" else None
        return missing, ("is empty" if col.required else "")
    if col.kind == "str":
        if CONTROL.search(text):
            return text, "contains a control character"
        if pattern is not None and not pattern.fullmatch(text):
            return text, f"'{text}' is not a valid code"
        return text, ""
    if col.kind == "bool":
        lowered = text.lower()
        if lowered not in BOOLS:
            return False, f"'{text}' is not true or false"
        return BOOLS[lowered], ""
    number: int | float
    try:
        # a whole number is read exactly, as the fast path reads a column (float() rounds above 2**53)
        number = int(text.replace(",", "")) if col.kind == "int" else float(text.replace(",", ""))
    except ValueError:
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return None, f"'{text}' is not a number"
    if isinstance(number, float) and not math.isfinite(number):
        return None, f"'{text}' is not a number"
    if col.kind == "int" and isinstance(number, float):
        if not number.is_integer():
            return number, f"'{text}' is not a whole number"
        number = int(number)
    if col.min is not None and number < col.min:
        return number, f"{text} is below the minimum {col.min:g}"
    if col.max is not None and number > col.max:
        return number, f"{text} is above the maximum {col.max:g}"
    return number, ""


BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _check_key(frame: Table, schema: Schema, label: str) -> list[str]:
    first: dict[tuple, int] = {}
    problems = []
    for i, key in enumerate(zip(*(frame[k] for k in schema.key))):
        if key not in first:
            first[key] = frame.lines[i]
            continue
        key_values = ", ".join(f"{k}={_show(v)}" for k, v in zip(schema.key, key))
        problems.append(f"{label}:{frame.lines[i]}: column '{schema.key[0]}': duplicate {key_values} "
                        f"(first at line {first[key]})")
        if len(problems) >= MAX_ERRORS_PER_FILE:
            break
    return problems


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_rows(frame: Table, schema: Schema, label: str) -> list[str]:
    problems = []
    for check in schema.row_checks:
        bad, message = check(frame)
        for i in bad[:MAX_ERRORS_PER_FILE]:
            problems.append(f"{label}:{frame.lines[i]}: {message}")
    return problems


# --------------------------------------------------------------------------- the dataset


@functools.cache
def _code_version() -> str:
    """Return a digest of this module's source: a change to a schema or to the table layout
    invalidates every cached table, with no version number to remember to bump."""
    import hashlib

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def load_dataset(data_dir: Path, members_file: Path | None = None, label_root: Path | None = None,
                 cache_dir: Path | None = None) -> Dataset:
    """Return every frame of ``data_dir`` validated, plus cross-file checks.

    All files are checked before failing, so one run reports every problem. With ``cache_dir``,
    a file whose bytes were validated before is read from a pickle keyed by its sha256, so an
    unchanged file is not parsed again (a changed file always is).
    """
    frames: dict[str, Table] = {}
    paths: dict[str, str] = {}
    problems: list[str] = []
    digests: dict[str, str] = {}
    for name, schema in SCHEMAS.items():
        path = members_file if (name == "members" and members_file) else data_dir / schema.file
        label = _label(path, label_root)
        paths[name] = label
        try:
            frames[name], digests[name] = _cached_frame(path, schema, label, cache_dir)
        except DataError as exc:
            problems += exc.problems
    if not problems:
        problems += _cross_checks(frames, paths)
    if problems:
        raise DataError(problems)
    return Dataset(frames, paths, digests)


def _cached_frame(path: Path, schema: Schema, label: str, cache_dir: Path | None) -> tuple[Table, str]:
    """Return (validated table, sha256 of the file), from the cache when the bytes are unchanged.

    A changed file is patched (see ``_patched_frame``) when only a few of its lines changed
    since the cached version, and read in full otherwise.
    """
    import pickle

    from . import files

    raw: bytes | None = None
    try:
        # the digest alone first: an unchanged file's bytes need not be read (files.load)
        digest = files.digest(path) if cache_dir else files.read(path)[1]
    except OSError:
        digest = ""
    cached = cache_dir / f"{schema.file}.{_code_version()}.{digest[:32]}.pickle" if cache_dir and digest else None
    if cached is not None and cached.is_file():
        try:
            with open(cached, "rb") as fh:
                return pickle.load(fh), digest
        except Exception:  # noqa: BLE001 - a damaged cache entry is simply rebuilt
            cached.unlink(missing_ok=True)
    if digest:
        try:
            raw, digest = files.read(path)
        except OSError:
            raw, digest = None, ""
        cached = cache_dir / f"{schema.file}.{_code_version()}.{digest[:32]}.pickle" if cache_dir and digest else None
    frame = None
    if cached is not None and raw is not None:
        frame = _patched_frame(raw, schema, label, cached.parent)
    if frame is None:
        frame = load_frame(path, schema, label, raw)
    if cached is not None and raw is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            for suffix in (".pickle", ".csv"):
                for old in cached.parent.glob(glob.escape(f"{schema.file}.") + "*" + suffix):
                    old.unlink(missing_ok=True)
            copy = cached.with_suffix(".csv")  # the bytes the table was read from: what a patch diffs against
            tmp = copy.with_name(copy.name + f".{os.getpid()}.tmp")
            tmp.write_bytes(raw)
            os.replace(tmp, copy)
            tmp = cached.with_name(cached.name + f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cached)
        except OSError:
            pass  # the cache is an optimisation; a read-only or odd output folder just goes without
    return frame, digest


MAX_PATCHED_LINES = 64


def _patched_frame(raw: bytes, schema: Schema, label: str, cache_dir: Path) -> Table | None:
    """Return the table of ``raw``, made from the cached table of the file's previous version by
    converting only the lines that changed, or None when that cannot be done safely.

    A correction changes a cell or a few; reading, splitting and converting the whole file
    again (gva.csv: 8,228 rows) took 50 ms of a 0.5 s rebuild. The patch applies only when
    the file has the same number of lines and the same header, at most ``MAX_PATCHED_LINES``
    lines differ, and each of those was a one-line record and still is exactly one valid
    record. Every cell of a changed line goes through the same conversion as a full read
    (``_cell``), and the key and row checks run on the whole patched table. Anything else,
    including any problem at all, returns None: the full read then says what is wrong, in
    the usual words and order.
    """
    import bisect
    import hashlib
    import pickle

    prefix = f"{schema.file}.{_code_version()}."
    previous = list(cache_dir.glob(glob.escape(prefix) + "*.pickle"))
    if len(previous) != 1:
        return None
    try:
        old_raw = previous[0].with_suffix(".csv").read_bytes()
        if hashlib.sha256(old_raw).hexdigest()[:32] != previous[0].stem.rsplit(".", 1)[-1]:
            return None  # not the bytes the cached table was read from
        with open(previous[0], "rb") as fh:
            frame = pickle.load(fh)
        raw.decode("utf-8-sig")  # still UTF-8 throughout (else the full read says where it is not)
    except Exception:  # noqa: BLE001 - no usable previous version
        return None
    if not isinstance(frame, Table) or not frame.lines:
        return None
    old_lines, new_lines = old_raw.split(b"\n"), raw.split(b"\n")
    if len(old_lines) != len(new_lines) or old_lines[0] != new_lines[0]:
        return None
    changed = [j for j, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    if not changed or len(changed) > MAX_PATCHED_LINES:
        return None
    header = _one_record(new_lines[0].decode("utf-8-sig"))
    if header is None:
        return None
    header = [h.strip() for h in header]
    if _check_header(header, schema, label):
        return None
    where = {col.name: header.index(col.name) for col in schema.columns}
    patterns = {col.name: re.compile(col.pattern) if col.pattern else None for col in schema.columns}
    keys_changed = False
    for j in changed:
        line = j + 1  # line numbers count from 1
        i = bisect.bisect_left(frame.lines, line)
        # the old line held exactly record i: record i ends on it, and the record before ends on the line before
        if i >= len(frame.lines) or frame.lines[i] != line or (frame.lines[i - 1] if i else 1) != line - 1:
            return None
        row = _one_record(new_lines[j].decode("utf-8"))
        if row is None or len(row) != len(header) or (len(row) == 1 and not row[0].strip()):
            return None
        for col in schema.columns:
            value, message = _cell(row[where[col.name]].strip(), col, patterns[col.name])
            if message:
                return None
            if col.name in schema.key and frame.columns[col.name][i] != value:
                keys_changed = True
            frame.columns[col.name][i] = value
    # The cached table passed every check; its keys were unique, and stay so unless a key changed
    # (the check over the whole table took 4 ms of a rebuild that corrects a value).
    if (keys_changed and _check_key(frame, schema, label)) or _check_rows(frame, schema, label):
        return None
    return frame


def _one_record(text: str) -> list[str] | None:
    """Return the one CSV record in ``text`` (a line), or None when it holds none or several or is malformed."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return None
    return records[0] if len(records) == 1 and records[0] else None


def _label(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def _cross_checks(frames: dict[str, Table], paths: dict[str, str]) -> list[str]:
    """Return problems that span files: members whose councils are unknown or inconsistent."""
    members = frames["members"]
    label = paths["members"]
    problems = []
    known = set(frames["referendum"]["area_code"])
    rows = members.rows()
    for row, line in zip(rows, members.lines):
        if row["la_code"] not in known:
            problems.append(f"{label}:{line}: column 'la_code': council '{row['la_code']}' is not a "
                            f"counting area in {paths['referendum']}")
    for column in ("member_code", "region", "founder_2013"):
        values: dict[str, set] = {}
        last: dict[str, int] = {}
        for row, line in zip(rows, members.lines):
            values.setdefault(row["member"], set()).add(row[column])
            last[row["member"]] = line
        for member in sorted(m for m, v in values.items() if len(v) > 1):
            problems.append(f"{label}:{last[member]}: column '{column}': member '{member}' has different values "
                            f"on different rows")
    names: dict[str, set] = {}
    last_code: dict[str, int] = {}
    for row, line in zip(rows, members.lines):
        names.setdefault(row["member_code"], set()).add(row["member"])
        last_code[row["member_code"]] = line
    for code in sorted(c for c, v in names.items() if len(v) > 1):
        problems.append(f"{label}:{last_code[code]}: column 'member_code': '{code}' is used by two members")
    return problems
