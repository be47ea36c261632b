"""reportgen: data → facts → templates → Document → DOCX + PDF."""
__version__ = "0.1.0"
