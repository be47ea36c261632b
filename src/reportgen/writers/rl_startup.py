"""Make importing reportlab cheaper: defer compiling one regular expression, and loading
Pillow's image module, until they are used.

``reportlab.platypus.paragraph`` compiles, at import, a URL pattern (``uri_pat``) that is
case-insensitive and full of ``\\xa1-\\uffff`` ranges. CPython's ``re`` works out the case
folding of every character in such ranges, so that one ``re.compile`` takes about 34 ms,
a sixth of the whole reportlab import, in every PDF worker of every build. reportlab only
uses the pattern to break long URLs across lines (``uriWasteReduce``), which reportgen never
asks for.

``defer()`` puts a stand-in for that exact pattern into ``re``'s own cache of compiled
patterns, so reportlab's ``re.compile`` returns the stand-in, which compiles the real pattern
the first time anything uses it: the behaviour is the same, and the cost is only paid when
needed. If reportlab's pattern changes, or ``re`` keeps its cache differently, the stand-in
is simply never found and reportlab compiles as before.

``reportlab.lib.utils`` also imports ``PIL.Image`` at import (17 ms, with its EXIF and TIFF tag
tables), for bitmap images, which reportgen's documents do not have: charts are vector drawings.
``defer()`` registers ``PIL.Image`` as a lazy module (the standard library's
``importlib.util.LazyLoader``), which is loaded in full the first time any attribute of it is
used, by reportlab or anything else.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from typing import Any

# Copied from reportlab/platypus/paragraph.py (reportlab 4.1 to 5.x), flags included.
URI_PATTERN = ('(^(?:[a-z0-9\\.\\-\\+]*)://)(?:\\S+(?::\\S*)?@)?(?:(?:25[0-5]|2[0-4]\\d|[0-1]?\\d?\\d)'
               '(?:\\.(?:25[0-5]|2[0-4]\\d|[0-1]?\\d?\\d)){3}|\\[[0-9a-f:\\.]+\\]|([a-z\xa1-\uffff0-9]'
               '(?:[a-z\xa1-\uffff0-9-]{0,61}[a-z\xa1-\uffff0-9])?(?:\\.(?!-)[a-z\xa1-\uffff0-9-]{1,63}(?<!-))*'
               '\\.(?!-)(?:[a-z\xa1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\\.?|localhost))(?::\\d{2,5})?'
               '(?:[/?#][^\\s]*)?\\Z')
URI_FLAGS = re.IGNORECASE


class DeferredPattern:
    """A compiled pattern that is compiled on first use."""

    def __init__(self, pattern: str, flags: re.RegexFlag) -> None:
        self.pattern = pattern
        self.flags = int(flags)
        self._compiled: re.Pattern | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            # re.compile would return this stand-in from the cache; compile past the cache.
            self._compiled = re._compiler.compile(self.pattern, self.flags)  # type: ignore[attr-defined]
        return getattr(self._compiled, name)


def defer() -> None:
    """Seed ``re``'s cache with a stand-in for reportlab's URL pattern (before reportlab is imported)."""
    cache = getattr(re, "_cache", None)
    if isinstance(cache, dict) and hasattr(re, "_compiler"):
        cache.setdefault((str, URI_PATTERN, int(URI_FLAGS)), DeferredPattern(URI_PATTERN, URI_FLAGS))
    _lazy("PIL.Image")


def _lazy(name: str) -> None:
    """Register module ``name`` as lazy: importing it is nearly free, its first use loads it."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, module)  # as the import system does for a submodule
