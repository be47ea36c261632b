"""Shared helpers for the hostile-input suite: project copies, the real CLI, output text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from docx import Document as DocxDocument
from pypdf import PdfReader

from ..conftest import copy_project  # noqa: F401 - re-exported for the hostile tests

CLI = [sys.executable, "-m", "reportgen.cli"]


def cli_env() -> dict[str, str]:
    """The environment for CLI subprocesses: no colour, no terminal, UTF-8."""
    env = dict(os.environ)
    env.update(PYTHONIOENCODING="utf-8", NO_COLOR="1", TERM="dumb")
    env.pop("FORCE_COLOR", None)
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``reportgen ARGS`` in a subprocess and return the finished process (text mode)."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=cli_env(), check=False)


def docx_text(path: Path) -> str:
    """Return every paragraph and table cell of a DOCX (python-docx), one per line."""
    doc = DocxDocument(str(path))
    parts = [p.text for p in doc.paragraphs]

    def cells(tables) -> None:
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    parts.append(cell.text)
                    cells(cell.tables)

    cells(doc.tables)
    for section in doc.sections:
        parts += [p.text for p in section.footer.paragraphs] + [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    """Return the text of every page of a PDF (pypdf)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def squash(text: str) -> str:
    """Collapse runs of white space (line wrapping) to one space."""
    return " ".join(text.split())
