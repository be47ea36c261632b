"""Shared fixtures: the project root, a throw-away copy of the project, and loaders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def copy_project(dest: Path) -> Path:
    """Copy the project's settings, data and templates into ``dest`` (created) and return it."""
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "reportgen.toml", dest / "reportgen.toml")
    shutil.copytree(DATA, dest / "data")
    shutil.copytree(ROOT / "templates", dest / "templates")
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a copy of the project (settings, data, templates) that a test may change."""
    return copy_project(tmp_path / "proj")


def edit_csv(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV (line counts the header as 1) without touching the rest."""
    import csv
    import io

    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    col = rows[0].index(column)
    rows[line - 1][col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
