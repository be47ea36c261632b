"""The errors that mean "bad input": printed as one line each, exit status 1."""

from __future__ import annotations

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
