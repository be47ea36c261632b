"""Every hostile input in cases.CASES, through the real CLI in a subprocess.

Each case breaks its own copy of a project that has already been built once (so output/ holds a
previous factsheet, its ledger and the data cache), then runs ``python -m reportgen.cli build``. An
error case must exit 1 (2 for bad usage) with exactly one stderr line matching its expected message,
no traceback, and must leave every file in output/ as it was, with no temporary file. A must-work
case must exit 0 and leave complete documents. The subprocesses run a few at a time.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .cases import BUILD_OK, CASES, Case
from .helpers import copy_project, docx_text, pdf_text, run_cli

PARALLEL = max(2, min(4, (os.cpu_count() or 2)))


def snapshot(out: Path) -> dict[str, str]:
    """Return path → sha256 of every file in ``out`` (the data cache aside)."""
    if not out.is_dir():
        return {}
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and ".cache" not in p.relative_to(out).parts}


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> Path:
    """A project built once (Hull's factsheet), the starting point of every case."""
    project = copy_project(tmp_path_factory.mktemp("warm") / "proj")
    run = run_cli(*BUILD_OK, "--project", str(project))
    assert run.returncode == 0, run.stderr
    return project


@pytest.fixture(scope="module")
def results(tmp_path_factory, warm) -> dict[str, tuple[Path, dict[str, str], subprocess.CompletedProcess]]:
    base = tmp_path_factory.mktemp("cases")

    def one(case: Case):
        project = base / case.name
        shutil.copytree(warm, project)
        before = snapshot(project / "output")
        case.mutate(project)
        return case.name, (project, before, run_cli(*case.args, "--project", str(project)))

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(pool.map(one, CASES))


def test_enough_cases():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, results):
    project, before, run = results[case.name]
    err = run.stderr.strip()
    assert "Traceback" not in run.stderr, err
    assert run.returncode == case.status, err
    out = project / "output"
    if case.expect is None:
        assert not any(line.startswith("error") for line in err.splitlines()), err
        assert "Hull" in docx_text(out / "factsheets" / "hull.docx")
        assert "Hull" in pdf_text(out / "factsheets" / "hull.pdf")
        return
    assert len(err.splitlines()) == 1, f"expected one line, got:\n{err}"
    assert re.fullmatch(case.expect, err), f"{err!r} does not match {case.expect!r}"
    if out.is_dir():
        assert snapshot(out) == before, "a failed build changed output/"
    assert not list(project.rglob(".*.tmp")), "temporary files left behind"
