"""rl_startup: reportlab's URL pattern is compiled on first use, and behaves as reportlab's own."""

from __future__ import annotations

import re
import subprocess
import sys

from reportgen.writers import rl_startup

SAMPLES = ["https://example.org/a/b/c", "HTTP://Example.ORG:8080/x?y#z", "ftp://user:pw@10.0.0.1/path",
           "https://bücher.example/ä", "not a url", "https://-bad-.example", "mailto:x@example.org", ""]


def test_the_stand_in_matches_as_the_real_pattern_does() -> None:
    real = re.compile(rl_startup.URI_PATTERN, rl_startup.URI_FLAGS)
    deferred = rl_startup.DeferredPattern(rl_startup.URI_PATTERN, rl_startup.URI_FLAGS)
    for text in SAMPLES:
        a, b = real.match(text), deferred.match(text)
        assert (a and a.groups()) == (b and b.groups()), text


def test_reportlab_gets_the_stand_in_and_uses_it() -> None:
    """In a fresh interpreter (this one may have imported reportlab already): the writer's import
    leaves reportlab holding the stand-in, uncompiled, and reportlab's URL splitting still works."""
    code = (
        "import reportgen.writers.pdf\n"
        "from reportlab.platypus import paragraph as p\n"
        "from reportgen.writers.rl_startup import DeferredPattern\n"
        "assert isinstance(p.uri_pat, DeferredPattern), type(p.uri_pat)\n"
        "assert p.uri_pat._compiled is None\n"
        "print(p._uri_split_pairs('https://example.org/a/b'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, f"reportlab's uri_pat changed? update rl_startup.URI_PATTERN\n{run.stderr}"
    out = run.stdout
    assert out.strip() == "[('https://example.org/a/', 'b'), ('https://example.org/', 'a/b'), ('https://', 'example.org/a/b')]"



def test_pillow_loads_only_when_used_and_then_works() -> None:
    """In a fresh interpreter: the writer's import leaves PIL.Image unloaded (its tag tables not
    imported); the first use loads it, and reportlab draws a bitmap through it as usual."""
    code = (
        "import io, sys\n"
        "import reportgen.writers.pdf\n"
        "assert 'PIL.ExifTags' not in sys.modules\n"
        "from PIL import Image\n"
        "buf = io.BytesIO()\n"
        "Image.new('RGB', (3, 2), (200, 30, 40)).save(buf, 'PNG')\n"
        "assert 'PIL.ExifTags' in sys.modules\n"
        "from reportlab.lib.utils import ImageReader\n"
        "from reportlab.pdfgen.canvas import Canvas\n"
        "out = io.BytesIO(); c = Canvas(out); buf.seek(0)\n"
        "reader = ImageReader(buf); c.drawImage(reader, 10, 10, 30, 20); c.save()\n"
        "print(reader.getSize(), b'/Subtype /Image' in out.getvalue())\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "(3, 2) True"
