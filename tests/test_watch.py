"""``reportgen watch``: a warm process that rebuilds on every save, writes what a cold build would
write, reports bad input in one line and keeps the previous outputs, and stops cleanly."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen.build import Options, build
from reportgen.watch import Watcher, snapshot

from .conftest import copy_project, edit_csv


def digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.suffix in (".docx", ".pdf")}


def bump_hull_gva(project: Path, delta: float = 250.0) -> None:
    path = project / "data" / "gva.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    line, row = next((i, r) for i, r in enumerate(rows, 2) if r["la_code"] == "E06000010" and r["year"] == "2016")
    edit_csv(path, line, "gva_gbp_m", repr(float(row["gva_gbp_m"]) + delta))


def touch_later(path: Path) -> None:
    """Make sure the next look sees a new modification time even on a coarse clock."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def watcher(tmp_path: Path):
    project = copy_project(tmp_path / "proj")
    lines: list[str] = []
    w = Watcher(Options(project=project, jobs=2), interval=0.01, settle=0.01, emit=lines.append)
    w.lines = lines  # type: ignore[attr-defined]
    w.build_once("start")
    yield w
    w.close()


def test_a_correction_rebuilds_the_documents_that_print_it_and_reports_the_change(watcher, tmp_path: Path):
    project = watcher.opts.project
    assert watcher.step() is None  # nothing changed: no build
    bump_hull_gva(project)
    touch_later(project / "data" / "gva.csv")
    summary = watcher.step()
    assert summary is not None
    assert sorted(summary.written) == ["factsheets/hull.docx", "factsheets/hull.pdf",
                                       "position-paper.docx", "position-paper.pdf"]
    report = "\n".join(watcher.lines)
    assert "city.hull.gva_gbp" in report and "[data/gva.csv] wrote 4 file(s)" in report
    scratch = tmp_path / "scratch"
    build(Options(project=project, out=scratch, force=True, jobs=2))
    assert digests(project / "output") == digests(scratch)


def test_bad_input_is_one_line_and_the_outputs_stay_then_a_fix_builds(watcher):
    project = watcher.opts.project
    out = project / "output"
    before = digests(out)
    gva = project / "data" / "gva.csv"
    good = gva.read_text(encoding="utf-8")
    gva.write_text(good + "E06000010,Hull,2030,n/a,False\n", encoding="utf-8")
    touch_later(gva)
    watcher.lines.clear()
    assert watcher.step() is None
    assert watcher.lines[0] == f"error: data/gva.csv:{good.count(chr(10)) + 1}: column 'gva_gbp_m': 'n/a' is not a number"
    assert "previous outputs are intact" in watcher.lines[-1]
    assert digests(out) == before
    assert watcher.step() is None  # the same bad file is not built again and again
    gva.write_text(good, encoding="utf-8")
    touch_later(gva)
    summary = watcher.step()
    assert summary is not None and summary.written == [] and digests(out) == before


def test_a_theme_edit_reaches_the_warm_workers(watcher, tmp_path: Path):
    project = watcher.opts.project
    theme = project / "templates" / "theme.toml"
    assert 'primary = "#12436D"' in theme.read_text(encoding="utf-8")
    theme.write_text(theme.read_text(encoding="utf-8").replace('primary = "#12436D"', 'primary = "#7A1F5C"'),
                     encoding="utf-8")
    touch_later(theme)
    summary = watcher.step()
    assert summary is not None and len(summary.written) == 42
    scratch = tmp_path / "scratch"
    build(Options(project=project, out=scratch, force=True, jobs=2))  # fresh workers read the new theme
    assert digests(project / "output") == digests(scratch)


def test_snapshot_sees_files_in_sub_folders_and_ignores_hidden_ones(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.md.j2").write_text("x")
    (tmp_path / "a" / ".swp").write_text("x")
    assert list(snapshot([tmp_path / "a"])) == [str(tmp_path / "a" / "b" / "x.md.j2")]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_command_rebuilds_on_save_and_stops_on_a_signal(tmp_path: Path, stop: signal.Signals):
    import queue
    import threading

    project = copy_project(tmp_path / "proj")
    # as from a terminal: a shell running the tests in the background would have SIGINT ignored
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "watch", "--project", str(project)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    seen: list[str] = []

    def wait_for(text: str, limit: float = 90) -> None:
        end = time.monotonic() + limit
        while time.monotonic() < end:
            try:
                line = lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            seen.append(line)
            if text in line:
                return
        raise AssertionError(f"never saw {text!r}:\n{''.join(seen)}")

    try:
        wait_for("Watching")
        bump_hull_gva(project)
        touch_later(project / "data" / "gva.csv")
        wait_for("[data/gva.csv] wrote 4 file(s)")
        assert any("city.hull.gva_gbp" in line for line in seen)
        proc.send_signal(stop)
        wait_for("Stopped watching.")
        assert proc.wait(timeout=30) == 0
        time.sleep(0.5)  # the workers' last words, if any, reach the pipe
        while not lines.empty():
            seen.append(lines.get())
        assert not any("Traceback" in line or "KeyboardInterrupt" in line for line in seen), "".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert children == []
