"""reportgen: data → facts → templates → Document → DOCX + PDF."""
__version__ = "0.1.0"

from . import _compiled

_compiled.install()  # before any of reportgen's dataclasses or regexes is made
