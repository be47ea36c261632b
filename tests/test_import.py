"""The import script reproduces data/ byte for byte from the shared sources."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, ROOT

SOURCES = ROOT.parent / "shared" / "data-sources"


@pytest.mark.skipif(not SOURCES.is_dir(), reason="../shared/data-sources is not on this machine (fresh clone)")
def test_import_is_byte_identical(tmp_path: Path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "import_sources.py"), "--sources", str(SOURCES),
                    "--out", str(tmp_path)], check=True, capture_output=True)
    names = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert names == sorted(p.name for p in DATA.glob("*.csv"))
    match, mismatch, errors = filecmp.cmpfiles(tmp_path, DATA, names, shallow=False)
    assert mismatch == [] and errors == []
