#!/usr/bin/env python3
"""Benchmark reportgen: medians of several cold runs, peak memory, and time per stage.

    python benchmarks/bench.py [--runs 5] [--skip-scale] [--skip-alternative] [--only 2,3]

Each run is a separate process (`python -m reportgen.cli build ...`) on a throw-away copy of the
project, so imports are included. Peak memory is the largest resident set of any one process of
the run (the main process or a worker), read with getrusage in a wrapper process that reaps
the workers too.

Scenarios:
  1. full build, paper + factsheets, DOCX + PDF, --force (and 1b: with output/.cache emptied first)
  2. incremental rebuild after changing one member's GVA
  3. no-op rebuild
  4. --jobs 1 against --jobs 2 (full build)
  5. scale: every one of the 382 referendum counting areas as a member, factsheets only, both formats
  6. time per stage, from one instrumented in-process run
  7. (if docxtpl and soffice are installed) the usual alternative: docxtpl + `soffice --convert-to pdf`
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

# The wrapper is a "child subreaper" (Linux): reportgen's command exits without waiting for its
# workers (they are terminated and die on their own), so they are re-parented to the wrapper
# rather than to init, and reaped here after the timing; so their peak memory is counted.
WRAPPER = r"""
import ctypes, os, resource, subprocess, sys, time
try:
    ctypes.CDLL(None, use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
except (OSError, AttributeError):
    pass
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
if rc.returncode:
    sys.stderr.write(rc.stderr.decode()); sys.exit(rc.returncode)
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "reportgen.toml", dest / "reportgen.toml")
    shutil.copytree(ROOT / "data", dest / "data", dirs_exist_ok=True)
    shutil.copytree(ROOT / "templates", dest / "templates", dirs_exist_ok=True)
    return dest


def timed(args: list[str], env: dict | None = None) -> tuple[float, float]:
    """Return (wall seconds, peak RSS in MB of the largest process) of one cold run."""
    out = subprocess.run([PY, "-c", WRAPPER, PY, "-m", "reportgen.cli", *args], capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    if out.returncode:
        raise SystemExit(f"benchmark run failed: {' '.join(args)}\n{out.stderr}")
    wall, rss = out.stdout.split()
    return float(wall), int(rss) / 1024


def median_of(fn, runs: int) -> tuple[float, float, float, float]:
    """Return (median, min, max, peak MB) over ``runs`` calls of ``fn`` (each returns wall, rss)."""
    results = [fn() for _ in range(runs)]
    walls = [r[0] for r in results]
    return statistics.median(walls), min(walls), max(walls), max(r[1] for r in results)


def row(name: str, stats: tuple[float, float, float, float], target: str = "") -> str:
    med, lo, hi, mb = stats
    return f"| {name} | {med:.2f} | {lo:.2f}–{hi:.2f} | {mb:.0f} | {target} |"


def bump_gva(project: Path, code: str = "E06000010", year: str = "2016", delta: float = 1.0) -> None:
    path = project / "data" / "gva.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    for r in rows[1:]:
        if r[0] == code and r[2] == year:
            r[3] = repr(float(r[3]) + delta)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def watch_latency(project: Path, runs: int) -> tuple[float, float, float, float]:
    """Return (median, min, max, peak MB) of save-to-report times of a warm ``reportgen watch``.

    Each time includes waiting for the next look at the inputs (every 0.1 s) and the settle time.
    """
    import re
    import signal

    proc = subprocess.Popen([PY, "-m", "reportgen.cli", "watch", "--project", str(project)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None

    def wait_for(pattern: str) -> str:
        for line in proc.stdout:
            if re.search(pattern, line):
                return line
        raise SystemExit(f"watch ended before {pattern!r}")

    walls = []
    try:
        wait_for("^Watching")
        for i in range(runs):
            time.sleep(0.3)
            t = time.perf_counter()
            bump_gva(project, delta=100.0 if i % 2 == 0 else -100.0)
            wait_for(r"^\[data/gva.csv\] wrote")
            walls.append(time.perf_counter() - t)
        rss = 0.0
        try:
            import resource  # noqa: F401
            status = Path(f"/proc/{proc.pid}/status").read_text()
            rss = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        except (OSError, AttributeError):
            pass
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.stdout.close()
    return statistics.median(walls), min(walls), max(walls), rss


def scale_project(dest: Path) -> tuple[Path, list[str]]:
    """Return a project whose members are all 382 counting areas, and their codes."""
    project = copy_project(dest)
    ref = list(csv.DictReader((project / "data" / "eu_referendum_2016.csv").open(encoding="utf-8")))
    with (project / "data" / "members.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["member", "member_code", "region", "founder_2013", "la_code", "la_name", "current_la_code", "note"])
        for r in ref:
            code = r["area_code"]
            w.writerow([r["area_name"], code, r["region_name"], "False", code, r["area_name"], code, ""])
    return project, [r["area_code"] for r in ref]


def stages() -> list[tuple[str, float]]:
    """Time each stage once, in this process (imports included), on a copy of the project."""
    out: list[tuple[str, float]] = []
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        out.append((name, now - t))
        t = now

    import jinja2  # noqa: F401
    import docx  # noqa: F401
    import reportlab.platypus  # noqa: F401
    lap("import (jinja2, python-docx, reportlab)")
    from reportgen.build import _parse_all, _render, context_for, plan  # noqa: F401
    from reportgen.config import load_config
    from reportgen.data import load_dataset
    from reportgen.pipeline import Project
    from reportgen.stats import chart_series, compute_facts, members_of
    from reportgen.templating import Renderer
    from reportgen.theme import load_theme
    from reportgen.writers import get_writer
    lap("import (reportgen)")
    config = load_config(ROOT)
    ds = load_dataset(config.data_dir, config.members_file, config.root)
    lap("load + validate data")
    facts = compute_facts(ds, config.facts)
    members = members_of(ds)
    project = Project(config, facts, members, chart_series(ds, members), ds)
    lap("facts")
    renderer = Renderer(config.templates_dir, facts)
    rendered = [_render(renderer, project, t) for t in plan(project, config, None)]
    lap(f"templates ({len(rendered)} documents)")
    _parse_all(rendered, renderer)
    lap("Markdown → Document")
    theme = load_theme(config.theme_file)
    docx_w, pdf_w = get_writer("docx"), get_writer("pdf")
    lap("writers: import and theme")
    for r in rendered:
        docx_w.render(r.document, theme, reference_docx=config.reference_docx)
    lap("DOCX (all documents, one process)")
    for r in rendered:
        pdf_w.render(r.document, theme)
    lap("PDF (all documents, one process)")
    return out


def alternative(runs: int) -> str | None:
    """Time docxtpl + one soffice call for the same factsheets, if both are installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    try:
        import docxtpl  # noqa: F401
    except ImportError:
        return "docxtpl not installed: alternative not timed"
    if not soffice:
        return "LibreOffice not installed: alternative not timed"
    script = ROOT / "benchmarks" / "alternative.py"
    if not script.is_file():
        return "benchmarks/alternative.py missing"
    totals = []
    for _ in range(runs):
        out = subprocess.run([PY, str(script)], check=True, capture_output=True, text=True).stdout
        totals.append(float(out.rsplit("total", 1)[1].split()[0]))
    return f"{statistics.median(totals):.2f} s (text only, no charts; median of {runs}; last run: {out.strip()})"


def speed_index() -> tuple[float, float]:
    """Return (ms for a fixed pure-Python workload, ms to start an interpreter that does nothing),
    medians of 7. This machine's speed drifts by 25–40% within an hour (a shared VM); printed
    before and after the table, they say whether two tables were measured on a like machine."""
    work, start = [], []
    for _ in range(7):
        t = time.perf_counter()
        sum(i * i for i in range(300_000))
        work.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([PY, "-c", "pass"], check=True)
        start.append(time.perf_counter() - t)
    return statistics.median(work) * 1000, statistics.median(start) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-alternative", action="store_true")
    ap.add_argument("--only", metavar="N,N", help="only these scenarios, by number (1-7), e.g. --only 2")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else set("1234567")
    print(f"reportgen benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.runs} runs each")
    print("machine speed before: fixed workload %.0f ms, empty interpreter start %.0f ms\n" % speed_index())
    print("| scenario | median s | range s | peak MB | target |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        proj = copy_project(Path(tmp) / "proj")
        p = ["--project", str(proj)]
        timed(["build", *p])  # warm the OS file cache once
        if "1" in only:
            full = median_of(lambda: timed(["build", *p, "--force"]), args.runs)
            print(row("1. full build, paper + 20 factsheets, DOCX + PDF (--force)", full, "≤ 1.5 s"))

            def cold():
                shutil.rmtree(proj / "output" / ".cache", ignore_errors=True)
                return timed(["build", *p, "--force"])
            print(row("1b. the same with the cache emptied (data parsed, facts computed)", median_of(cold, args.runs)))

        sign = [1.0]

        def incremental():  # alternately up and down, so Hull's ranks never drift between runs
            bump_gva(proj, delta=100.0 * sign[0])
            sign[0] = -sign[0]
            return timed(["build", *p])
        if "2" in only:
            print(row("2. rebuild after one correction", median_of(incremental, args.runs), "≤ 0.5 s"))
            print(row("2w. the same correction under `reportgen watch` (save → report printed)",
                      watch_latency(proj, args.runs), "—"))
        if "3" in only:
            print(row("3. no-op rebuild", median_of(lambda: timed(["build", *p]), args.runs), "≤ 0.4 s"))
        for jobs in (1, 2) if "4" in only else ():
            print(row(f"4. full build --jobs {jobs}", median_of(lambda: timed(["build", *p, "--force", "--jobs", str(jobs)]),
                                                             args.runs)))
        if not args.skip_scale and "5" in only:
            sproj, codes = scale_project(Path(tmp) / "scale")
            s = median_of(lambda: timed(["build", "--project", str(sproj), "--force", "--city", *codes]),
                          max(1, args.runs // 2))
            print(row(f"5. scale: {len(codes)} factsheets, DOCX + PDF", s, "≤ 15 s, ≤ 300 MB"))
    if "6" in only:
        print("\n6. time per stage (one in-process run, jobs = 1):\n")
        print("| stage | s |")
        print("|---|---|")
        for name, secs in stages():
            print(f"| {name} | {secs:.3f} |")
    if not args.skip_alternative and "7" in only:
        alt = alternative(max(1, args.runs // 2))
        print(f"\n7. docxtpl + soffice for the same factsheets: {alt}")
    print("\nmachine speed after: fixed workload %.0f ms, empty interpreter start %.0f ms" % speed_index())
    return 0


if __name__ == "__main__":
    sys.exit(main())
