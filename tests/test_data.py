"""Every schema error path gives its one-line message naming file, line and column."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.data import DataError, load_dataset

from .conftest import edit_csv


def problems(project: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load_dataset(project / "data", label_root=project)
    return info.value.problems


@pytest.mark.parametrize(
    "file, line, column, value, expected",
    [
        ("gva.csv", 57, "gva_gbp_m", "n/a", "data/gva.csv:57: column 'gva_gbp_m': 'n/a' is not a number"),
        ("gva.csv", 3, "gva_gbp_m", "-5", "data/gva.csv:3: column 'gva_gbp_m': -5 is below the minimum 0"),
        ("gva.csv", 4, "year", "2016.5", "data/gva.csv:4: column 'year': '2016.5' is not a whole number"),
        ("gva.csv", 5, "provisional", "maybe", "data/gva.csv:5: column 'provisional': 'maybe' is not true or false"),
        ("gva.csv", 6, "la_code", "", "data/gva.csv:6: column 'la_code': is empty"),
        ("gva.csv", 7, "la_code", "HULL", "data/gva.csv:7: column 'la_code': 'HULL' is not a valid code"),
        ("population.csv", 9, "population", "-3", "data/population.csv:9: column 'population': -3 is below the minimum 1"),
        ("population.csv", 9, "population", "900000000",
         "data/population.csv:9: column 'population': 900000000 is above the maximum 1e+08"),
        ("employment.csv", 2, "employment_rate_pct", "101",
         "data/employment.csv:2: column 'employment_rate_pct': 101 is above the maximum 100"),
        ("eu_referendum_2016.csv", 2, "leave", "32072",
         "data/eu_referendum_2016.csv:2: column 'valid_votes': Leave + Remain does not equal valid votes"),
        ("productivity.csv", 2, "gva_per_job_gbp", "inf",
         "data/productivity.csv:2: column 'gva_per_job_gbp': 'inf' is not a number"),
        ("members.csv", 2, "member", "Black\x07pool", "data/members.csv:2: column 'member': contains a control character"),
    ],
)
def test_bad_cell(project: Path, file, line, column, value, expected):
    edit_csv(project / "data" / file, line, column, value)
    assert expected in problems(project)


def test_duplicate_key(project: Path):
    path = project / "data" / "members.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[5]]) + "\n")
    msg = problems(project)
    assert msg == [f"data/members.csv:{len(lines) + 1}: column 'la_code': duplicate la_code=E06000010 (first at line 6)"] \
        or any("duplicate la_code" in m for m in msg)


def test_missing_and_unknown_columns(project: Path):
    path = project / "data" / "imd2019.csv"
    text = path.read_text().replace("imd_average_score,", "imd_avg_score,", 1)
    path.write_text(text)
    msg = problems(project)
    assert "data/imd2019.csv:1: unknown column 'imd_avg_score' (expected: la_code, la_name, imd_average_score, " \
           "imd_rank_of_average_score, imd_rank_of_average_rank, imd_share_most_deprived_10pct, " \
           "imd_rank_of_share_most_deprived_10pct)" in msg
    assert "data/imd2019.csv:1: missing column 'imd_average_score'" in msg


def test_empty_and_header_only_files(project: Path):
    (project / "data" / "housing.csv").write_text("")
    head = (project / "data" / "pay.csv").read_text().splitlines()[0]
    (project / "data" / "pay.csv").write_text(head + "\n")
    msg = problems(project)
    assert "data/housing.csv: file is empty" in msg
    assert "data/pay.csv:1: no data rows (only a header)" in msg


def test_truncated_file(project: Path):
    path = project / "data" / "gva.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut mid-row
    msg = problems(project)
    assert len(msg) == 1 and msg[0].startswith("data/gva.csv:") and "truncated" in msg[0]


def test_unclosed_quote(project: Path):
    path = project / "data" / "members.csv"
    path.write_text(path.read_text() + 'Carlisle,"E07000028\n')
    msg = problems(project)
    assert msg[0].startswith("data/members.csv:26:") and "malformed CSV" in msg[0]


def test_not_utf8(project: Path):
    path = project / "data" / "members.csv"
    path.write_bytes(path.read_bytes().replace(b"Southend-on-Sea", "Southend-on-Séa".encode("latin-1"), 1))
    msg = problems(project)
    assert len(msg) == 1 and "data/members.csv:17: not valid UTF-8 (byte 0xe9)" in msg[0]


def test_bom_and_crlf_are_accepted(project: Path):
    for name in ("members.csv", "gva.csv"):
        path = project / "data" / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    ds = load_dataset(project / "data", label_root=project)
    assert len(ds["members"]) == 24 and len(ds["gva"]) == 8228


def test_member_with_unknown_council(project: Path):
    path = project / "data" / "members.csv"
    path.write_text(path.read_text() + "Atlantis,E06999999,South West,False,E06999999,Atlantis,E06999999,\n")
    assert problems(project) == [
        "data/members.csv:26: column 'la_code': council 'E06999999' is not a counting area in data/eu_referendum_2016.csv"]


def test_member_rows_disagree(project: Path):
    path = project / "data" / "members.csv"
    edit_csv(path, 22, "region", "Wales")  # one of Tees Valley's five rows
    assert any("member 'Tees Valley' has different values" in m for m in problems(project))


def test_cli_prints_one_line_per_problem_and_exits_1(project: Path):
    edit_csv(project / "data" / "gva.csv", 57, "gva_gbp_m", "n/a")
    run = subprocess.run([sys.executable, "-m", "reportgen.cli", "facts", "--project", str(project)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == ["error: data/gva.csv:57: column 'gva_gbp_m': 'n/a' is not a number"]
