"""Build: plan the targets, skip the unchanged, write the rest in parallel, atomically.

Stages: settings → (pool starts warming) → data → facts → templates (Jinja →
Markdown) → Document → writers (in worker processes) → ledger and change report.

A document's key is a digest of its rendered Markdown (which holds every fact it
prints and every chart value), its templates, the theme, reference.docx (for
DOCX) and the reportgen version. A document whose key is unchanged and whose
files are still the ones we wrote is skipped. Computing the key needs the
Markdown, but not a render: a document none of whose inputs changed (its
templates, context and the facts it read) reuses its last Markdown (RenderCache).

Every file is written to a temporary name in the same folder and renamed over
the old one, so a failed or killed build leaves each output whole: either the
previous file or the new one. The ledger is written last, listing only files
that exist.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import pickle
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, _compiled
from .config import Config, load_config
from .files import digest as files_digest
from .files import load as load_digests
from .files import save as save_digests

LEDGER = "facts.json"
DIGESTS = "input-digests.marshal"  # in OUT/.cache: see files.load
PREVIOUS_LEDGER = "facts.previous.json"
CHANGES = "CHANGES.md"
PAPER = "position-paper"
TOC_SEEDS = "toc.json"  # in OUT/.cache: each PDF's contents entries, to build it in one pass next time


class Stopwatch:
    """Stage timings, printed to stderr when REPORTGEN_TIMINGS is set (used by benchmarks/bench.py)."""

    def __init__(self, start: float):
        self.last = start
        self.show = bool(os.environ.get("REPORTGEN_TIMINGS"))
        if self.show:
            import resource

            print(f"timing: startup and imports {time.perf_counter() - start:.3f} s since build() "
                  f"(process CPU {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.2f} s)", file=sys.stderr)

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        if self.show:
            print(f"timing: {stage} {now - self.last:.3f} s", file=sys.stderr)
        self.last = now


class BuildError(RuntimeError):
    """A problem that stops the build (one line)."""


@dataclass(frozen=True)
class Target:
    name: str  # "position-paper" or "factsheets/<slug>"
    template: str
    member: Any = None  # stats.Member for factsheets

    def path(self, out: Path, fmt: str) -> Path:
        return out / f"{self.name}.{fmt}"


@dataclass
class Rendered:
    target: Target
    markdown: str
    templates_digest: str
    keys: dict[str, str] = field(default_factory=dict)
    document: Any = None
    values: dict[str, float | None] = field(default_factory=dict)
    located: list[dict[str, str]] | None = None  # where each fact stands (locate.locate_facts), from a worker


# --------------------------------------------------------------------------- small utilities


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.cache
def _resolved(folder: Path) -> Path:
    return folder.resolve()


@functools.cache
def code_digest() -> str:
    """Return a digest of reportgen's own source, so a code change rebuilds the documents.

    Computed once per process: the code that runs is the code that was imported."""
    h = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(files_digest(path).encode())  # kept between builds while the file is unchanged
    return h.hexdigest()


def sha256_file(path: Path) -> str | None:
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return None


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    os.replace(write_temporary(path, data), path)


def write_temporary(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file next to ``path``, flushed to disk; return its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def remove_stale_temporaries(out: Path, cache_older_than: float | None = None) -> None:
    """Remove temporary files a killed build left behind: the outputs', and the cache's made
    before ``cache_older_than`` (a wall-clock time: this build's start). A cache file written
    since may be a worker's of this build, about to be renamed into place."""
    if out.is_dir():
        for tmp in list(out.glob(".*.tmp")) + list(out.glob("factsheets/.*.tmp")):
            tmp.unlink(missing_ok=True)
        if cache_older_than is not None:
            cache = out / ".cache"
            for tmp in [*cache.glob("*.tmp"), *(cache / LINES).glob("*.tmp")]:  # * matches a leading dot here
                try:
                    if tmp.stat().st_mtime < cache_older_than:
                        tmp.unlink()
                except OSError:
                    pass


def safe_output_path(out: Path, name: str, fmt: str) -> Path:
    """Return the output path, refusing any that would leave the output folder."""
    path = (out / f"{name}.{fmt}").resolve()
    if _resolved(out) not in path.parents:
        raise BuildError(f"refusing to write outside the output folder: {name}.{fmt}")
    return path


# --------------------------------------------------------------------------- the worker side

_WORKER: dict[str, Any] = {}


def _die_with_parent(parent: int) -> None:
    """Make this worker die with the build process, so a killed build leaves no worker behind.

    Without it, SIGKILL on the build orphans the pool's workers: idle ones wait for
    work for ever, busy ones go on writing outputs after the build is gone.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)


def _warm_worker(parent: int, *args: Any) -> None:
    """Pool initializer: die with the build process, then warm up like ``_warm``; what the
    warm-up made (modules, fonts, the theme) lives as long as the worker, so the collector is
    told to leave it alone.

    A worker leaves signals to the build process: Ctrl-C (SIGINT, sent to the whole process
    group by a terminal) is ignored, the build stops its workers itself; and SIGTERM, with which
    the build stops idle workers, ends the worker quietly even when the build process had its
    own handler for it (``reportgen watch``), which the fork would otherwise have inherited.
    """
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    _warm(*args)
    _compiled.save()  # what the writers and the document model compiled, if new
    gc.freeze()


def _warm(theme_path: str, print_profile: bool, reference: str, cache_dir: str, formats: tuple[str, ...]) -> None:
    """Worker initializer: import the writers and load the theme once, while the main process loads data.

    ``cache_dir`` (the build's ``OUT/.cache``, or "") is where a writer may keep what it parsed."""
    from .writers import get_writer

    from . import locate, markdown  # noqa: F401 - the worker parses and locates facts

    _WORKER.update(theme_path=theme_path, print_profile=print_profile, reference=Path(reference),
                   args=(theme_path, print_profile, reference, cache_dir, formats))
    _load_worker_theme()
    for fmt in formats:
        writer = get_writer(fmt)
        if hasattr(writer, "warm"):
            writer.warm(_WORKER["theme"], _WORKER["reference"], cache_dir=Path(cache_dir) if cache_dir else None)


def _load_worker_theme() -> None:
    """(Re)load the theme when its file changed since this worker last read it.

    A worker of ``reportgen watch`` lives across builds, and the user may edit the theme."""
    from .theme import load_theme

    path = _WORKER["theme_path"]
    try:
        st = os.stat(path)
        stamp: tuple = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = ()
    if _WORKER.get("theme_stamp") != stamp or "theme" not in _WORKER:
        theme = load_theme(path)
        _WORKER["theme"] = theme.with_print(_WORKER["print_profile"]) if _WORKER["print_profile"] else theme
        _WORKER["theme_stamp"] = stamp


def render_document(doc: Any, formats: list[str], toc_seed: list | None = None,
                    lines: Any = None) -> tuple[dict[str, bytes], list]:
    """Return (``doc`` rendered in each format, the PDF's contents entries), in a worker or in-process.

    ``toc_seed`` is the PDF's contents entries from the last build, and ``lines`` its kept line
    breaking (see writers.pdf.render_with_toc).
    """
    from .writers import get_writer

    if not _WORKER:
        raise RuntimeError("worker not initialised")
    _load_worker_theme()
    out: dict[str, bytes] = {}
    toc: list = []
    for fmt in formats:
        writer = get_writer(fmt)
        if fmt == "pdf":
            out[fmt], toc = writer.render_with_toc(doc, _WORKER["theme"], toc_seed=toc_seed, lines=lines)
        else:
            out[fmt] = writer.render(doc, _WORKER["theme"], reference_docx=_WORKER["reference"])
    return out, toc


def render_markdown(markdown: str, source: str, formats: list[str], toc_seed: list | None = None,
                    name: str | None = None) -> dict[str, Any]:
    """Parse a rendered template and render it in each format (in a worker, or in-process).

    Return {"data": format → bytes, "toc": contents entries, "facts": where each fact stands,
    "lines": the PDF's line breaking to keep for document ``name``'s next build, or None when
    what was kept is still exactly right}, or {"error": (line, line text, message)} for a
    Markdown error, which the build maps back to the template's line (an exception would have
    to survive pickling between processes).
    """
    from .locate import locate_facts
    from .markdown import MarkdownError, parse

    try:
        doc = parse(markdown, source=source)
    except MarkdownError as exc:
        return {"error": (exc.line, exc.line_text, exc.message)}
    cache_dir = _WORKER.get("args", ("", "", "", ""))[3]
    lines = _kept_lines(Path(cache_dir), name) if "pdf" in formats and name and cache_dir else None
    data, toc = render_document(doc, formats, toc_seed, lines)
    return {"data": data, "toc": toc, "facts": locate_facts(doc),
            "lines": {"version": lines.version(), "lines": lines.used} if lines is not None and lines.changed else None}


LINES = "pdf-lines"  # in OUT/.cache: each document's kept line breaking (writers.pdf.LineStore)


def _lines_file(cache_dir: Path, name: str) -> Path:
    return cache_dir / LINES / f"{hashlib.sha256(name.encode()).hexdigest()[:24]}.pickle"


def _kept_lines(cache_dir: Path, name: str) -> Any:
    """Return a LineStore holding what document ``name``'s last build kept (absent, damaged or
    from another reportlab or Python: empty)."""
    from .writers.pdf import LineStore

    try:
        with open(_lines_file(cache_dir, name), "rb") as fh:
            stored = pickle.load(fh)
        kept = stored["lines"] if stored.get("version") == LineStore.version() else None
    except Exception:  # noqa: BLE001 - absent or damaged: every paragraph is broken afresh
        kept = None
    return LineStore(kept)


def _keep_lines(cache_dir: Path, name: str, kept: dict) -> None:
    """Keep document ``name``'s line breaking (``kept``, as a worker returned it) for its next
    build. The main process writes it without importing the PDF writer; a failure only costs
    the next build the line breaking."""
    path = _lines_file(cache_dir, name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(kept, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


# --------------------------------------------------------------------------- planning


def plan(project: Any, config: Config, cities: list[str] | None) -> list[Target]:
    """Return the targets: the paper and one factsheet per member (or only the given cities)."""
    from .cli import find_member

    templates = config.templates_dir
    targets = []
    chosen = [find_member(project.members, c) for c in cities] if cities else project.members
    if not cities:
        targets.append(Target(PAPER, "paper.md.j2"))
    for m in dict.fromkeys(chosen):
        own = f"factsheet/{m.slug}.md.j2"
        template = own if (templates / own).is_file() else "factsheet.md.j2"
        targets.append(Target(f"factsheets/{m.slug}", template, m))
    return targets


def context_for(project: Any, target: Target) -> dict[str, Any]:
    """Return the template context: the member, all members, and chart rows built from facts."""
    facts = project.facts
    members = project.members
    # a list of its own: a template that sorts it in place cannot change the next document's context
    ctx: dict[str, Any] = {"group": project.config.group_name, "members": list(members),
                           "settings": project.config.facts}
    leave = [(m.name, facts[f"city.{m.slug}.leave_pct"].value) for m in members]
    ctx["leave_rows"] = sorted(leave, key=lambda r: -r[1])
    if target.member is None:
        ctx["gva_rows"] = [(str(y), v / 1e9) for y, v in project.series["gva"]]
        per_job = [(m.name, facts[f"city.{m.slug}.gva_per_job_gbp"].value) for m in members]
        ctx["per_job_rows"] = sorted([r for r in per_job if r[1] is not None], key=lambda r: -r[1])
        return ctx
    m = target.member
    ctx["m"] = m
    ctx["leave_rows"], ctx["leave_window"] = _window(ctx["leave_rows"], m.name, CHART_MAX_BARS)
    code = m.code if m.multi else (m.councils[0].current_code or "")
    city = dict(project.series["per_job"].get(code, [])) if code else {}
    england = dict(project.series["per_job"]["TLB"])
    ctx["trend_rows"] = [(str(y), city.get(y), v) for y, v in england.items()]
    return ctx


CHART_MAX_BARS = 25  # a factsheet's member chart shows at most this many bars, centred on the member


def _window(rows: list[tuple[str, float]], name: str, size: int) -> tuple[list[tuple[str, float]], bool]:
    """Return at most ``size`` rows around the one named ``name``, and whether rows were left out."""
    if len(rows) <= size:
        return rows, False
    at = next(i for i, r in enumerate(rows) if r[0] == name)
    start = max(0, min(at - size // 2, len(rows) - size))
    return rows[start:start + size], True


def templates_digest(renderer: Any, template: str, cache: RenderCache | None = None) -> str:
    """Return a digest of a template and every template it imports or includes (once per renderer)."""
    memo = renderer.__dict__.setdefault("_digests", {})
    if template not in memo:
        memo[template] = _templates_digest(renderer, template, cache)
    return memo[template]


def _templates_digest(renderer: Any, template: str, cache: RenderCache | None) -> str:
    """Digest ``template`` and the templates it imports or includes; a reference computed at render
    time (``{% include name %}``) could be any template, so then every file in the folder counts."""
    seen: dict[str, str] = {}
    todo = [template]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            raw = (renderer.templates_dir / name).read_bytes()
        except OSError:  # missing: reported by render()
            seen[name] = "missing"
            continue
        seen[name] = digest = sha256_bytes(raw)
        refs = cache.references(digest, raw, renderer) if cache else _references(raw, renderer)
        if None in refs:
            seen["*"] = sha256_bytes(json.dumps(_folder_digests(renderer.templates_dir)).encode())
        todo += [r for r in refs if r]
    return sha256_bytes(json.dumps(sorted(seen.items())).encode())


def _references(raw: bytes, renderer: Any) -> list[str | None]:
    """Return the templates a template's source names (None for one computed at render time)."""
    import jinja2.meta

    try:
        return list(jinja2.meta.find_referenced_templates(renderer.env.parse(raw.decode("utf-8"))))
    except Exception:  # noqa: BLE001 - not UTF-8, or a syntax error: reported by render()
        return []


def _folder_digests(folder: Path) -> list[tuple[str, str]]:
    return [(p.relative_to(folder).as_posix(), sha256_bytes(p.read_bytes()))
            for p in sorted(folder.rglob("*")) if p.is_file()]


# --------------------------------------------------------------------------- the render cache

RENDERS = "renders.pickle"  # in OUT/.cache


class RenderCache:
    """Reuse each document's Markdown from the last build when nothing it was made from has changed.

    Why this is sound. Rendering a template (sandboxed: no clock, no files, no lipsum; and nothing
    left over from an earlier render, see Renderer.render) is a deterministic function of:

    1. the template and every template it imports or includes (``templates_digest``);
    2. the context from ``context_for`` — strings, numbers, lists and tuples, and frozen dataclasses
       (Member, Council, FactSettings) holding only such values, so its repr shows all of it, the
       same in every process;
    3. reportgen's code (the helpers, formats and filters), Jinja's and Python's versions;
    4. the facts the template asks for. Facts reach a template only through the Renderer's helpers
       (fact, text, value, reason, has), and every call records its id (``Usage.touched``), a
       missing id included.

    1–3 make an entry's key. For 4, the entry keeps a digest of each fact the render asked for (of
    the whole Fact: value, unit, style, reason, sources; None for an id that does not exist). If all
    are unchanged, a render would ask the same questions in the same order and get the same answers
    — it can only branch on what it asked — so it would produce the same Markdown and the same
    Usage, which are reused. A fact it never asked for cannot have changed its output. So after a
    one-figure correction only the documents that read that figure are rendered again.

    Anything else renders afresh: no entry, another key, a changed fact, a context whose repr holds
    an object address, a damaged or unreadable cache file, or ``--force`` (nothing is reused; the
    entries are stored for the next build). The file also keeps the templates each template source
    references (by the source's sha256), so an unchanged template is not parsed again. It is only
    an optimisation: deleting it costs one full render.
    """

    def __init__(self, path: Path, facts: Any, code: str, trust: bool = True):
        import jinja2

        self.path = path
        self.facts = facts
        self.trust = trust
        self.versions = [code, jinja2.__version__, sys.version]
        stored = self._read(path)
        if not (isinstance(stored, dict) and stored.get("versions") == self.versions):
            stored = {}
        renders, refs = stored.get("renders"), stored.get("references")
        self.old: dict[str, tuple] = renders if isinstance(renders, dict) else {}
        self.old_refs: dict[str, list] = refs if isinstance(refs, dict) else {}
        self.new: dict[str, tuple] = {}
        self.new_refs: dict[str, list] = {}
        self.rendered = self.reused = 0
        self._fact_digests: dict[Any, str | None] = {}
        self._reprs: dict[int, tuple[Any, str]] = {}

    def render(self, renderer: Any, target: Target, templates: str, context: dict[str, Any]) -> tuple[str, Any]:
        """Return (Markdown, Usage) of ``target``: the stored ones if still valid, else rendered now."""
        from .templating import Usage

        key = self._key(target.template, templates, context)
        entry = self.old.get(target.name) if key and self.trust else None
        try:
            if entry is not None and entry[0] == key and all(self._fact(i) == d for i, d in entry[4].items()):
                self.new[target.name] = entry
                self.reused += 1
                return entry[1], Usage({i: list(t) for i, t in entry[2].items()}, set(entry[3]))
        except (TypeError, ValueError, IndexError, AttributeError):
            pass  # a damaged entry: render
        text, usage = renderer.render(target.template, **context)
        self.rendered += 1
        if key:
            self.new[target.name] = (key, text, usage.printed, usage.read,
                                     {i: self._fact(i) for i in usage.touched})
        return text, usage

    def references(self, digest: str, raw: bytes, renderer: Any) -> list[str | None]:
        """Return the templates the source ``raw`` (sha256 ``digest``) references, parsing it only if new."""
        if digest not in self.new_refs:
            known = self.old_refs.get(digest) if self.trust else None
            self.new_refs[digest] = known if isinstance(known, list) else _references(raw, renderer)
        return self.new_refs[digest]

    def save(self, keep_others: bool) -> None:
        """Write this build's entries (and, for a build of some cities, the others), atomically."""
        renders = {**self.old, **self.new} if keep_others else self.new
        refs = {**self.old_refs, **self.new_refs} if keep_others else self.new_refs
        if self.rendered == 0 and renders.keys() == self.old.keys() and refs.keys() == self.old_refs.keys():
            return  # every entry reused: the file already says this
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump({"versions": self.versions, "renders": renders, "references": refs}, fh,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # the cache is an optimisation only

    @staticmethod
    def _read(path: Path) -> Any:
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - absent or damaged: everything renders
            return None

    def _key(self, template: str, templates: str, context: dict[str, Any]) -> str | None:
        """Return the digest of the template, the context and the code; None if the context has no stable repr."""
        text = repr([template, templates]) + self._repr(context)
        return None if " at 0x" in text else sha256_bytes(text.encode())

    def _repr(self, value: Any) -> str:
        """Return ``repr(value)``, but with each frozen dataclass in it (a member, the settings) replaced
        by the digest of its repr, taken once per build: it cannot change, and 382 factsheets would
        otherwise spend 0.5 s on the list of members in every context."""
        seen = self._reprs.get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1]
        if type(value) is dict:
            return "{" + ", ".join(f"{self._repr(k)}: {self._repr(v)}" for k, v in value.items()) + "}"
        if type(value) is list:
            return "[" + ", ".join(map(self._repr, value)) + "]"
        if type(value) is tuple:
            return "(" + ", ".join(map(self._repr, value)) + ("," if len(value) == 1 else "") + ")"
        params = getattr(type(value), "__dataclass_params__", None)
        if params is not None and params.frozen:
            text = repr(value)
            if " at 0x" not in text:  # else kept whole, for _key to see
                text = f"<{type(value).__name__} {sha256_bytes(text.encode())}>"
            self._reprs[id(value)] = (value, text)  # the value is kept, so its id is not reused
            return text
        return repr(value)

    def _fact(self, fact_id: Any) -> str | None:
        """Return the digest of the fact with this id as it is now (None: there is none)."""
        if fact_id not in self._fact_digests:
            self._fact_digests[fact_id] = (sha256_bytes(repr(self.facts[fact_id]).encode())
                                           if fact_id in self.facts else None)
        return self._fact_digests[fact_id]


# --------------------------------------------------------------------------- the build


@dataclass
class Options:
    project: Path
    out: Path | None = None
    formats: tuple[str, ...] | None = None
    cities: list[str] | None = None
    jobs: int | None = None
    force: bool = False
    print_profile: bool = False
    progress: bool | None = None  # None: a bar on a terminal
    # The process exits as soon as the build returns (the ``reportgen`` command, see cli.run):
    # the build's objects are left for the exit to free, and the workers are not waited for.
    exit_after: bool = False


# What a build left for the process's exit to free (Options.exit_after); freeing a rebuild's data,
# facts, documents and ledgers object by object took 8–10 ms, spent just before the process ends.
_LEFT_FOR_EXIT: list[Any] = []


def run_build(args: argparse.Namespace, exit_after: bool = False) -> int:
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip()) if args.format else None
    opts = Options(project=args.project, out=args.out, formats=formats, cities=args.city, jobs=args.jobs,
                   force=args.force, print_profile=args.print_profile, exit_after=exit_after)
    summary = build(opts)
    print(summary.text())
    return 0


@dataclass
class Summary:
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changes_text: str = ""
    seconds: float = 0.0
    out: Path = Path("output")
    skipped_count: int | None = None

    def text(self) -> str:
        lines = [self.changes_text.rstrip()] if self.changes_text else []
        skipped = self.skipped_count if self.skipped_count is not None else len(self.skipped)
        lines.append(f"Wrote {len(self.written)} file(s), skipped {skipped} unchanged"
                     + (f", removed {len(self.removed)}" if self.removed else "")
                     + f" in {self.seconds:.2f} s → {self.out}")
        return "\n".join(lines)


def build(opts: Options, workers: Workers | None = None) -> Summary:
    """Run a build; return what it did. Raises a known error on bad input (nothing written).

    ``workers`` is a started pool that outlives the build (``reportgen watch``); by default the
    build starts its own and stops it at the end.
    """
    from .errors import KNOWN_ERRORS  # noqa: F401 - keeps the error registry importable

    started = time.perf_counter()
    config = load_config(opts.project)
    formats, out, print_profile, jobs = resolve(opts, config)
    _check_output_folder(out)
    load_digests(out / ".cache" / DIGESTS)
    theme = _check_assets(config, formats)
    own = workers is None
    if workers is None:
        rebuild = not opts.force and (out / LEDGER).is_file()
        workers = Workers(jobs, config, print_profile, formats, rebuild, out / ".cache" / TOC_SEEDS)
        if not workers.by_format:
            # imported before the fork when every worker needs them, so that they inherit them instead
            # of each importing them again: reportgen.document (24 dataclasses, about 30 ms) and
            # markdown-it (about 35 ms). A rebuild's PDF worker is the critical path: it starts first.
            from . import ledger, locate, markdown  # noqa: F401
        workers.start()  # let the workers import the writers while we check the inputs and load data
    try:
        from .ledger import Ledger

        inputs = inputs_digest(config, formats, opts.cities, print_profile)
        old = Ledger.read(out / LEDGER)
        if not opts.force and _nothing_changed(out, inputs, formats, old):
            remove_stale_temporaries(out, cache_older_than=time.time() - (time.perf_counter() - started))
            save_digests(out / ".cache" / DIGESTS)
            return Summary(skipped=["(all)"], changes_text="No figures changed.", out=out,
                           seconds=time.perf_counter() - started, skipped_count=_count_files(old, formats))
        return _build(opts, config, formats, out, print_profile, workers, started, inputs, theme, old)
    finally:
        if own:
            workers.close(wait=not opts.exit_after)
        else:
            workers.cancel()


def resolve(opts: Options, config: Config) -> tuple[tuple[str, ...], Path, bool, int]:
    """Return (formats, output folder, print profile, jobs) from the options over the settings."""
    formats = opts.formats or config.formats
    for fmt in formats:
        if fmt not in ("docx", "pdf"):
            from .cli import UsageError

            raise UsageError(f"unknown format '{fmt}' (known: docx, pdf)")
    out = (opts.out or config.output_dir).resolve()
    print_profile = opts.print_profile or config.print_profile
    jobs = opts.jobs if opts.jobs is not None else (config.jobs or os.cpu_count() or 1)
    if jobs < 1:
        from .cli import UsageError

        raise UsageError("--jobs must be 1 or more")
    return formats, out, print_profile, jobs


def inputs_digest(config: Config, formats: tuple[str, ...], cities: list[str] | None, print_profile: bool) -> str:
    """Return a digest of everything a build reads: settings, data, templates, theme, reference.docx, code."""
    h = hashlib.sha256(json.dumps([formats, sorted(cities or []), print_profile, code_digest()]).encode())
    files = [config.path, config.members_file, config.theme_file, config.reference_docx]
    files += sorted(config.data_dir.rglob("*")) + sorted(config.templates_dir.rglob("*"))
    for path in files:
        if path is not None and path.is_file() and not path.name.startswith("."):
            h.update(str(path).encode())
            h.update(files_digest(path).encode())
    return h.hexdigest()


def _nothing_changed(out: Path, inputs: str, formats: tuple[str, ...], old: Any) -> bool:
    """Return True when the last build (whose ledger is ``old``) read exactly these inputs and its
    files are intact."""
    if old.inputs != inputs or not old.intact(out, formats):
        return False
    atomic_write(out / CHANGES, b"# What changed in the last build\n\nNo figures changed.\n")
    return True


def _count_files(ledger: Any, formats: tuple[str, ...]) -> int:
    return sum(1 for doc in ledger.documents.values() for f in formats if f in doc["files"])


def _check_assets(config: Config, formats: tuple[str, ...]) -> Any:
    """Check the theme and reference.docx before anything is loaded; return the theme."""
    from .theme import load_theme

    theme = load_theme(config.theme_file)
    if "docx" in formats and not config.reference_docx.is_file():
        raise BuildError(f"{config.reference_docx}: reference.docx not found (restore it from git, or run "
                         f"scripts/make_reference_docx.py)")
    if "docx" in formats and not _is_docx(config.reference_docx):
        raise BuildError(f"{config.reference_docx}: not a Word .docx file (restore it from git, or run "
                         f"scripts/make_reference_docx.py)")
    return theme


def _check_output_folder(out: Path) -> None:
    """Refuse an output folder that is a file (before anything is loaded or cached there)."""
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out}: the output folder is a file; move it away or give --out DIR")


def _is_docx(path: Path) -> bool:
    """Return True when ``path`` is a zip archive holding word/document.xml."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


class Workers:
    """The worker processes, started before the data are loaded so their imports overlap it.

    A full build shares one pool: every worker imports every writer and takes whole
    documents, which balances 21 documents well. A rebuild (a previous build exists and
    --force is not given) usually rewrites only a factsheet and the paper, so it gets one
    pool per format instead: a PDF worker imports only reportlab and a DOCX worker only
    python-docx, which halves the import work on the critical path, and each file is its
    own task. The PDF pool starts at once, because reportlab's import is the critical path;
    the DOCX pool (``LATE``) starts when the data are loaded (``start_late``), so that its
    imports do not compete with the PDF worker and the data loading for two cores. Started
    with the PDF pool, it made a rebuild no faster; started with its first file, after the
    paper's template, it finished last (A/B of 25 runs: −10 to −50 ms when started earlier).
    """

    LATE = ("docx",)

    def __init__(self, jobs: int, config: Config, print_profile: bool, formats: tuple[str, ...],
                 rebuild: bool = False, toc_file: Path | None = None):
        self.jobs = jobs
        self.formats = formats
        self.args = (str(config.theme_file), print_profile, str(config.reference_docx),
                     str(toc_file.parent) if toc_file else "")
        self.by_format = rebuild and jobs >= 2 and len(formats) > 1
        # pool name ("*" for the shared one, else a format) → (formats its workers warm up for, size)
        self.groups: dict[str, tuple[tuple[str, ...], int]] = {}
        if jobs >= 2 and self.by_format:
            sizes = {"pdf": jobs - jobs // 2, "docx": jobs // 2}  # PDF is the slower writer
            self.groups = {fmt: ((fmt,), sizes.get(fmt, 1)) for fmt in formats}
        elif jobs >= 2:
            self.groups = {"*": (formats, jobs)}
        self.pools: dict[str, ProcessPoolExecutor] = {}  # the groups started so far
        self.used = False
        self.pending: list[tuple[Any, list[tuple[str, str]], Future | None]] = []
        self.toc_file = toc_file
        self.toc_seeds: dict[str, list] = _read_json(toc_file) if toc_file else {}
        self.toc_changed = False
        self.load: dict[str, float] = {fmt: 0.0 for fmt in formats}
        self.imported: set[tuple[str, str]] = set()

    def start(self) -> None:
        """Start every pool but the late ones (see the class's description)."""
        for name in self.groups:
            if not (self.by_format and name in self.LATE):
                self._pool(name)

    def start_late(self) -> None:
        """Start the late pools (see the class's description), once the data are loaded."""
        for name in self.groups:
            if self.by_format and name in self.LATE:
                self._pool(name)

    def _pool(self, name: str) -> ProcessPoolExecutor:
        """Return the pool called ``name``, starting it (and its workers) if it has not started."""
        if name not in self.pools:
            import gc
            import multiprocessing

            ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            formats, size = self.groups[name]
            pool = ProcessPoolExecutor(max_workers=size, mp_context=ctx, initializer=_warm_worker,
                                       initargs=(os.getpid(), *self.args, formats))
            # Frozen across the fork, everything this process holds is left alone by the workers'
            # collector: a late-started worker inherits the loaded data, and one full collection
            # over it took 30 ms (and would copy every page it touched). Unfrozen again here.
            gc.freeze()
            try:
                for _ in range(size):  # start the workers now, so they import while we load data
                    pool.submit(int, 0)
            finally:
                gc.unfreeze()
            self.pools[name] = pool
        return self.pools[name]

    # Relative costs for routing a rebuild's files: rendering one document in each format (a
    # factsheet's DOCX = 1), and importing a writer a worker has not warmed (reportlab and its fonts).
    COST = {"pdf": 2.0, "docx": 1.0}
    IMPORT = {"pdf": 20.0, "docx": 6.0}

    def _route(self, fmt: str, weight: float) -> str:
        """Return the pool for one file: its own format's, unless the other is so much less busy
        that it pays to import a second writer there (a rebuild that rewrites every document)."""
        def finish(name: str) -> float:
            extra = 0.0 if name == fmt or (name, fmt) in self.imported else self.IMPORT.get(fmt, 0.0)
            size = self.groups[name][1]
            return (self.load[name] + extra + self.COST.get(fmt, 1.0) * weight) / size
        best = min(self.groups, key=lambda name: (finish(name), name != fmt))
        self.load[best] += self.COST.get(fmt, 1.0) * weight + (0.0 if best == fmt or (best, fmt) in self.imported
                                                               else self.IMPORT.get(fmt, 0.0))
        self.imported.add((best, fmt))
        return best

    def submit(self, r: Rendered, files: list[tuple[str, str]]) -> None:
        """Start parsing and rendering one document's files; they are written only by ``write_all``."""
        seed = self.toc_seeds.get(r.target.name)
        source = f"{r.target.template} (rendered)"
        if not self.groups:
            self.pending.append((r, files, None))
            return
        self.used = True
        if self.by_format:
            weight = max(1.0, len(r.markdown) / 6000)  # the paper is several factsheets' work
            for fmt, path in files:
                fut = self._pool(self._route(fmt, weight)).submit(render_markdown, r.markdown, source, [fmt], seed,
                                                                  r.target.name)
                self.pending.append((r, [(fmt, path)], fut))
        else:
            self.pending.append((r, files, self._pool("*").submit(render_markdown, r.markdown, source,
                                                                  [fmt for fmt, _ in files], seed, r.target.name)))

    def cancel(self) -> None:
        for _, _, fut in self.pending:
            if fut is not None:
                fut.cancel()
        self.pending.clear()

    def write_all(self, summary: Summary, renderer: Any) -> dict[tuple[str, str], str]:
        """Wait for every rendering, then put every file in place; return (name, fmt) → sha256.

        Each file goes to a temporary name as it arrives; only when every document has parsed
        and rendered are they renamed over the outputs, so a bad template replaces nothing.
        """
        from .progress import Progress

        hashes: dict[tuple[str, str], str] = {}
        staged: list[tuple[Path, Path]] = []
        if self.pending and not self.groups and _WORKER.get("args") != (*self.args, self.formats):
            _warm(*self.args, self.formats)  # in-process: warm once, and again when the settings change
        try:
            with Progress(sum(len(files) for _, files, _ in self.pending)) as progress:
                for r, files, fut in self.pending:
                    seed = self.toc_seeds.get(r.target.name)
                    result = (fut.result() if fut is not None else
                              render_markdown(r.markdown, f"{r.target.template} (rendered)", [f for f, _ in files],
                                              seed, r.target.name))
                    if "error" in result:
                        raise _markdown_error(r, renderer, *result["error"])
                    r.located = result["facts"]
                    kept = result.pop("lines", None)  # not held until the end (382 factsheets: 15 MB)
                    if kept is not None and self.args[3]:
                        _keep_lines(Path(self.args[3]), r.target.name, kept)
                    if result["toc"] and result["toc"] != seed:
                        self.toc_seeds[r.target.name] = result["toc"]
                        self.toc_changed = True
                    for fmt, path in files:
                        data = result["data"][fmt]
                        staged.append((write_temporary(Path(path), data), Path(path)))
                        hashes[(r.target.name, fmt)] = sha256_bytes(data)
                        summary.written.append(f"{r.target.name}.{fmt}")
                        progress.advance(f"{r.target.name}.{fmt}")
        except BaseException:
            self.cancel()
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
        for tmp, path in staged:
            os.replace(tmp, path)
        self.pending.clear()
        if self.toc_changed:
            _write_json(self.toc_file, self.toc_seeds)
        return hashes

    def close(self, wait: bool = True) -> None:
        """Stop the workers. Idle ones (nothing to write, or every result in) are terminated rather
        than asked to exit: an orderly exit of a process holding reportlab takes tens of ms.

        ``wait=False`` (the process exits next) does not wait for them to be gone: they were sent
        SIGTERM, and each dies with this process anyway (``_die_with_parent``)."""
        for pool in self.pools.values():
            idle = not self.used or not self.pending
            if idle:
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
            pool.shutdown(wait=wait or not idle, cancel_futures=True)


def _read_json(path: Path) -> dict:
    """Return a JSON object from the cache, or {} when it is absent or damaged."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_json(path: Path | None, value: dict) -> None:
    """Write a cache file atomically; a cache that cannot be written is simply not kept."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def _build(opts: Options, config: Config, formats, out: Path, print_profile: bool, workers: Workers,
           started: float, inputs: str, theme: Any, old: Any) -> Summary:
    """Build: ``theme`` is the checked theme, ``old`` the last build's ledger."""
    from .ledger import change_report
    from .pipeline import load_project

    lap = Stopwatch(started)
    project = load_project(opts.project, cache_dir=out / ".cache")
    lap("data and facts")
    workers.start_late()
    from .templating import Renderer  # Jinja's import (25 ms) after the DOCX workers' start, not before

    ref_digest = sha256_file(config.reference_docx) or "" if "docx" in formats else ""
    targets = plan(project, config, opts.cities)
    renderer = Renderer(config.templates_dir, project.facts, cache_dir=out / ".cache")
    base = {"version": __version__, "code": code_digest(), "theme": theme.digest, "print": print_profile}
    cache = RenderCache(out / ".cache" / RENDERS, project.facts, base["code"], trust=not opts.force)
    summary = Summary(out=out)
    rendered: list[Rendered] = []
    written: list[str] = []
    try:
        # Render every template before writing anything (a bad template writes nothing); the workers
        # parse each document and render it to bytes meanwhile, and write_all renames the files into
        # place only when all have succeeded. A skipped document's Markdown is unchanged since it last
        # parsed, and its ledger entry is kept.
        queue = _render_order(targets, workers)
        while queue:
            r = _render(renderer, project, queue.pop(0), cache)
            rendered.append(r)
            files = _files_to_write(r, formats, base, ref_digest, out, old, opts.force, summary)
            if files:
                written.append(r.target.name)
                workers.submit(r, files)
                if workers.by_format and queue and queue[-1].member is None:
                    queue.insert(0, queue.pop())  # the paper next (see _render_order)
    except BaseException:
        workers.cancel()
        raise
    position = {t.name: i for i, t in enumerate(targets)}
    rendered.sort(key=lambda r: position[r.target.name])
    written.sort(key=position.__getitem__)
    cache.save(keep_others=bool(opts.cities))
    lap("templates and Markdown → Document")
    remove_stale_temporaries(out, cache_older_than=time.time() - (time.perf_counter() - started))
    hashes = workers.write_all(summary, renderer)
    lap("DOCX and PDF (workers)")
    new = old.updated(rendered, hashes, formats, _locate_facts, theme.digest, ref_digest)
    new.inputs = inputs
    if not opts.cities:
        summary.removed = new.drop_missing({r.target.name for r in rendered}, out)
    report = change_report(old, new, written, summary.removed)
    out.mkdir(parents=True, exist_ok=True)
    if (out / LEDGER).exists():
        atomic_write(out / PREVIOUS_LEDGER, (out / LEDGER).read_bytes())
    new.write(out / LEDGER, cache=out / ".cache" / "ledger-layout.pickle")
    for name in summary.removed:
        for fmt in ("docx", "pdf"):
            (out / f"{name}.{fmt}").unlink(missing_ok=True)
        _lines_file(out / ".cache", name).unlink(missing_ok=True)
    atomic_write(out / CHANGES, report.markdown.encode())
    save_digests(out / ".cache" / DIGESTS)
    lap("ledger and change report")
    summary.changes_text = report.terminal
    summary.seconds = time.perf_counter() - started
    _compile_own_bytecode()
    if opts.exit_after:  # the reportgen command (see _compiled.save)
        _compiled.save()
        _LEFT_FOR_EXIT.append(dict(locals()))
    return summary


def _render_order(targets: list[Target], workers: Workers) -> list[Target]:
    """Return the order in which to render the targets' templates; each goes to the workers as
    soon as it is rendered.

    A full build's shared pool takes the paper first: it is the longest job. A rebuild's one
    worker per format is warm before the main process has rendered the paper's template (the
    longest to render) and would wait for it; so the factsheets come first, and the paper is
    moved up to follow the first factsheet that is rewritten (``_build``): a corrected member's
    factsheet is drawn in that wait, and a rebuild of every document still starts its longest
    job second, which keeps the two workers balanced (``Workers._route``)."""
    if not workers.by_format:
        return list(targets)
    return [t for t in targets if t.member is not None] + [t for t in targets if t.member is None]


def _locate_facts(doc: Any) -> list[dict[str, str]]:
    """locate.locate_facts, imported only when a document was parsed in this process."""
    from .locate import locate_facts

    return locate_facts(doc)


def _compile_own_bytecode() -> None:
    """Write reportgen's .pyc files when Python is told not to (PYTHONDONTWRITEBYTECODE) and an
    editable install has none: otherwise every run, and every worker, compiles the source again
    (about 0.2 s each). Up-to-date files are skipped; a read-only install is left alone."""
    if not sys.dont_write_bytecode or not _stale_bytecode(Path(__file__).parent):
        return
    import compileall

    try:
        compileall.compile_dir(str(Path(__file__).parent), quiet=2)
    except OSError:
        pass


def _stale_bytecode(package: Path) -> bool:
    """Return True when a module of ``package`` has no .pyc, or one older than its source (a stat
    per file: compileall's own check reads every .pyc and took 10 ms of every build)."""
    import importlib.util

    for folder in (package, *(p for p in package.iterdir() if p.is_dir() and p.name != "__pycache__")):
        for source in folder.glob("*.py"):
            try:
                if os.stat(importlib.util.cache_from_source(str(source))).st_mtime_ns < source.stat().st_mtime_ns:
                    return True
            except OSError:
                return True
    return False


def _files_to_write(r: Rendered, formats, base: dict, ref_digest: str, out: Path, old: Any, force: bool,
                    summary: Summary) -> list[tuple[str, str]]:
    """Return the (format, path) pairs of ``r`` to write; note the skipped ones in ``summary``."""
    files = []
    for fmt in formats:
        key = sha256_bytes(json.dumps({**base, "md": sha256_bytes(r.markdown.encode()), "templates":
                                       r.templates_digest, "format": fmt,
                                       "reference": ref_digest if fmt == "docx" else ""}).encode())
        r.keys[fmt] = key
        path = safe_output_path(out, r.target.name, fmt)
        if not force and old.unchanged(r.target.name, fmt, key, path):
            summary.skipped.append(f"{r.target.name}.{fmt}")
        else:
            files.append((fmt, str(path)))
    return files


def _render(renderer: Any, project: Any, target: Target, cache: RenderCache | None = None) -> Rendered:
    """Render one target (or reuse its Markdown from ``cache``, which is the same: see RenderCache)."""
    context = context_for(project, target)
    digest = templates_digest(renderer, target.template, cache)
    if cache is None:
        text, usage = renderer.render(target.template, **context)
    else:
        text, usage = cache.render(renderer, target, digest, context)
    values = {fact_id: project.facts[fact_id].value for fact_id in usage.printed}
    return Rendered(target, text, digest, values=values)


def _parse_all(rendered: list[Rendered], renderer: Any) -> None:
    """Parse every document (for ``reportgen check``); raise TemplateError naming the template's line."""
    from .markdown import MarkdownError, parse

    for r in rendered:
        try:
            r.document = parse(r.markdown, source=f"{r.target.template} (rendered)")
        except MarkdownError as exc:
            raise _markdown_error(r, renderer, exc.line, exc.line_text, exc.message) from None


def _markdown_error(r: Rendered, renderer: Any, line: int, line_text: str, message: str) -> Exception:
    """Return the TemplateError for a Markdown error, at the template line it came from when known."""
    from .templating import TemplateError

    at = renderer.source_line(r.target.template, line_text)
    where = f"templates/{r.target.template}:{at}" if at else f"templates/{r.target.template} (rendered line {line})"
    return TemplateError(f"{where}: {message}")
