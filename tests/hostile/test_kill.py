"""Nothing lost: SIGKILL a build at random moments; every output stays whole.

The invariant, checked after every kill:

* every document that existed before the killed build still exists, and is either byte-for-byte
  the previous complete file or a new complete one (PDF: header, %%EOF, every page parses with
  pypdf in strict mode; DOCX: a sound zip that python-docx opens);
* the ledger output/facts.json, when present, is valid JSON, and every file it lists exists; the
  sha256 it gives for a file is the hash of *some complete version* of that file, either the current
  one or an earlier one. It may lag behind (a killed build replaced the file after the ledger was
  written; the next build sees the hash mismatch and rebuilds it) but it never names a file or a hash
  that was not written whole;
* no worker of the killed build is left running (they die with it).

After the last kill an ordinary (incremental, not --force) build must finish and leave the ledger
exactly matching the files, no temporary file, and the figures of the last data.

Each round changes Hull's and Blackpool's 2016 population, so that each build writes new bytes and
"old or new" is a real question. Kill moments come from a seeded random generator: odd rounds at any
moment of the build, even rounds within 0.3 s after the build's first file (or temporary file) appears,
so that some kills land while documents are being written.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time
import zipfile
from pathlib import Path

from pypdf import PdfReader

from ..conftest import edit_csv
from .helpers import CLI, cli_env, copy_project, docx_text, pdf_text

CITIES = ("Hull", "Blackpool")
POPULATION_ROWS = {"Hull": 197, "Blackpool": 177}  # data/population.csv lines of their 2016 rows
KILLS = 6
SEED = 20161

Versions = dict[str, set[str]]  # relative path → sha256 of every complete version seen


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def documents(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): sha(p) for p in sorted(out.rglob("*")) if p.suffix in (".docx", ".pdf")}


def assert_complete(path: Path) -> None:
    """Fail unless ``path`` is a whole PDF or DOCX."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], f"{path.name}: truncated PDF"
        reader = PdfReader(str(path), strict=True)
        assert len(reader.pages) >= 1
        assert "Key Cities" in pdf_text(path)
    else:
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None, f"{path.name}: corrupt zip member"
        assert docx_text(path).strip(), f"{path.name}: empty DOCX"


def mtimes(out: Path) -> dict[str, int]:
    """Return name → mtime of the documents and temporary files (cheap to poll)."""
    found = {}
    for folder in (out, out / "factsheets"):
        try:
            with os.scandir(folder) as entries:
                found.update({e.name: e.stat().st_mtime_ns for e in entries if e.is_file()})
        except OSError:
            pass
    return found


def set_population(project: Path, value: int) -> None:
    for line in POPULATION_ROWS.values():
        edit_csv(project / "data" / "population.csv", line, "population", str(value))


def live_in_group(pgid: int) -> list[int]:
    """Return the pids of the process group that are still running (zombies do not count)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def start_build(project: Path, force: bool = True) -> subprocess.Popen:
    """Start a build in its own process group; stderr goes to PROJECT/../build.err."""
    args = [*CLI, "build", "--project", str(project), "--city", *CITIES] + (["--force"] if force else [])
    with open(project.parent / "build.err", "wb") as err:
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=cli_env(), start_new_session=True)


def build_err(project: Path) -> str:
    return (project.parent / "build.err").read_text(encoding="utf-8", errors="replace")


def check_invariant(out: Path, before: dict[str, str], versions: Versions) -> None:
    now = documents(out)
    assert set(before) <= set(now), f"lost: {set(before) - set(now)}"
    for rel, digest in now.items():
        if digest != before.get(rel):
            assert_complete(out / rel)  # a new version must be whole
        versions.setdefault(rel, set()).add(digest)
    ledger = out / "facts.json"
    if ledger.exists():
        listed = json.loads(ledger.read_text(encoding="utf-8"))["documents"]
        for doc in listed.values():
            for entry in doc["files"].values():
                path = out / entry["path"]
                assert path.is_file(), f"the ledger lists {entry['path']}, which is not there"
                assert entry["sha256"] in versions.get(entry["path"], set()), \
                    f"the ledger's hash of {entry['path']} is not a complete version of it"


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path):
    rng = random.Random(SEED)
    project = copy_project(tmp_path / "proj")
    out = project / "output"
    started = time.perf_counter()
    first = start_build(project)
    assert first.wait(timeout=120) == 0, build_err(project)
    duration = time.perf_counter() - started
    versions: Versions = {}
    check_invariant(out, {}, versions)
    kills = []
    for round_ in range(1, KILLS + 1):
        set_population(project, 200_000 + 1_000 * round_)
        before = documents(out)
        stamps = mtimes(out)
        proc = start_build(project)
        t0 = time.perf_counter()
        if round_ % 2:  # any moment of the build
            time.sleep(rng.uniform(0.05, max(0.5, duration)))
        else:  # while it writes: just after the first file appears
            while proc.poll() is None and mtimes(out) == stamps and time.perf_counter() - t0 < 60:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.3))
        delay = time.perf_counter() - t0
        status = proc.poll()
        if status is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        kills.append((round(delay, 2), "finished first" if status is not None else "killed"))
        deadline = time.monotonic() + 10
        while live_in_group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        orphans = live_in_group(proc.pid)
        if orphans:
            os.killpg(proc.pid, signal.SIGKILL)
        assert not orphans, f"workers of the killed build still running: {orphans}"
        check_invariant(out, before, versions)
        changed = sum(1 for rel, digest in documents(out).items() if digest != before.get(rel))
        kills[-1] += (f"{changed} of {len(before)} documents replaced",)
    print("kills (seconds after start, outcome):", kills)
    last = 200_000 + 1_000 * KILLS
    final = start_build(project, force=False)
    assert final.wait(timeout=120) == 0, build_err(project)
    check_invariant(out, {}, versions)
    ledger = json.loads((out / "facts.json").read_text(encoding="utf-8"))["documents"]
    for name in ("factsheets/hull", "factsheets/blackpool"):
        for entry in ledger[name]["files"].values():
            assert sha(out / entry["path"]) == entry["sha256"], f"{entry['path']}: ledger and file differ"
        population = [f for f in ledger[name]["facts"] if f["id"].endswith(".population")]
        assert population and population[0]["value"] == last, kills
        assert population[0]["text"] in " ".join(pdf_text(out / f"{name}.pdf").split())
    assert not [p for p in out.rglob("*.tmp")], "temporary files left after a complete build"
