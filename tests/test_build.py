"""End to end: build everything from the shipped data, open every DOCX and PDF, find the numbers.

The expected figures come from ``reportgen facts --json`` (the formatted texts), and the Leave
shares are also recomputed here from the referendum CSV with pandas and formatted by hand, so the
test does not only trust the code under test.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from docx import Document as DocxDocument
from pypdf import PdfReader

from .conftest import copy_project, edit_csv

CLI = [sys.executable, "-m", "reportgen.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, check=False)


def docx_text(path: Path) -> str:
    doc = DocxDocument(str(path))
    parts = [p.text for p in doc.paragraphs]

    def cells(tables):
        for t in tables:
            for row in t.rows:
                for cell in row.cells:
                    parts.append(cell.text)
                    cells(cell.tables)

    cells(doc.tables)
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def squash(text: str) -> str:
    return " ".join(text.split())


def digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.suffix in (".docx", ".pdf")}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("e2e") / "proj")
    result = run("build", "--project", str(project))
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture(scope="module")
def facts(built) -> dict[str, dict]:
    out = run("facts", "--json", "--project", str(built)).stdout
    return {f["id"]: f for f in json.loads(out)["facts"]}


def test_every_document_is_written(built: Path):
    out = built / "output"
    members = pd.read_csv(built / "data" / "members.csv")["member"].unique()
    assert (out / "position-paper.docx").is_file() and (out / "position-paper.pdf").is_file()
    assert len(list((out / "factsheets").glob("*.pdf"))) == len(members) == 20
    assert len(list((out / "factsheets").glob("*.docx"))) == 20
    assert (out / "facts.json").is_file() and (out / "CHANGES.md").is_file()


def leave_texts(project: Path) -> dict[str, str]:
    """Leave share per member, recomputed from the CSV and rounded half-up to one decimal."""
    members = pd.read_csv(project / "data" / "members.csv")
    ref = pd.read_csv(project / "data" / "eu_referendum_2016.csv").set_index("area_code")
    out = {}
    for member, rows in members.groupby("member"):
        sub = ref.loc[rows["la_code"]]
        share = Decimal(str(100 * sub["leave"].sum() / sub["valid_votes"].sum()))
        out[member] = f"{share.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    return out


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_every_factsheet_has_its_name_and_key_figures(built: Path, facts, fmt):
    from reportgen.stats import slugify

    leave = leave_texts(built)
    for member, expected_leave in leave.items():
        slug = slugify(member)
        path = built / "output" / "factsheets" / f"{slug}.{fmt}"
        text = squash(docx_text(path) if fmt == "docx" else pdf_text(path))
        assert member in text, (member, fmt)
        assert expected_leave in text, (member, expected_leave)
        for suffix in ("population", "gva_gbp", "productivity_vs_england_pct", "leave_pct", "turnout_pct",
                       "employment_rate_pct"):
            assert facts[f"city.{slug}.{suffix}"]["text"] in text, (member, suffix, fmt)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_paper_prints_the_headline_figures(built: Path, facts, fmt):
    path = built / "output" / f"position-paper.{fmt}"
    text = squash(docx_text(path) if fmt == "docx" else pdf_text(path))
    assert "twenty" in text
    assert facts["group.gva_gbp"]["text"] in text  # £116.6bn
    assert "£216bn" in text  # the uplift, recomputed in test_facts from the CSVs
    assert "59%" in text or "59.4%" in text
    assert "Open Government Licence" in text


def test_bournemouth_and_tees_valley_are_explained(built: Path):
    bm = squash(pdf_text(built / "output" / "factsheets" / "bournemouth.pdf"))
    assert "not available" in bm and "abolished" in bm
    tv = squash(pdf_text(built / "output" / "factsheets" / "tees-valley.pdf"))
    for council in ("Darlington", "Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees"):
        assert council in tv


def test_no_op_rebuild_skips_everything(built: Path):
    before = digests(built / "output")
    result = run("build", "--project", str(built))
    assert result.returncode == 0, result.stderr
    assert "Wrote 0 file(s), skipped 42 unchanged" in result.stdout
    assert "No figures changed" in (built / "output" / "CHANGES.md").read_text()
    assert digests(built / "output") == before


def test_ledger_records_facts_with_where_they_stand(built: Path):
    ledger = json.loads((built / "output" / "facts.json").read_text())
    hull = ledger["documents"]["factsheets/hull"]
    assert hull["template"] == "factsheet.md.j2" and set(hull["files"]) == {"docx", "pdf"}
    entry = next(f for f in hull["facts"] if f["id"] == "city.hull.gva_gbp" and f["where"] == "Output and productivity")
    assert entry["text"] in entry["sentence"] and entry["value"] > 0


def test_check_passes_on_a_fresh_build(built: Path):
    result = run("check", "--project", str(built))
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- incremental builds


@pytest.fixture
def fresh(tmp_path: Path, built: Path) -> Path:
    """A copy of the built project (outputs included) for a test to change."""
    dest = tmp_path / "proj"
    shutil.copytree(built, dest)
    return dest


def gva_line(project: Path, code: str, year: int) -> tuple[int, float]:
    gva = pd.read_csv(project / "data" / "gva.csv")
    idx = gva.index[(gva["la_code"] == code) & (gva["year"] == year)][0]
    return int(idx) + 2, float(gva.at[idx, "gva_gbp_m"])


def test_correction_rebuilds_only_what_prints_it(fresh: Path):
    out = fresh / "output"
    before = digests(out)
    line, old = gva_line(fresh, "E06000010", 2016)  # Hull
    edit_csv(fresh / "data" / "gva.csv", line, "gva_gbp_m", str(old + 400))
    result = run("build", "--project", str(fresh))
    assert result.returncode == 0, result.stderr
    after = digests(out)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"factsheets/hull.docx", "factsheets/hull.pdf", "position-paper.docx", "position-paper.pdf"}
    old_text, new_text = f"£{old / 1000:.1f}bn", f"£{(old + 400) / 1000:.1f}bn"
    changes = (out / "CHANGES.md").read_text()
    assert f"`city.hull.gva_gbp`: {old_text} → {new_text}" in changes
    assert "factsheets/hull" in changes and "Output and productivity" in changes
    assert f"city.hull.gva_gbp: {old_text} → {new_text}" in result.stdout
    assert new_text in squash(pdf_text(out / "factsheets" / "hull.pdf"))
    assert new_text in squash(docx_text(out / "factsheets" / "hull.docx"))


def test_new_member_adds_a_factsheet_and_the_paper_counts_it(fresh: Path):
    members = fresh / "data" / "members.csv"
    members.write_text(members.read_text() + "Gloucester,E07000081,South West,False,E07000081,Gloucester,E07000081,\n")
    result = run("build", "--project", str(fresh))
    assert result.returncode == 0, result.stderr
    out = fresh / "output"
    assert (out / "factsheets" / "gloucester.pdf").is_file() and (out / "factsheets" / "gloucester.docx").is_file()
    assert "twenty-one" in squash(pdf_text(out / "position-paper.pdf"))
    assert "factsheets/gloucester" in (out / "CHANGES.md").read_text()


def test_removed_member_removes_its_outputs(fresh: Path):
    from reportgen.build import _lines_file

    kept = _lines_file(fresh / "output" / ".cache", "factsheets/norwich")
    assert kept.is_file()
    members = fresh / "data" / "members.csv"
    members.write_text("".join(l for l in members.read_text().splitlines(True) if not l.startswith("Norwich,")))
    result = run("build", "--project", str(fresh))
    assert result.returncode == 0, result.stderr
    assert not (fresh / "output" / "factsheets" / "norwich.pdf").exists()
    assert "Removed documents" in (fresh / "output" / "CHANGES.md").read_text()
    assert "factsheets/norwich" not in json.loads((fresh / "output" / "facts.json").read_text())["documents"]
    assert not kept.exists()  # nor its kept line breaking


def test_template_edit_rebuilds_only_documents_that_use_it(fresh: Path):
    out = fresh / "output"
    before = digests(out)
    own = fresh / "templates" / "factsheet" / "hull.md.j2"
    own.parent.mkdir()
    own.write_text((fresh / "templates" / "factsheet.md.j2").read_text().replace(
        "## Place", "## Place and home"))
    result = run("build", "--project", str(fresh))
    assert result.returncode == 0, result.stderr
    after = digests(out)
    assert {k for k in after if after[k] != before[k]} == {"factsheets/hull.docx", "factsheets/hull.pdf"}
    assert "Place and home" in pdf_text(out / "factsheets" / "hull.pdf")


def test_two_builds_are_byte_identical(fresh: Path, tmp_path: Path):
    one, two = tmp_path / "one", tmp_path / "two"
    for out in (one, two):
        assert run("build", "--project", str(fresh), "--out", str(out), "--force").returncode == 0
    assert digests(one) == digests(two)
    assert (one / "facts.json").read_bytes() == (two / "facts.json").read_bytes()


def test_bad_template_fails_and_leaves_outputs_whole(fresh: Path):
    out = fresh / "output"
    before = digests(out)
    t = fresh / "templates" / "factsheet.md.j2"
    t.write_text(t.read_text().replace("{{ m.name }}", "{{ m.nmae }}", 1))
    result = run("build", "--project", str(fresh), "--force")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: templates/factsheet.md.j2:")
    assert "nmae" in result.stderr
    assert digests(out) == before


def test_a_sentence_with_a_note_keeps_the_note_apart_in_the_ledger(built: Path) -> None:
    ledger = json.loads((built / "output" / "facts.json").read_text(encoding="utf-8"))
    sentences = [f["sentence"] for doc in ledger["documents"].values() for f in doc["facts"]]
    noted = [s for s in sentences if "[note: " in s]
    assert noted, "the paper's summary cites a note"
    assert not any(re.search(r"\d{4}The total", s) for s in sentences)  # no note text run into the sentence


def test_stale_bytecode_is_noticed_per_module(tmp_path) -> None:
    import compileall
    import os

    from reportgen.build import _stale_bytecode

    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    for path in (pkg / "__init__.py", pkg / "a.py", pkg / "sub" / "__init__.py", pkg / "sub" / "b.py"):
        path.write_text("X = 1\n")
    assert _stale_bytecode(pkg)  # nothing compiled yet
    assert compileall.compile_dir(str(pkg), quiet=2)
    assert not _stale_bytecode(pkg)
    later = (pkg / "sub" / "b.py").stat().st_mtime_ns + 10**9
    os.utime(pkg / "sub" / "b.py", ns=(later, later))  # edited after it was compiled
    assert _stale_bytecode(pkg)


def test_the_command_leaves_no_worker_behind(project: Path) -> None:
    """`reportgen build` ends without waiting for its workers (cli.run); none may outlive it."""
    import time

    assert run("build", "--project", str(project)).returncode == 0
    edit_csv(project / "data" / "gva.csv", 57, "gva_gbp_m", "1234.5")
    result = run("build", "--project", str(project))  # a rebuild: one worker pool per format
    assert result.returncode == 0, result.stderr
    assert re.search(r"Wrote \d+ file\(s\)", result.stdout)  # the summary got out before the exit
    deadline = time.monotonic() + 5
    while True:
        left = subprocess.run(["pgrep", "-f", f"--project {project}"], capture_output=True, text=True).stdout.split()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert left == [], f"processes still running after the build: {left}"


def test_ctrl_c_during_a_build_says_one_line_and_keeps_the_outputs(project: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group, workers included: the build says it
    was interrupted, in one line, with no worker traceback, and the last outputs are intact."""
    import os
    import signal
    import time

    assert run("build", "--project", str(project)).returncode == 0
    before = digests(project / "output")
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "build", "--force", "--project", str(project)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(0.6)  # the workers are rendering by now
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the build finished before the interrupt")
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "reportgen: interrupted; previous outputs are intact" in err
    time.sleep(0.3)
    assert digests(project / "output") == before


def test_stale_temporaries_in_the_cache_go_and_this_builds_stay(tmp_path: Path) -> None:
    """A build killed while writing its cache leaves NAME.PID.tmp files there; the next build
    removes those, but not a temporary written since it started (a worker's, about to be renamed)."""
    import os
    import time

    from reportgen.build import remove_stale_temporaries

    cache = tmp_path / "out" / ".cache"
    (cache / "pdf-lines").mkdir(parents=True)
    stale = [cache / "gva.csv.abc.pickle.123.tmp", cache / ".font.def.pickle.456.tmp",
             cache / "pdf-lines" / ".0123abcd.pickle.77.tmp"]
    for path in stale:
        path.write_bytes(b"half")
        os.utime(path, (time.time() - 60, time.time() - 60))
    start = time.time() - 1
    fresh = cache / ".font.ghi.pickle.789.tmp"
    fresh.write_bytes(b"being written")
    keep = cache / "gva.csv.abc.pickle"
    keep.write_bytes(b"entry")
    remove_stale_temporaries(tmp_path / "out", cache_older_than=start)
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and keep.exists()
