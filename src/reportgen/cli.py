"""Command line: ``reportgen build | check | facts``.

Thin: parses arguments, calls the pipeline, prints. A known error is printed as
one line per problem and gives exit status 1; bad usage gives 2; a traceback is
shown only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

from . import __version__
from .errors import UsageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reportgen", description="Build the Key Cities documents from data.")
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--project", type=Path, default=Path("."), help="project folder (holds reportgen.toml)")
        p.add_argument("--verbose", action="store_true", help="show tracebacks")

    b = sub.add_parser("build", help="build the paper and the factsheets (DOCX and PDF)")
    common(b)
    b.add_argument("--out", type=Path, help="output folder (default: PROJECT/output)")
    b.add_argument("--format", help="comma-separated formats: docx,pdf")
    b.add_argument("--city", nargs="+", action="extend", metavar="NAME_OR_CODE",
                   help="only these members' factsheets (and not the paper)")
    b.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    b.add_argument("--force", action="store_true", help="rebuild every document even if unchanged")
    b.add_argument("--print", dest="print_profile", action="store_true",
                   help="print profile: 3 mm bleed, crop marks, CMYK")
    w = sub.add_parser("watch", help="build, then rebuild from a warm process whenever an input is saved")
    common(w)
    w.add_argument("--out", type=Path, help="output folder (default: PROJECT/output)")
    w.add_argument("--format", help="comma-separated formats: docx,pdf")
    w.add_argument("--city", nargs="+", action="extend", metavar="NAME_OR_CODE",
                   help="only these members' factsheets (and not the paper)")
    w.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    w.add_argument("--print", dest="print_profile", action="store_true",
                   help="print profile: 3 mm bleed, crop marks, CMYK")
    w.add_argument("--interval", type=float, default=0.1, help="seconds between looks at the inputs (default 0.1)")
    c = sub.add_parser("check", help="validate data, settings and templates; write nothing")
    common(c)
    f = sub.add_parser("facts", help="print the facts computed from the data")
    common(f)
    f.add_argument("--city", metavar="NAME_OR_CODE", help="only this member's facts (and the group's)")
    f.add_argument("--json", action="store_true", help="JSON output")
    return parser


def main(argv: list[str] | None = None, exit_after: bool = False) -> int:
    """Run the command line ``argv``; return the exit status. ``exit_after``: the process ends as
    soon as this returns (``run``), so a build need not tidy up behind itself."""
    # A build allocates millions of short-lived objects and frees nearly all of them by reference
    # counting: at Python's default threshold (700) the cyclic collector ran 160 times in a rebuild's
    # main process and 120 in its PDF worker, about 80 ms of CPU in all; at 10,000 it runs a few times.
    gc.set_threshold(10_000, 10, 10)
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "facts":
            return cmd_facts(args)
        if args.command == "check":
            from .check import run_check

            return run_check(args.project)
        if args.command == "watch":
            from .watch import run_watch

            return run_watch(args)
        from .build import run_build

        return run_build(args, exit_after=exit_after)
    except UsageError as exc:
        print(f"reportgen: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("reportgen: interrupted; previous outputs are intact", file=sys.stderr)
        return 130
    except Exception as exc:
        if getattr(args, "verbose", False):
            raise
        for line in describe_error(exc):
            print(line, file=sys.stderr)
        return 1


def describe_error(exc: Exception, verbose: bool = False) -> list[str]:
    """Return the lines that report ``exc``: one per problem of bad input, one for a bug."""
    if not _known(exc):  # a bug, not bad input: still one line, the traceback on request
        detail = " ".join(str(exc).split()) or "no message"
        return [f"error: internal error ({type(exc).__name__}: {detail}); run again with --verbose "
                "for the traceback"]
    return [f"error: {line}" for line in str(exc).splitlines() or [type(exc).__name__]]


def _known(exc: Exception) -> bool:
    from .errors import KNOWN_ERRORS

    return isinstance(exc, KNOWN_ERRORS)


def find_member(members, query: str):
    """Return the member whose name, slug, member code or council code is ``query``."""
    q = query.strip().lower()
    for m in members:
        names = {m.name.lower(), m.slug, m.code.lower()}
        names |= {c.la_code.lower() for c in m.councils} | {c.la_name.lower() for c in m.councils}
        if q in names:
            return m
    known = ", ".join(m.name for m in members)
    raise UsageError(f"unknown city '{query}' (known: {known})")


def cmd_facts(args: argparse.Namespace) -> int:
    from .pipeline import load_project

    project = load_project(args.project)
    facts = list(project.facts)
    if args.city:
        member = find_member(project.members, args.city)
        prefix = f"city.{member.slug}."
        facts = [f for f in facts if f.id.startswith(prefix) or not f.id.startswith("city.")]
    if args.json:
        json.dump({"facts": [f.as_dict() for f in facts]}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    width = max(len(f.id) for f in facts)
    for f in facts:
        note = f"  ({f.reason})" if f.value is None else ""
        print(f"{f.id:<{width}}  {f.text():>16}  {f.description}{note}")
    return 0


def run() -> None:
    """The ``reportgen`` command: ``main()``, then exit at once.

    By the time ``main`` returns, every output is written, renamed into place and closed, and
    the worker processes have stopped. What the interpreter would still do at exit is free
    the build's objects one by one (data, facts, documents) and run the finalisers of
    multiprocessing and concurrent.futures, which have nothing left to do: measured, 50 ms
    of a 0.5 s rebuild. So the output streams are flushed and the process ends without it.
    """
    code = main(exit_after=True)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    run()
