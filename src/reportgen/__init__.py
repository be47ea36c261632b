"""reportgen: data → facts → templates → Document → DOCX + PDF."""
__version__ = "0.1.0"

from . import _dcmethods

_dcmethods.install()  # before any of reportgen's dataclasses is defined
