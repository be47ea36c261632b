"""``reportgen watch``: build, then rebuild whenever an input is saved, from a warm process.

A cold ``reportgen build`` pays for starting Python and importing reportlab, python-docx and
the Markdown reader before it does any work (about 0.4 s of CPU on two cores). Watch pays
that once: it keeps one process with its worker pool warm, polls the inputs (settings, data,
members, templates, theme, reference.docx) a few times a second, and runs the same build as
``reportgen build`` when one changes, printing the same change report. Bad input prints its
one-line error and watch goes on waiting: the previous outputs stay as they were.

Polling (size and modification time of a few dozen files) costs well under a millisecond a
round and needs no file-system notification library.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .build import Options, Summary, Workers, build, resolve
from .config import Config, load_config
from .errors import UsageError

Snapshot = dict[str, tuple[int, int]]


def inputs_of(config: Config) -> list[Path]:
    """Return the files and folders a build reads (folders are scanned recursively)."""
    return [config.path, config.data_dir, config.members_file, config.templates_dir, config.theme_file,
            config.reference_docx]


def snapshot(paths: list[Path]) -> Snapshot:
    """Return path → (mtime in ns, size) for every file under ``paths``; hidden files are ignored."""
    out: Snapshot = {}
    todo = [str(p) for p in paths if p is not None]
    while todo:
        path = todo.pop()
        try:
            st = os.stat(path)
        except OSError:
            continue
        if os.path.isdir(path):
            try:
                todo += [e.path for e in os.scandir(path) if not e.name.startswith(".")]
            except OSError:
                pass
        else:
            out[path] = (st.st_mtime_ns, st.st_size)
    return out


class Watcher:
    """Builds on every change; ``run`` loops until interrupted, ``step`` does one round (tested)."""

    def __init__(self, opts: Options, interval: float = 0.1, settle: float = 0.05,
                 emit: Callable[[str], None] | None = None, clock: Callable[[], float] = time.perf_counter):
        self.opts = opts
        self.interval = interval
        self.settle = settle  # a change must hold this long: editors save in several writes
        self.emit = emit or (lambda line: print(line, flush=True))
        self.clock = clock
        self.workers: Workers | None = None
        self.workers_key: tuple = ()
        self.paths: list[Path] = [opts.project / "reportgen.toml"]
        self.seen: Snapshot = {}
        self.builds = 0

    # -- one build, in this warm process
    def build_once(self, reason: str) -> Summary | None:
        """Build; print the change report, or the error lines of bad input. Return the summary."""
        from .cli import describe_error

        started = self.clock()
        try:
            config = load_config(self.opts.project)
            self.paths = inputs_of(config)
            self._ensure_workers(config)
            summary = build(self.opts, self.workers)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - watch reports and goes on; nothing was replaced
            for line in describe_error(exc):
                self.emit(line)
            self.emit(f"[{reason}] build failed; the previous outputs are intact. Waiting for a fix…")
            return None
        finally:
            self.seen = snapshot(self.paths)
            self.builds += 1
        if summary.changes_text:
            self.emit(summary.changes_text.rstrip())
        self.emit(f"[{reason}] wrote {len(summary.written)} file(s), skipped "
                  f"{summary.skipped_count if summary.skipped_count is not None else len(summary.skipped)} "
                  f"unchanged in {self.clock() - started:.2f} s → {summary.out}")
        return summary

    def _ensure_workers(self, config: Config) -> None:
        """Keep one warm pool while the settings that shape it stay the same; start a new one if not."""
        formats, out, print_profile, jobs = resolve(self.opts, config)
        key = (formats, str(out), print_profile, jobs, str(config.theme_file), str(config.reference_docx))
        if self.workers is not None and key == self.workers_key:
            return
        self.close()
        # one shared pool, every worker warm for every format: after its start-up a watch never
        # imports again, so sharing the documents across workers balances best
        self.workers = Workers(jobs, config, print_profile, formats, rebuild=False,
                               toc_file=out / ".cache" / "toc.json")
        self.workers.start()
        self.workers_key = key

    # -- the loop
    def changed(self) -> list[str]:
        """Return the inputs that changed since the last build (settled), or []."""
        now = snapshot(self.paths)
        if now == self.seen:
            return []
        time.sleep(self.settle)
        later = snapshot(self.paths)
        while later != now:  # still being written
            now = later
            time.sleep(self.settle)
            later = snapshot(self.paths)
        changed = sorted(p for p in set(now) | set(self.seen) if now.get(p) != self.seen.get(p))
        return changed

    def step(self) -> Summary | None:
        """Wait one interval; rebuild if an input changed. Return the summary of a build, if any."""
        time.sleep(self.interval)
        changed = self.changed()
        if not changed:
            return None
        root = self.opts.project.resolve()
        names = [_relative(p, root) for p in changed]
        reason = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
        return self.build_once(reason)

    def run(self) -> int:
        import signal

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        if threading_main():
            signal.signal(signal.SIGTERM, stop)  # `kill` stops it as cleanly as Ctrl-C
        self.build_once("start")
        self.emit(f"Watching {', '.join(_relative(str(p), self.opts.project.resolve()) for p in self.paths)} "
                  "for changes; Ctrl-C to stop.")
        try:
            while True:
                self.step()
        except KeyboardInterrupt:
            self.emit("Stopped watching.")
            return 0
        finally:
            self.close()

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers = None


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def run_watch(args: Any) -> int:
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip()) if args.format else None
    opts = Options(project=args.project, out=args.out, formats=formats, cities=args.city, jobs=args.jobs,
                   print_profile=args.print_profile)
    if args.interval <= 0:
        raise UsageError("--interval must be above 0")
    return Watcher(opts, interval=args.interval).run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run: reportgen watch")
