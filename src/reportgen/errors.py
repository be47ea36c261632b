"""The errors that mean "bad input": printed as one line each, exit status 1."""

from __future__ import annotations

import re
import sys

# (module, class) pairs; looked up only in modules already imported, so this stays cheap.
_KNOWN = (
    ("reportgen.data", "DataError"),
    ("reportgen.config", "ConfigError"),
    ("reportgen.theme", "ThemeError"),
    ("reportgen.markdown", "MarkdownError"),
    ("reportgen.templating", "TemplateError"),
    ("reportgen.build", "BuildError"),
    ("reportgen.facts", "UnknownFact"),
)


class _Known(type):
    def __instancecheck__(cls, obj: object) -> bool:
        for module, name in _KNOWN:
            mod = sys.modules.get(module)
            klass = getattr(mod, name, None) if mod else None
            if klass is not None and isinstance(obj, klass):
                return True
        return False


class UsageError(Exception):
    """Bad usage (exit status 2), e.g. an unknown --city.

    Defined here, not in cli.py: under ``python -m reportgen.cli`` the CLI module
    runs as ``__main__`` and a class defined there would be a different class from
    the one ``build`` raises (``reportgen.cli.UsageError``), so it went uncaught.
    """


class KNOWN_ERRORS(metaclass=_Known):
    """``isinstance(exc, KNOWN_ERRORS)`` is True for every bad-input error."""


_TOML_AT = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def toml_message(label: str, exc: Exception) -> str:
    """Return a TOML syntax error as ``label:LINE: message (column N)``.

    >>> toml_message("reportgen.toml", ValueError("Expected ']' (at line 22, column 7)"))
    "reportgen.toml:22: Expected ']' (column 7)"
    """
    match = _TOML_AT.match(str(exc))
    if not match:
        return f"{label}: {exc}"
    return f"{label}:{match['line']}: {match['msg']} (column {match['col']})"
