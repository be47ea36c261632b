"""The facts ledger (output/facts.json) and the change report (output/CHANGES.md).

The ledger records, for each document, the digests that went into it, its files
(with their sha256 and key), and every fact it printed: id, value, printed text,
the heading it stands under and the sentence it stands in. The next build
compares its own ledger with the last successful one to say what changed.
"""

from __future__ import annotations

import json
import marshal
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__

# --------------------------------------------------------------------------- the ledger


def _layout(value: Any, depth: int = 0, known: dict[int, str] | None = None) -> str:
    """Return ``value`` as JSON laid out for reading and diffing: the documents and their parts
    indented, and each fact (each file) on one line of its own, so that a changed figure is a
    one-line change. Writing it with ``json.dumps(indent=...)`` took 20 ms of every build,
    because an indent makes json fall back from C to its pure-Python encoder.

    ``known`` maps the id of a value in ``value`` to its layout, already made.
    """
    if known and id(value) in known:
        return known[id(value)]
    pad = " " * (depth + 1)
    if depth < 4 and isinstance(value, dict) and value:
        items = (f"{pad}{json.dumps(k, ensure_ascii=False)}: {_layout(v, depth + 1, known)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if depth < 4 and isinstance(value, list) and value:
        return "[\n" + ",\n".join(pad + json.dumps(v, ensure_ascii=False) for v in value) + "\n" + " " * depth + "]"
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Ledger:
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: str = __version__
    inputs: str = ""  # digest of every input of the build that wrote this ledger

    @classmethod
    def read(cls, path: Path) -> Ledger:
        """Return the ledger at ``path``; an absent or unreadable one is empty (everything rebuilds)."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(dict(raw.get("documents", {})), raw.get("reportgen", ""), raw.get("inputs", ""))
        except (OSError, ValueError, AttributeError):
            return cls()

    def unchanged(self, name: str, fmt: str, key: str, path: Path) -> bool:
        """Return True when ``path`` is still the file we wrote for this key."""
        entry = self.documents.get(name, {}).get("files", {}).get(fmt)
        if not entry or entry.get("key") != key:
            return False
        from .build import sha256_file

        return sha256_file(path) == entry.get("sha256")

    def updated(self, rendered, hashes, formats, locate: Callable, theme_digest: str, ref_digest: str) -> Ledger:
        """Return a new ledger: these documents re-recorded, the others as they were."""
        docs = {k: dict(v) for k, v in self.documents.items()}
        for r in rendered:
            name = r.target.name
            old_files = dict(docs.get(name, {}).get("files", {}))
            files = {}
            for fmt in sorted(set(old_files) | set(formats)):
                if (name, fmt) in hashes:
                    files[fmt] = {"path": f"{name}.{fmt}", "sha256": hashes[(name, fmt)], "key": r.keys[fmt]}
                elif fmt in old_files and (fmt not in formats or old_files[fmt].get("key") == r.keys.get(fmt)):
                    files[fmt] = old_files[fmt]
            docs[name] = {
                "template": r.target.template,
                "templates_digest": r.templates_digest,
                "theme_digest": theme_digest,
                "reference_digest": ref_digest,
                "reportgen": __version__,
                "files": files,
                "facts": self._facts(name, r, locate),
            }
        return Ledger(docs)

    def _facts(self, name: str, r: Any, locate: Callable) -> list[dict[str, Any]]:
        """Return where the document's facts stand: located afresh, or (skipped) as last recorded."""
        if getattr(r, "located", None) is not None:
            return [dict(f, value=r.values.get(f["id"])) for f in r.located]
        if r.document is not None:
            return [dict(f, value=r.values.get(f["id"])) for f in locate(r.document)]
        return [dict(f, value=r.values.get(f["id"], f.get("value")))
                for f in self.documents.get(name, {}).get("facts", [])]

    def drop_missing(self, names: set[str], out: Path) -> list[str]:
        """Forget the documents not planned any more (a removed member); return their names."""
        gone = sorted(n for n in self.documents if n not in names)
        for n in gone:
            del self.documents[n]
        return gone

    def write(self, path: Path, cache: Path | None = None) -> None:
        """Write the ledger to ``path``. With ``cache`` (a file in the build cache), a document
        whose entry is the same as when it was last written keeps the layout made then: laying
        out all 21 documents' facts took 10–18 ms at the very end of every rebuild, which
        usually changes two or three of them."""
        import pickle

        from .build import atomic_write

        documents = dict(sorted(self.documents.items()))
        data = {"reportgen": __version__, "inputs": self.inputs, "documents": documents}
        before: dict[str, tuple[bytes, str]] = {}
        if cache is not None:
            try:
                with open(cache, "rb") as fh:
                    loaded = pickle.load(fh)
                before = loaded if isinstance(loaded, dict) else {}
            except Exception:  # noqa: BLE001 - absent or damaged: everything is laid out
                before = {}
        known: dict[int, str] = {}
        now: dict[str, tuple[bytes, str]] = {}
        for name, entry in documents.items():
            try:
                # the entry's exact content (marshal: 7x faster than json here). Equal entries that
                # share their strings differently can serialise differently; that only lays one out again
                compact = marshal.dumps(entry)
            except ValueError:
                compact = b""
            hit = before.get(name)
            text = hit[1] if compact and isinstance(hit, tuple) and len(hit) == 2 and hit[0] == compact \
                else _layout(entry, 2)
            known[id(entry)] = text
            now[name] = (compact, text)
        atomic_write(path, (_layout(data, 0, known) + "\n").encode("utf-8"))
        if cache is not None:
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
                with open(tmp, "wb") as fh:
                    pickle.dump(now, fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, cache)
            except OSError:
                pass  # the cache is an optimisation only

    def intact(self, out: Path, formats: tuple[str, ...]) -> bool:
        """Return True when every file of every document is on disk as written."""
        from .build import sha256_file

        for name, doc in self.documents.items():
            for fmt in formats:
                entry = doc.get("files", {}).get(fmt)
                if not entry or sha256_file(out / entry["path"]) != entry["sha256"]:
                    return False
        return bool(self.documents)

    def figures(self, name: str) -> dict[str, dict[str, Any]]:
        """Return fact id → first recorded occurrence in one document."""
        out: dict[str, dict[str, Any]] = {}
        for f in self.documents.get(name, {}).get("facts", []):
            out.setdefault(f["id"], f)
        return out


# --------------------------------------------------------------------------- the change report


@dataclass
class Report:
    markdown: str
    terminal: str


def change_report(old: Ledger, new: Ledger, rebuilt: list[str], removed: list[str]) -> Report:
    """Return CHANGES.md and a terminal summary: changed figures old → new, and where they print."""
    changed: dict[str, dict[str, Any]] = {}
    unseen: dict[str, tuple[Any, Any]] = {}  # value changed, printed text did not
    added = [n for n in rebuilt if n not in old.documents]
    for name in new.documents:
        if name not in old.documents:
            continue
        before, after = old.figures(name), new.figures(name)
        for fact_id, now in after.items():
            was = before.get(fact_id)
            if was is None or (was.get("text") == now.get("text") and was.get("value") == now.get("value")):
                continue
            if was.get("text") == now.get("text"):
                unseen[fact_id] = (was.get("value"), now.get("value"))
                continue
            entry = changed.setdefault(fact_id, {"old": was.get("text"), "new": now.get("text"), "where": []})
            for f in new.documents[name]["facts"]:
                if f["id"] == fact_id:
                    entry["where"].append((name, f["where"], f["sentence"]))
    quiet = [n for n in rebuilt if n not in added and not any(n == w[0] for e in changed.values() for w in e["where"])]
    md = ["# What changed in the last build", ""]
    term = []
    if changed:
        md += [f"## Figures that changed ({len(changed)})", ""]
        for fact_id, e in sorted(changed.items()):
            docs = sorted({w[0] for w in e["where"]})
            md.append(f"### `{fact_id}`: {e['old']} → {e['new']}")
            md.append("")
            for doc, heading, sentence in e["where"]:
                md.append(f"- **{doc}**, under “{heading}”: {sentence}")
            md.append("")
            term.append(f"  {fact_id}: {e['old']} → {e['new']}  ({', '.join(docs)})")
        term.insert(0, f"{len(changed)} figure(s) changed:")
        if len(term) > 13:
            term = term[:13] + [f"  … and {len(term) - 13} more: see CHANGES.md"]
    elif not old.documents:
        md += ["First build: there is no earlier build to compare with.", ""]
        term.append("First build: there is no earlier build to compare with.")
    else:
        md += ["No figures changed.", ""]
        term.append("No figures changed.")
    if unseen:
        md += [f"## Values that changed but print the same ({len(unseen)})", "",
               "The data changed these figures by less than the printed rounding, so no printed figure changed.", ""]
        md += [f"- `{fact_id}`: {a!r} → {b!r}" for fact_id, (a, b) in sorted(unseen.items())] + [""]
    for title, names in (("New documents", added), ("Removed documents", removed),
                         ("Rebuilt with no printed figure changed (chart data, template, theme, settings or code changed)", quiet)):
        if names:
            md += [f"## {title}", ""] + [f"- {n}" for n in names] + [""]
            term.append(f"{title}: {', '.join(names)}")
    return Report("\n".join(md).rstrip() + "\n", "\n".join(term))
