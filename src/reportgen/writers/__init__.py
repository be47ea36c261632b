"""The registry of writers by name.

A writer is a module with ``name``, ``suffix`` and
``render(doc, theme, *, reference_docx=None) -> bytes``. Writers are imported
lazily by name, so building only PDFs never imports python-docx (and the other
way round).
"""

from __future__ import annotations

import importlib
from types import ModuleType

WRITER_NAMES = ("docx", "pdf")


def get_writer(name: str) -> ModuleType:
    """Return the writer module called ``name``; raise ValueError for an unknown name."""
    if name not in WRITER_NAMES:
        raise ValueError(f"unknown output format '{name}' (known: {', '.join(WRITER_NAMES)})")
    return importlib.import_module(f"{__name__}.{name}")
