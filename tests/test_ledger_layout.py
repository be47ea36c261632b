"""Ledger.write reuses the layout of unchanged documents from the build cache; the file must be
exactly what laying out everything gives."""

from __future__ import annotations

import json
from pathlib import Path

from reportgen import ledger
from reportgen.ledger import Ledger


def sample() -> Ledger:
    docs = {}
    for n, name in enumerate(["position-paper", "factsheets/hull", "factsheets/derby"]):
        docs[name] = {
            "template": "factsheet.md.j2", "reportgen": "0.1.0",
            "files": {"pdf": {"path": f"{name}.pdf", "sha256": "ab" * 32, "key": "cd" * 32}},
            "facts": [{"id": f"city.x.gva_gbp_{i}", "value": 1.5e9 + i + n, "text": f"£{i}.5bn “quoted”",
                       "where": "Output", "sentence": "Hull produced £6.4bn, up from 2015."} for i in range(40)],
        }
    return Ledger(docs, inputs="e3" * 32)


def test_the_file_is_the_same_with_and_without_the_cache(tmp_path: Path, monkeypatch) -> None:
    plain, cached, cache = tmp_path / "plain.json", tmp_path / "facts.json", tmp_path / ".cache" / "layout.pickle"
    led = sample()
    led.write(plain)
    led.write(cached, cache=cache)
    assert cached.read_bytes() == plain.read_bytes() and cache.is_file()
    json.loads(cached.read_text(encoding="utf-8"))  # still JSON

    changed = sample()  # built the same way, as a build rebuilds its ledger from the last one
    changed.documents["factsheets/hull"]["facts"][3]["value"] = 1.6e9
    changed.documents["factsheets/hull"]["facts"][3]["text"] = "£1.6bn"
    laid_out = []
    real = ledger._layout

    def counting(value, depth=0, known=None):
        if depth == 2 and not (known and id(value) in known):  # laid out, not taken from the cache
            laid_out.append(value)
        return real(value, depth, known)

    monkeypatch.setattr(ledger, "_layout", counting)
    changed.write(cached, cache=cache)
    assert laid_out == [changed.documents["factsheets/hull"]]  # only the changed document laid out again
    monkeypatch.setattr(ledger, "_layout", real)
    changed.write(plain)
    assert cached.read_bytes() == plain.read_bytes()
    assert '"text": "£1.6bn"' in cached.read_text(encoding="utf-8")


def test_a_damaged_layout_cache_lays_everything_out(tmp_path: Path) -> None:
    cache = tmp_path / "layout.pickle"
    cache.write_bytes(b"not a pickle")
    sample().write(tmp_path / "a.json", cache=cache)
    sample().write(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
